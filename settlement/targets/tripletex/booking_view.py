"""What Tripletex will book for a voucher body: VAT per code and the rounding posting. Pure.

Read back from the body that is sent (payloads.py), not from a second copy of its rules: Tripletex
takes the VAT out of each gross amount (settlement.domain.vat.vat_in_gross, half up: UNCERTAIN),
and the rounding account's posting is in the body.
"""

from __future__ import annotations

from dataclasses import dataclass

from settlement.domain.vat import rate_on, vat_in_gross
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
