"""SAF-T Cash Register (SAF-T Kassasystem) exports → normalized sales.

Modules: `xmlstream` (safe, constant-memory reading), `records` (elements → plain records),
`masterdata` (basics, VAT codes, articles), `signs` (amntTp conventions), `transactions`
(one transaction → SaleLines, with its sums checked), `zreport` (Z report cross-check),
`registers` (register → vendor), `problemlog` (capped problem list), `importer` (the whole file,
stored all or nothing).
"""

from settlement.sources.saft.importer import FileImport, import_saft_file

__all__ = ["FileImport", "import_saft_file"]
