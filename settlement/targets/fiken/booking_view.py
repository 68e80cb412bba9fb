"""What Fiken will book for a posting, read back from the request bodies: VAT per code and the
rounding line. Pure.

The report shows these next to the source figures, so the accountant sees in the PDF exactly the
VAT that ends up in Fiken. They come from the bodies the posting sends (settlement.targets.fiken.payloads),
not from a second copy of its rules: in journal mode Fiken computes the VAT on each line's net
amount (rounded half up, settlement.domain.vat.vat_on_net) and the gap to the source VAT is moved to the
rounding account; in cash-sale mode the sale carries the source VAT explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.targets.fiken.payloads import VAT_TYPES, FikenPosting
from settlement.domain.vat import rate_on, vat_on_net

_CODE_OF_TYPE = {name: code for code, name in VAT_TYPES.items()}


@dataclass(frozen=True, slots=True)
class FikenBooking:
    """VAT per VAT code as Fiken books it (credit positive, returns negative), and the amount on
    the rounding account (credit positive; 0 when there is no rounding line)."""

    mode: str
    vat_by_code: dict[str, int]
    rounding: int


def fiken_booking(posting: FikenPosting, day: date, rounding_account: str) -> FikenBooking:
    """Read the VAT and the rounding Fiken books from a posting's bodies."""
    vat: dict[str, int] = {}
    rounding = 0
    if posting.sale is not None:
        for line in posting.sale["lines"]:
            code = _CODE_OF_TYPE[line["vatType"]]
            vat[code] = vat.get(code, 0) + line["vat"]
    if posting.journal is not None:
        for entry in posting.journal["journalEntries"]:
            for line in entry["lines"]:
                amount = line["amount"]
                if "creditVatCode" in line:
                    code = str(line["creditVatCode"])
                    vat[code] = vat.get(code, 0) + vat_on_net(amount, rate_on(code, day))
                if "debitVatCode" in line:
                    code = str(line["debitVatCode"])
                    vat[code] = vat.get(code, 0) - vat_on_net(amount, rate_on(code, day))
                if line["creditAccount"] == rounding_account:
                    rounding += amount
                if line["debitAccount"] == rounding_account:
                    rounding -= amount
    return FikenBooking(posting.mode, vat, rounding)
