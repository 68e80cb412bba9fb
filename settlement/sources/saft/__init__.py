"""SAF-T Cash Register (SAF-T Kassasystem) exports → normalized sales.

Modules: `xmlstream` (safe, constant-memory reading), `records` (elements → plain records),
`masterdata` (basics, VAT codes, articles), `signs` (amntTp conventions), `transactions`
(one transaction → SaleLines, with its sums checked), `zreport` (Z report cross-check),
`registers` (register → vendor), `problemlog` (capped problem list), `reader` (the file or one
part of it → converted transactions), `parallel` and `worker` (big files read by two processes),
`source` (the whole file as a source of the import use case, settlement.sources.importing).
"""

from __future__ import annotations

__all__ = ["SaftSource"]


def __getattr__(name: str):
    # Imported on first use, so that a reading process (`worker`) loads only what it reads with.
    if name in __all__:
        from settlement.sources.saft import source

        return getattr(source, name)
    raise AttributeError(name)
