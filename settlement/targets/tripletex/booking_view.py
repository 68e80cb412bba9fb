"""What Tripletex will book for a voucher body: VAT per code and the rounding posting. Pure.

Read back from the body that is sent (payloads.py), not from a second copy of its rules: Tripletex
takes the VAT out of each gross amount (settlement.domain.vat.vat_in_gross, half up: UNCERTAIN),
and the rounding account's posting is in the body.
"""

from __future__ import annotations

from dataclasses import dataclass

from settlement.domain.vat import rate_on, vat_in_gross
from settlement.domain.voucher import Voucher
from settlement.posting.ledger import BookedLine, LineNamer, arrange
from settlement.targets.tripletex.amounts import ore
from settlement.targets.tripletex.payloads import NO_VAT, voucher_day


@dataclass(frozen=True, slots=True)
class TripletexBooking:
    """VAT per VAT code as Tripletex books it (credit positive, returns negative), and the amount
    on the rounding account (credit positive; 0 without a rounding posting)."""

    vat_by_code: dict[str, int]
    rounding: int


def vat_of(gross: int, code: str, day) -> int:
    """The VAT Tripletex takes out of a signed gross amount (same sign)."""
    vat = vat_in_gross(abs(gross), rate_on(code, day))
    return vat if gross >= 0 else -vat


def tripletex_booking(body: dict, rounding_account: str) -> TripletexBooking:
    day = voucher_day(body)
    rounding_number = int(rounding_account.partition(":")[0])
    vat: dict[str, int] = {}
    rounding = 0
    for posting in body["postings"]:
        gross = ore(posting["amountGross"])
        code = posting["vatType"]["number"]
        if code != NO_VAT:
            vat[code] = vat.get(code, 0) - vat_of(gross, code, day)
        if posting["account"]["number"] == rounding_number:
            rounding -= gross
    return TripletexBooking(vat, rounding)


# Where Tripletex books the output VAT of a code (its own rows, row 0). Not documented (UNCERTAIN):
# the standard chart's 2700-2703, as the sandbox models them.
VAT_ACCOUNTS = {"3": "2700", "31": "2701", "33": "2702", "32": "2703"}


def _account(posting: dict) -> str:
    """The account a posting books, with the customer or supplier it names ("1500:10001")."""
    number = str(posting["account"]["number"])
    if "customer" in posting:
        return f"{number}:{posting['customer']['customerNumber']}"
    if "supplier" in posting:
        return f"{number}:{posting['supplier']['supplierNumber']}"
    return number


def tripletex_booked(body: dict, voucher: Voucher, rounding_account: str) -> tuple[BookedLine, ...]:
    """What Tripletex books for a voucher body, line by line: each gross posting split into the
    net on its account and the VAT Tripletex takes out of it on its VAT account, rounding and the
    rest as sent."""
    day = voucher_day(body)
    namer = LineNamer(voucher)
    rounding_number = rounding_account.partition(":")[0]
    lines: list[BookedLine] = []
    for posting in body["postings"]:
        gross = ore(posting["amountGross"])
        code = posting["vatType"]["number"]
        account = _account(posting)
        if code == NO_VAT:
            booked = namer.line(account, None, gross, fallback=posting.get("description", ""))
            if booked.key is None and account == rounding_number:
                booked = LineNamer.rounding(account, gross)
            lines.append(booked)
            continue
        vat = vat_of(gross, code, day)
        lines.append(namer.line(account, code, gross - vat, amounts=(abs(gross), abs(gross - vat))))
        lines.append(BookedLine.vat(VAT_ACCOUNTS.get(code, "2700"), code, vat, day))
    return arrange(lines, day)
