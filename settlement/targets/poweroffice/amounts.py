"""Øre to the kroner numbers PowerOffice's JSON carries, at the very edge and checked.

Every sum in this package is integer øre. PowerOffice types CurrencyAmount as a JSON number
("double"), so a number it must be; Python's json writes a float by its shortest round-trip repr, so
a float made from an exact two-decimal Decimal is written as exactly that decimal ("1234.5",
"-0.01"). The round trip is asserted, so an amount that a double cannot carry exactly (beyond about
90 000 000 000 000 kroner) fails loudly instead of being booked wrong.
"""

from __future__ import annotations

from decimal import Decimal


def kroner(ore: int) -> float:
    """The JSON number for an øre amount: 12345 → 123.45, whose text is exactly '123.45'."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError(f"amounts are integer øre, got {ore!r}")
    exact = Decimal(ore).scaleb(-2)
    number = float(exact)
    if Decimal(repr(number)) != exact:
        raise ValueError(f"{exact} kroner cannot be sent exactly as a JSON number")
    return number


def ore(number: float | int | Decimal | str) -> int:
    """Øre from a kroner number read from Go's JSON (by its text, never by float arithmetic)."""
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(str(number))
    scaled = exact.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{number!r} kroner is not a whole number of øre")
    return int(scaled)
