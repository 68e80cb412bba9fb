"""Money is integer øre. This module is the only place that turns text into øre and back."""

from __future__ import annotations

import re

__all__ = ["parse_amount", "format_nok", "round_half_up_div", "AmountError"]


class AmountError(ValueError):
    """A decimal string that is not an amount in NOK with at most two decimals."""


# Optional sign, digits with optional thousands separators (space, no-break space, apostrophe),
# then decimals after "," or "." (digits past the second must be zeros: we never round money).
_AMOUNT = re.compile(r"^([+-]?)(\d{1,3}(?:[ \u00a0\u202f']\d{3})+|\d+)?(?:[.,](\d+))?$")


def parse_amount(text: str) -> int:
    """Parse '123,45', '123.45', '-16.4', '1 234,50' or '7' exactly into øre.

    Raises AmountError with a short reason when the text is not such an amount. Never uses float.
    """
    cleaned = text.strip()
    match = _AMOUNT.match(cleaned)
    if not cleaned or match is None or (match.group(2) is None and match.group(3) is None):
        raise AmountError(f"not an amount: {text!r} (expected e.g. 123,45 or -16.40)")
    sign, whole, frac = match.groups()
    if frac and len(frac) > 2:
        if frac[2:].strip("0"):
            raise AmountError(f"not an amount: {text!r} (more than two decimals)")
        frac = frac[:2]
    whole_digits = re.sub(r"[ \u00a0\u202f']", "", whole or "0")
    ore = int(whole_digits) * 100 + int((frac or "0").ljust(2, "0"))
    return -ore if sign == "-" else ore


def parse_decimal_ore(text: str) -> int:
    """Parse an XML/JSON decimal such as '514.2' or '-0.40' (at most two decimals) into øre."""
    return parse_amount(text)


def format_nok(ore: int, *, thousands: str = " ") -> str:
    """Render øre as Norwegian kroner, e.g. 123456 → '1 234,56' and -40 → '-0,40'."""
    sign = "-" if ore < 0 else ""
    kroner, rest = divmod(abs(ore), 100)
    return f"{sign}{kroner:,}".replace(",", thousands) + f",{rest:02d}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero, the way Fiken rounds VAT to the øre."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient
