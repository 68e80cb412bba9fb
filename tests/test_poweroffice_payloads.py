"""The PowerOffice body from a voucher, without a ledger: amounts as exact JSON numbers, Go's VAT
predicted from gross, øre moved to rounding so revenue net equals the source's, lines balancing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from settlement.domain.vat import rate_on, vat_in_gross
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.targets.poweroffice.amounts import kroner, ore
from settlement.targets.poweroffice.payloads import external_reference, gross_for_net, ledger_account, render_voucher

DAY = date(2026, 11, 2)
KEY = "[settlement:trondheim-torg:2026-11-02:v1]"


def test_kroner__exact_json_text_and_round_trip():
    assert [json.dumps(kroner(v)) for v in (12345, -1, 100, 0, 99999999999)] == [
        "123.45", "-0.01", "1.0", "0.0", "999999999.99"]
    assert ore(kroner(-24491)) == -24491 and ore("152.49") == 15249
    with pytest.raises(TypeError):
        kroner(1.5)
    with pytest.raises(ValueError):
        ore("0.001")


def test_ledger_account__sub_accounts():
    assert ledger_account("3000") == {"AccountNo": 3000}
    assert ledger_account("1920:10001") == {"AccountNo": 1920}
    assert ledger_account("1500:10001") == {"AccountNo": 1500, "CustomerAccountNo": 10001}
    assert ledger_account("2400:20001") == {"AccountNo": 2400, "SupplierAccountNo": 20001}


def test_external_reference__a_guid_fixed_by_the_key():
    assert external_reference(KEY) == external_reference(KEY) != external_reference(KEY.replace("v1", "v2"))
    assert len(external_reference(KEY)) == 36


@settings(max_examples=300, deadline=None)
@given(net=st.integers(1, 10_000_000), code=st.sampled_from(["3", "31", "33", "32", "5"]),
       drift=st.integers(-3, 3), credit=st.booleans())
def test_gross_for_net__go_books_exactly_the_net(net, code, drift, credit):
    rate = rate_on(code, DAY)
    gross = max(1, net + vat_in_gross(net, rate) + drift)
    sign = -1 if credit else 1
    sent = gross_for_net(sign * net, sign * gross, code, DAY)
    assert abs(sent) - vat_in_gross(abs(sent), rate) == net and (sent < 0) == credit


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["3", "31", "33"]), st.integers(1, 500_000), st.integers(-2, 2)),
                min_size=1, max_size=5),
       st.integers(-50, 50))
def test_render__balances_nets_match_and_rounding_takes_the_difference(sales, source_rounding):
    lines, total = [], 0
    for i, (code, gross, drift) in enumerate(sales):
        vat = min(gross, max(0, vat_in_gross(gross, rate_on(code, DAY)) + drift))
        lines.append(VoucherLine("sale", f"s{i}", f"30{i}0", "Salg", code, 0, gross, vat=vat))
        total += gross
    if source_rounding:
        lines.append(VoucherLine("rounding", "rounding", "7740", "Øresavrunding", None,
                                 max(0, -source_rounding), max(0, source_rounding)))
        total += source_rounding
    lines.append(VoucherLine("payment", "payment_cash", "1900", "Kontanter", None, total, 0))
    rendered = render_voucher(Voucher("v", DAY, tuple(lines)), "Vendor", "7740", KEY)
    body_lines = rendered.body["VoucherLines"]
    amounts = [ore(line["CurrencyAmount"]) for line in body_lines]
    assert sum(amounts) == 0 and all(amounts)
    sent_by_account = {str(line["AccountNo"]): -ore(line["CurrencyAmount"]) for line in body_lines}
    for source in lines:
        if source.vat_code:
            sent = sent_by_account.get(source.account, 0)  # absent: Go's net of 0 needs no line
            assert sent - vat_in_gross(sent, rate_on(source.vat_code, DAY)) == source.net
    rounding = sum(-ore(line["CurrencyAmount"]) for line in body_lines if line["AccountNo"] == 7740)
    assert rounding == rendered.rounding
    go_vat = sum(rendered.vat_by_code.values())
    source_vat = sum(line.vat for line in lines if line.vat_code)
    # Whatever Go's VAT differs from the source's lands on the rounding account, and nowhere else.
    assert rendered.rounding == source_rounding - (go_vat - source_vat)


def test_gross_for_net__refuses_vat_larger_than_the_gross():
    with pytest.raises(ValueError, match="larger than"):
        gross_for_net(-5, 10, "3", DAY)


def test_render__zero_lines_are_left_out_and_payment_lines_carry_vat_code_0():
    voucher = Voucher("v", DAY, (
        VoucherLine("sale", "s", "3000", "Salg", "3", 0, 12500, vat=2500),
        VoucherLine("payment", "p", "1580", "Kort", None, 12500, 0),
        VoucherLine("payment", "q", "1581", "Vipps", None, 0, 0),
    ))
    body = render_voucher(voucher, "Vendor", "7740", KEY, "10", None).body
    assert [(l["AccountNo"], l["VatCode"], l["CurrencyAmount"]) for l in body["VoucherLines"]] == [
        (3000, "3", -125.0), (1580, "0", 125.0)]
    assert all(l["DepartmentCode"] == "10" and "ProjectCode" not in l for l in body["VoucherLines"])
    assert body["CurrencyCode"] == "NOK" and body["VoucherDate"] == "2026-11-02"
    assert Decimal(repr(body["VoucherLines"][0]["CurrencyAmount"])) == Decimal("-125")
