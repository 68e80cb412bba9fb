"""Amounts are parsed exactly into integer øre; nothing passes through float."""

import pytest

from settlement.domain.money import AmountError, format_nok, parse_amount, round_half_up_div


@pytest.mark.parametrize(
    "text, ore",
    [
        ("123,45", 12345), ("123.45", 12345), ("-16.4", -1640), ("-0,40", -40), ("7", 700), (".5", 50),
        ("1 234,50", 123450), ("1\u00a0234,50", 123450), ("+3,00", 300), ("0.10", 10),
        ("0.1", 10), ("1234567.89", 123456789),
    ],
)
def test_parse_amount(text, ore):
    assert parse_amount(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.345", "1.005", "--1", "1e3", "12,3x", "NaN"])
def test_parse_amount_rejects(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_a_machine_decimal_keeps_three_zero_decimals():
    # Was parse_amount("295.000"): a human's "295.000" may be 295 000 kr (see test_money_thousands),
    # an XML or JSON decimal's "." is always the decimal point.
    from settlement.domain.money import parse_decimal_ore

    assert parse_decimal_ore("295.000") == 29500


def test_float_trap_is_exact():
    # 0.1 + 0.2 != 0.3 in float; in øre it is exact.
    assert parse_amount("0.1") + parse_amount("0.2") == parse_amount("0.3")


def test_format_nok():
    assert format_nok(123456) == "1 234,56"
    assert format_nok(-40) == "-0,40"
    assert format_nok(0) == "0,00"


@pytest.mark.parametrize("num, den, expected", [(5, 10, 1), (4, 10, 0), (-5, 10, -1), (15, 10, 2), (25, 10, 3), (0, 3, 0)])
def test_round_half_up_div(num, den, expected):
    assert round_half_up_div(num, den) == expected


@pytest.mark.parametrize("text", ["١٢٣,٤٥", "１２３", "१२३", "12,3\u0665", "12,00\n5", "1" * 5000])
def test_only_ascii_digits_and_no_huge_numbers(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_per_line_bound():
    from settlement.domain.money import MAX_LINE_ORE, parse_decimal_ore

    assert MAX_LINE_ORE == 10**10
    assert parse_amount("100000000,00") == MAX_LINE_ORE and parse_amount("-100000000,00") == -MAX_LINE_ORE
    for text in ("100000000,01", "-100000000,01", "99999999999999999999,00", "9" * 30):
        with pytest.raises(AmountError, match="larger than the plausible bound of 100 000 000,00 NOK per line"):
            parse_amount(text)
    assert parse_amount("5,00", limit=500) == 500
    with pytest.raises(AmountError, match="plausible bound of 5,00 NOK"):
        parse_decimal_ore("5.01", limit=500)
    assert parse_amount("99999999999999999999,00", limit=None) == 9999999999999999999900
