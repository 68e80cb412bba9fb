"""Money is integer øre. This module is the only place that turns text into øre and back."""

from __future__ import annotations

import re

__all__ = ["parse_amount", "parse_decimal_ore", "format_nok", "round_half_up_div", "AmountError",
           "MAX_LINE_ORE", "MAX_DAY_ORE"]

# Plausibility bounds. A single amount (a sales line, a payment, a VAT or discount figure) larger
# than MAX_LINE_ORE is refused where it is parsed; the lines of one vendor-day may add up (in
# absolute value) to at most MAX_DAY_ORE, checked where they are stored. Together they keep every
# later sum far from the 64-bit limit of the database (9.2e18). Both are settings
# (SETTLEMENT_MAX_LINE_AMOUNT, SETTLEMENT_MAX_DAY_AMOUNT); these are the defaults.
MAX_LINE_ORE = 10**10  # 100 000 000,00 NOK
MAX_DAY_ORE = 10**12  # 10 000 000 000,00 NOK
# The largest bound a setting may choose: twice it still fits a signed 64-bit integer many times.
MAX_BOUND_ORE = 10**17


class AmountError(ValueError):
    """A decimal string that is not an amount in NOK with at most two decimals."""


# Optional sign, digits with optional thousands separators (space, no-break space, apostrophe),
# then decimals after "," or "." (digits past the second must be zeros: we never round money).
# Only ASCII digits: `\d` would also accept Arabic-Indic, fullwidth and other Unicode digits.
_AMOUNT = re.compile(r"([+-]?)([0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+|[0-9]+)?(?:[.,]([0-9]+))?")
# More digits than any bound can allow (and int() refuses more than 4300 digits).
_MAX_DIGITS = 20


def parse_amount(text: str, *, limit: int | None = MAX_LINE_ORE) -> int:
    """Parse '123,45', '123.45', '-16.4', '1 234,50' or '7' exactly into øre.

    limit: the largest absolute amount in øre accepted (default MAX_LINE_ORE); None for no bound.
    Raises AmountError with a short reason when the text is not such an amount, or is larger than
    the limit. Never uses float.
    """
    cleaned = text.strip()
    match = _AMOUNT.fullmatch(cleaned)
    if not cleaned or match is None or (match.group(2) is None and match.group(3) is None):
        raise AmountError(f"not an amount: {_shown(text)!r} (expected e.g. 123,45 or -16.40)")
    sign, whole, frac = match.groups()
    if frac and len(frac) > 2:
        if frac[2:].strip("0"):
            raise AmountError(f"not an amount: {_shown(text)!r} (more than two decimals)")
        frac = frac[:2]
    whole_digits = re.sub(r"[ \u00a0\u202f']", "", whole or "0").lstrip("0") or "0"
    if len(whole_digits) > _MAX_DIGITS:
        raise AmountError(_too_large(text, limit))
    ore = int(whole_digits) * 100 + int((frac or "0").ljust(2, "0"))
    if limit is not None and ore > limit:
        raise AmountError(_too_large(text, limit))
    return -ore if sign == "-" else ore


def _shown(text: str) -> str:
    """The text as quoted in a message, cut short when it is long."""
    return text if len(text) <= 40 else text[:37] + "..."


def _too_large(text: str, limit: int | None) -> str:
    bound = f"{format_nok(limit)} NOK" if limit is not None else "what a whole number of øre can hold"
    return f"amount {_shown(text)!r} is larger than the plausible bound of {bound} per line"


def parse_decimal_ore(text: str, *, limit: int | None = MAX_LINE_ORE) -> int:
    """Parse an XML/JSON decimal such as '514.2' or '-0.40' (at most two decimals) into øre.

    limit: as for parse_amount.
    """
    return parse_amount(text, limit=limit)


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
