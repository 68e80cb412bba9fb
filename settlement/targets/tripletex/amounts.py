"""Kroner in Tripletex's JSON: the one place øre become a JSON number and back.

Tripletex takes amounts as JSON numbers of kroner (`amountGross: 1234.5`). All arithmetic stays in
integer øre; only here is an amount turned into a number for the wire, through Decimal, and the
round trip is checked: a Python float prints as its shortest round-tripping text, so 1234.5 is sent
as exactly "1234.5" (and whole kroner as an integer). Amounts beyond 2**53 øre would not survive a
float and are refused rather than sent wrong.
"""

from __future__ import annotations

from decimal import Decimal

_LIMIT = 2 ** 53


def kroner(ore: int) -> int | float:
    """øre → a JSON number whose text is exactly the kroner amount (asserted)."""
    if not isinstance(ore, int) or isinstance(ore, bool):
        raise TypeError(f"amounts are integer øre, got {ore!r}")
    if abs(ore) >= _LIMIT:
        raise ValueError(f"{ore} øre is too large to send exactly")
    value = Decimal(ore).scaleb(-2)
    number: int | float = int(value) if ore % 100 == 0 else float(value)
    if Decimal(str(number)) != value:  # never true for |ore| < 2**53; the check keeps it so
        raise AssertionError(f"{ore} øre would be sent as {number!r}")
    return number


def ore(number: int | float | str | Decimal) -> int:
    """A JSON number of kroner (as the body or an answer carries it) → øre, exactly; ValueError when
    it has more than two decimals."""
    value = Decimal(str(number)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{number!r} kroner is not a whole number of øre")
    return int(value)
