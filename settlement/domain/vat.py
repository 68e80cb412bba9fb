"""Norwegian output VAT codes (Fiken's standard codes) and their rates over time.

Rates are kept as (numerator, denominator) so that VAT is computed with integers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain.money import round_half_up_div
from settlement.domain.text import tr


@dataclass(frozen=True, slots=True)
class VatRate:
    """A rate valid from `since` (inclusive) until the next entry for the same code."""

    since: date
    numerator: int
    denominator: int

    @property
    def percent(self) -> str:
        whole, rest = divmod(self.numerator * 10000 // self.denominator, 100)
        return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}"


# Sales (output) codes used by Fiken. Rates change by law; add a dated entry, never edit an old one.
VAT_TABLE: dict[str, tuple[VatRate, ...]] = {
    "3": (VatRate(date(2005, 1, 1), 25, 100),),  # alminnelig sats
    "31": (VatRate(date(2012, 1, 1), 15, 100),),  # middels sats (næringsmidler)
    "33": (VatRate(date(2022, 3, 1), 12, 100),),  # lav sats (persontransport, kino, overnatting)
    "32": (VatRate(date(2005, 1, 1), 1111, 10000),),  # råfisk
    "5": (VatRate(date(2005, 1, 1), 0, 1),),  # fritatt (innenlands)
    "51": (VatRate(date(2005, 1, 1), 0, 1),),  # omvendt avgiftsplikt
    "52": (VatRate(date(2005, 1, 1), 0, 1),),  # utførsel (eksport)
    "6": (VatRate(date(2005, 1, 1), 0, 1),),  # utenfor merverdiavgiftsloven
    "7": (VatRate(date(2005, 1, 1), 0, 1),),  # ingen mva-behandling
}

# Codes whose lines carry no VAT at all: a VAT amount on them is a data error.
ZERO_RATED = frozenset({"5", "51", "52", "6", "7"})


class UnknownVatCode(ValueError):
    """A VAT code that is not a Norwegian sales code, or has no rate on the given day."""


def rate_on(code: str, day: date) -> VatRate:
    """The rate of a VAT code on a day."""
    entries = VAT_TABLE.get(code)
    if entries is None:
        raise UnknownVatCode(tr("unknown VAT code {code!r} (sales codes: {codes})", code=code, codes=", ".join(VAT_TABLE)))
    valid = [entry for entry in entries if entry.since <= day]
    if not valid:
        raise UnknownVatCode(tr("VAT code {code!r} has no known rate on {day}", code=code, day=day))
    return max(valid, key=lambda entry: entry.since)


def vat_in_gross(gross: int, rate: VatRate) -> int:
    """The VAT inside a gross amount (øre), rounded half up: gross × r / (1 + r)."""
    return round_half_up_div(gross * rate.numerator, rate.denominator + rate.numerator)


def vat_on_net(net: int, rate: VatRate) -> int:
    """The VAT Fiken computes on a net amount (øre), rounded half up to the øre: net × r."""
    return round_half_up_div(net * rate.numerator, rate.denominator)
