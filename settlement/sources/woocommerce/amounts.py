"""Amounts and VAT rates as WooCommerce sends them, turned into øre and Norwegian VAT codes.

WooCommerce money is a decimal string with the store's number of decimals (the `dp` parameter can
ask for more), so a value may have more than two decimals. It is rounded half away from zero to
the øre with integer arithmetic; the order-level residual of that rounding is booked on a rounding
line by `orders`, so the order still balances exactly to its `total`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from settlement.domain.money import MAX_LINE_ORE, AmountError, format_nok, parse_amount, round_half_up_div
from settlement.domain.text import tr
from settlement.domain.vat import UnknownVatCode, VatRate, rate_on, vat_on_net

_DECIMAL = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$")
# Norwegian output VAT codes that carry a rate; a rate of 0 % maps to ZERO_RATE_CODE.
_RATED_CODES = ("3", "31", "33", "32")
ZERO_RATE_CODE = "5"


def to_ore(value: object) -> int:
    """A WooCommerce amount ("29.35", "-10.00", "12.3456" or an integer) → øre, rounded half up.

    Raises AmountError naming the value when it is not a plain decimal number.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(tr("not an amount: {value!r}", value=value))
    if isinstance(value, int):
        return _within_bound(value * 100, value)
    if not isinstance(value, str):
        raise AmountError(tr("not an amount: {value!r} (expected a decimal string)", value=value))
    text = value.strip()
    match = _DECIMAL.match(text)
    if match is None or len(text) > 40:
        raise AmountError(tr("not an amount: {value!r} (expected a decimal such as 29.35)", value=value[:40]))
    sign, whole, frac = match.groups()
    if frac is None or len(frac) <= 2:
        return parse_amount(text)
    scaled = int(whole + frac)  # the amount in units of 10^-len(frac)
    ore = round_half_up_div(scaled, 10 ** (len(frac) - 2))
    return _within_bound(-ore if sign == "-" else ore, value)


def _within_bound(ore: int, value: object) -> int:
    """The amount, or AmountError when it is beyond the per-line plausibility bound."""
    if abs(ore) > MAX_LINE_ORE:
        raise AmountError(tr("amount {value!r} is larger than the plausible bound of {limit} NOK per line",
                             value=str(value)[:40], limit=format_nok(MAX_LINE_ORE)))
    return ore


def percent_fraction(value: object) -> tuple[int, int]:
    """A percentage such as 25, "25.0000" or "11.11" as an exact fraction (numerator, denominator)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(tr("not a percentage: {value!r}", value=value))
    text = str(value).strip()
    match = _DECIMAL.match(text)
    if match is None or match.group(1) == "-":
        raise ValueError(tr("not a percentage: {value!r}", value=value))
    whole, frac = match.group(2), match.group(3) or ""
    return int(whole + frac), 100 * 10 ** len(frac)


def _rates_on(day: date) -> Iterator[tuple[str, VatRate]]:
    """(code, rate) of every rated Norwegian VAT code in force on `day`."""
    for code in _RATED_CODES:
        try:
            yield code, rate_on(code, day)
        except UnknownVatCode:
            continue


def vat_code_for_percent(value: object, day: date) -> str:
    """The Norwegian VAT code whose rate on `day` equals the percentage (25 → "3", 15 → "31",
    12 → "33", 11.11 → "32", 0 → "5"). Raises ValueError for any other rate."""
    numerator, denominator = percent_fraction(value)
    if numerator == 0:
        return ZERO_RATE_CODE
    for code, rate in _rates_on(day):
        if numerator * rate.denominator == rate.numerator * denominator:
            return code
    raise ValueError(tr("tax rate {rate} % is not a Norwegian VAT rate on {day} (25, 15, 12, 11.11 or 0)",
                        rate=value, day=day))


def vat_code_from_amounts(net: int, tax: int, day: date) -> str | None:
    """Infer the VAT code from a net amount and its tax when the rate is not given (old orders):
    the code whose rate reproduces the tax within one øre, or None if none does."""
    if tax == 0:
        return ZERO_RATE_CODE
    for code, rate in _rates_on(day):
        if abs(vat_on_net(net, rate) - tax) <= 1:
            return code
    return None
