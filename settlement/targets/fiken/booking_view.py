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

from settlement.domain.vat import rate_on, vat_on_net
from settlement.domain.voucher import Voucher
from settlement.posting.ledger import BookedLine, LineNamer, arrange
from settlement.targets.fiken.payloads import VAT_TYPES, FikenPosting

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


# Where Fiken books output VAT. Verified live for code 3 (fiken-api.md §5); for 31, 33 and 32 the
# account was not observed (UNCERTAIN) and is taken to be the same, as the sandbox does.
OUTPUT_VAT_ACCOUNT = "2701"


def _journal_postings(line: dict, namer: LineNamer, day: date, settlement: str, rounding: str) -> list[BookedLine]:
    """What Fiken books for one two-sided journal line: the coded side net with its VAT on the VAT
    account, the other side net + VAT (fiken-api.md §1.3)."""
    amount = line["amount"]
    out: list[BookedLine] = []
    for side, sign in (("debit", 1), ("credit", -1)):
        account = line[f"{side}Account"]
        code = str(line[f"{side}VatCode"]) if f"{side}VatCode" in line else None
        if code is not None:
            vat = vat_on_net(amount, rate_on(code, day))
            out.append(namer.line(account, code, sign * amount))
            out.append(BookedLine.vat(OUTPUT_VAT_ACCOUNT, code, sign * vat, day))
            continue
        other = "credit" if side == "debit" else "debit"
        other_code = line.get(f"{other}VatCode")
        value = amount + (vat_on_net(amount, rate_on(str(other_code), day)) if other_code is not None else 0)
        if account == settlement:
            out.append(BookedLine.of(account, "Oppgjørskonto", sign * value))
        else:
            booked = namer.line(account, None, sign * value)
            out.append(LineNamer.rounding(account, sign * value) if booked.key is None and account == rounding else booked)
    return out


def fiken_booked(posting: FikenPosting, voucher: Voucher, settlement: str, rounding: str) -> tuple[BookedLine, ...]:
    """What Fiken books for a posting, line by line, read from its bodies: each revenue line net on
    its account with Fiken's VAT on 2701, the cash sale's lines as Fiken adds them up (one per
    account and VAT code), payments and the rest as sent, rounding; the settlement account every
    line passes through nets out and is shown only if something is left on it."""
    day = voucher.day
    namer = LineNamer(voucher)
    lines: list[BookedLine] = []
    if posting.sale is not None:
        lines.append(BookedLine.of(posting.sale["paymentAccount"], "Oppgjørskonto", posting.sale["totalPaid"]))
        for line in posting.sale["lines"]:
            code = _CODE_OF_TYPE[line["vatType"]]
            lines.append(namer.merged(line["account"], code, -line["netPrice"]))
            lines.append(BookedLine.vat(OUTPUT_VAT_ACCOUNT, code, -line["vat"], day))
    if posting.journal is not None:
        for entry in posting.journal["journalEntries"]:
            for line in entry["lines"]:
                lines.extend(_journal_postings(line, namer, day, settlement, rounding))
    return arrange(lines, day, clearing=settlement)
