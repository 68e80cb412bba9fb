"""Money is integer øre. This module is the only place that turns text into øre and back."""

from __future__ import annotations

import re

from settlement.domain.text import tr

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


# Thousands separators that can never be a decimal mark: space, no-break space, narrow no-break
# space, apostrophe. "." and "," are one or the other, decided by parse_amount.
_GAPS = " \u00a0\u202f'"
_GROUPED = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+|[0-9]+")
_BODY = re.compile(r"[0-9 \u00a0\u202f'.,]*[0-9]")
# Only ASCII digits throughout: `\d` would also accept Arabic-Indic, fullwidth and other digits.
# More digits than any bound can allow (and int() refuses more than 4300 digits).
_MAX_DIGITS = 20
# A machine decimal (XML, JSON): optional sign, digits, "." and decimals; no thousands separators.
_DECIMAL = re.compile(r"([+-]?)([0-9]+)?(?:\.([0-9]+))?")


def parse_amount(text: str, *, limit: int | None = MAX_LINE_ORE) -> int:
    """Parse '123,45', '123.45', '-16.4', '1 234,50', '1.234,50', '1,234.50' or '7' exactly into øre.

    "," or "." is the decimal mark; the other one, a space or an apostrophe may separate thousands
    ('1.000.000' has only thousands). A lone "." or "," before exactly three digits ('1.000',
    '1,000', '12.345') is refused as ambiguous: it may be either, and money is never guessed.
    limit: the largest absolute amount in øre accepted (default MAX_LINE_ORE); None for no bound.
    Raises AmountError with a short reason when the text is not such an amount, or is larger than
    the limit. Never uses float.
    """
    cleaned = text.strip()
    sign, body = (cleaned[0], cleaned[1:]) if cleaned[:1] in ("+", "-") else ("", cleaned)
    if not _BODY.fullmatch(body) or body[0] in _GAPS:
        raise AmountError(tr("not an amount: {amount!r} (expected e.g. 123,45 or -16.40)", amount=_shown(text)))
    marks = [c for c in body if c in ".,"]
    whole, frac = body, None
    if len(set(marks)) == 2:
        decimal = body[max(body.rfind("."), body.rfind(","))]
        thousands = "," if decimal == "." else "."
        whole, _, frac = body.rpartition(decimal)
        if marks.count(decimal) > 1 or not re.fullmatch(rf"[0-9]{{1,3}}(?:\{thousands}[0-9]{{3}})+", whole):
            raise AmountError(tr("not an amount: {amount!r} (thousands separators must group three digits, "
                                 "and only one decimal mark may follow them)", amount=_shown(text)))
        whole = whole.replace(thousands, "")
    elif len(marks) > 1:
        if not re.fullmatch(rf"[0-9]{{1,3}}(?:\{marks[0]}[0-9]{{3}})+", body):
            raise AmountError(tr("not an amount: {amount!r} (expected e.g. 123,45 or -16.40)", amount=_shown(text)))
        whole = body.replace(marks[0], "")
    elif marks:
        whole, mark, frac = body.partition(marks[0])
        if re.fullmatch(r"[1-9][0-9]{0,2}", whole) and re.fullmatch(r"[0-9]{3}", frac):
            raise AmountError(_ambiguous(text, sign, whole, mark, frac))
    if (whole and not _GROUPED.fullmatch(whole)) or (frac is not None and not frac.isdigit()):
        raise AmountError(tr("not an amount: {amount!r} (expected e.g. 123,45 or -16.40)", amount=_shown(text)))
    if frac and len(frac) > 2:
        if frac[2:].strip("0"):
            raise AmountError(tr("not an amount: {amount!r} (more than two decimals)", amount=_shown(text)))
        frac = frac[:2]
    return _ore(text, sign, whole, frac, limit)


def _ore(text: str, sign: str, whole: str, frac: str | None, limit: int | None) -> int:
    """The checked amount in øre of a sign, whole kroner (gaps allowed) and at most two decimals."""
    whole_digits = re.sub(r"[ \u00a0\u202f']", "", whole or "0").lstrip("0") or "0"
    if len(whole_digits) > _MAX_DIGITS:
        raise AmountError(_too_large(text, limit))
    ore = int(whole_digits) * 100 + int((frac or "0").ljust(2, "0"))
    if limit is not None and ore > limit:
        raise AmountError(_too_large(text, limit))
    return -ore if sign == "-" else ore


def _ambiguous(text: str, sign: str, whole: str, mark: str, frac: str) -> str:
    as_thousands = format_nok(int(whole + frac) * 100 * (-1 if sign == "-" else 1))
    readings = as_thousands
    if not frac[2:].strip("0"):
        as_decimal = format_nok(int(whole + frac[:2]) * (-1 if sign == "-" else 1))
        readings = tr("{first} or {second}", first=as_thousands, second=as_decimal)
    values = {"amount": _shown(text), "mark": mark, "thousands": as_thousands, "written": sign + whole + mark + frac,
              "readings": readings}
    if mark == ",":
        return tr("ambiguous amount {amount!r}: {mark!r} may separate thousands ({thousands}) or be the decimal comma "
                  "({written}); write it with two decimals ({readings})", **values)
    return tr("ambiguous amount {amount!r}: {mark!r} may separate thousands ({thousands}) or be the decimal point "
              "({written}); write it with two decimals ({readings})", **values)


def _shown(text: str) -> str:
    """The text as quoted in a message, cut short when it is long."""
    return text if len(text) <= 40 else text[:37] + "..."


def _too_large(text: str, limit: int | None) -> str:
    if limit is None:
        return tr("amount {amount!r} is larger than the plausible bound of what a whole number of øre can hold per line",
                  amount=_shown(text))
    return tr("amount {amount!r} is larger than the plausible bound of {bound} NOK per line", amount=_shown(text),
              bound=format_nok(limit))


def parse_decimal_ore(text: str, *, limit: int | None = MAX_LINE_ORE) -> int:
    """Parse an XML/JSON decimal such as '514.2', '-0.40' or '295.000' (at most two non-zero decimals) into øre.

    "." is always the decimal point here, and nothing separates thousands, so '295.000' is 295,00.
    limit: as for parse_amount.
    """
    match = _DECIMAL.fullmatch(text.strip())
    if match is None or (match.group(2) is None and match.group(3) is None):
        raise AmountError(tr("not a decimal amount: {amount!r} (expected e.g. 514.20 or -0.4)", amount=_shown(text)))
    sign, whole, frac = match.groups()
    if frac and len(frac) > 2:
        if frac[2:].strip("0"):
            raise AmountError(tr("not an amount: {amount!r} (more than two decimals)", amount=_shown(text)))
        frac = frac[:2]
    return _ore(text, sign, whole or "", frac, limit)


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
