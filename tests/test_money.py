"""Amounts are parsed exactly into integer øre; nothing passes through float."""

import pytest

from settlement.money import AmountError, format_nok, parse_amount, round_half_up_div


@pytest.mark.parametrize(
    "text, ore",
    [
        ("123,45", 12345), ("123.45", 12345), ("-16.4", -1640), ("-0,40", -40), ("7", 700), (".5", 50),
        ("1 234,50", 123450), ("1\u00a0234,50", 123450), ("+3,00", 300), ("0.10", 10), ("295.000", 29500),
        ("0.1", 10), ("1234567.89", 123456789),
    ],
)
def test_parse_amount(text, ore):
    assert parse_amount(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.345", "1.005", "--1", "1e3", "12,3x", "NaN"])
def test_parse_amount_rejects(text):
    with pytest.raises(AmountError):
        parse_amount(text)


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
