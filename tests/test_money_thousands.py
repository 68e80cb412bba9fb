"""Amounts with thousands separators: read where only one reading exists, refused with the reason where not."""

import pytest

from settlement.domain.money import AmountError, parse_amount


@pytest.mark.parametrize(
    "text, ore",
    [
        ("1 000,00", 100000), ("1.000,00", 100000), ("1,000.00", 100000), ("-1.000,50", -100050),
        ("1.234.567,89", 123456789), ("1,234,567.89", 123456789), ("1.000.000", 100000000), ("1,000,000", 100000000),
        ("1'000.50", 100050), ("1 000", 100000), ("0.100", 10), ("1000.000", 100000), ("1.0000", 100),
        ("1.000,000", 100000),
    ],
)
def test_thousands_separators_where_unambiguous(text, ore):
    assert parse_amount(text) == ore


@pytest.mark.parametrize(
    "text, reason",
    [
        ("1.000", "ambiguous amount '1.000': '.' may separate thousands (1 000,00) or be the decimal point (1.000); "
                  "write it with two decimals (1 000,00 or 1,00)"),
        ("1,000", "ambiguous amount '1,000': ',' may separate thousands (1 000,00) or be the decimal comma (1,000); "
                  "write it with two decimals (1 000,00 or 1,00)"),
        ("-12,345", "ambiguous amount '-12,345': ',' may separate thousands (-12 345,00) or be the decimal comma "
                    "(-12,345); write it with two decimals (-12 345,00)"),
        ("1,00.00", "not an amount: '1,00.00' (thousands separators must group three digits, and only one decimal mark "
                    "may follow them)"),
        ("1.000.000,00,5", "not an amount: '1.000.000,00,5' (thousands separators must group three digits, and only one "
                           "decimal mark may follow them)"),
        ("1 000.000,00", "not an amount: '1 000.000,00' (thousands separators must group three digits, and only one "
                         "decimal mark may follow them)"),
        ("1.00.000", "not an amount: '1.00.000' (expected e.g. 123,45 or -16.40)"),
        (" 1,5 ,", "not an amount: ' 1,5 ,' (expected e.g. 123,45 or -16.40)"),
    ],
)
def test_ambiguous_or_malformed_grouping_is_refused_saying_why(text, reason):
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert str(caught.value) == reason


def test_a_grouped_amount_is_still_held_to_the_bound():
    with pytest.raises(AmountError, match="larger than the plausible bound"):
        parse_amount("100.000.000,01")
    assert parse_amount("100.000.000,00") == 10**10
