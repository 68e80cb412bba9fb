"""Klarna payouts: the Settlements API read from its sandbox over real HTTP (paging, faults, refused
credentials, the spec's shapes) and the settlement CSV, every bad row named by line and field."""

from __future__ import annotations

import json
from datetime import date

import pytest

from settlement.domain.payouts import ItemKind
from settlement.sources.payouts.klarna import (
    FILE_SOURCES_KLARNA, KlarnaAuthError, KlarnaCsvSource, KlarnaError, KlarnaSettlementsApiSource)
from tests.conftest import shared_file
from tests.fixtures_payout_sandboxes import KLARNA_SPEC, contract_problems, klarna_client, load_spec


def errors(read) -> list[str]:
    return [str(p) for p in read.problems if p.is_error]


def fee(amount: int) -> int:
    """The sandbox's fee, computed independently: 2.99 % rounded half up, plus 1,00."""
    return (amount * 299 + 5000) // 10000 + 100


# --- the API -----------------------------------------------------------------------------------------

def test_settlements_api_reads_payouts_and_transactions_page_by_page(klarna):
    klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001"), (10000, "1002")], [(5000, "0999")])
    klarna.settlements.add_payout(date(2026, 11, 5), [(1000, "1003")])
    klarna.settlements.add_payout(date(2026, 11, 6), [(2000, "1004")])
    klarna.settlements.add_payout(date(2026, 12, 1), [(3000, "1005")])  # after the range
    read = KlarnaSettlementsApiSource(klarna_client(klarna, page_size=2)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok, errors(read)
    got = [(p.payout_id, p.account, p.paid_on, p.net, p.gross, p.fees) for p in read.payouts]
    assert got == [
        ("NOKLRN000001", "N100123", date(2026, 11, 4), 49900 + 10000 - 5000 - fee(49900) - fee(10000), 54900,
         -fee(49900) - fee(10000)),
        ("NOKLRN000002", "N100123", date(2026, 11, 5), 1000 - fee(1000), 1000, -fee(1000)),
        ("NOKLRN000003", "N100123", date(2026, 11, 6), 2000 - fee(2000), 2000, -fee(2000)),
    ]
    first = read.payouts[0]
    assert [(i.kind, i.amount, i.order_ref) for i in first.items] == [
        (ItemKind.CAPTURE, 49900, "1001"), (ItemKind.FEE, -fee(49900), "1001"), (ItemKind.CAPTURE, 10000, "1002"),
        (ItemKind.FEE, -fee(10000), "1002"), (ItemKind.REFUND, -5000, "0999")]
    assert all(len(i.reference) == 36 for i in first.items)  # Klarna's order id (a uuid) is the reference
    listing = [r for r in klarna.requests if r.path.endswith("/payouts")]
    assert [r.query["offset"] for r in listing] == ["0", "2"]
    assert listing[0].query["start_date"] == "2026-11-01T00:00:00Z" and listing[0].query["end_date"] == "2026-11-30T23:59:59Z"
    first_tx = [r.query["offset"] for r in klarna.requests if r.query.get("payment_reference") == "NOKLRN000001"]
    assert first_tx == ["0", "2", "4"]


def test_settlements_api_honours_a_429_burst_and_retries_a_5xx(klarna):
    klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001")])
    sleeps: list[float] = []
    klarna.faults.burst_429(3, retry_after=1)
    read = KlarnaSettlementsApiSource(klarna_client(klarna, sleeps=sleeps)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok and len(read.payouts) == 1
    assert [r.status for r in klarna.requests[:3]] == [429, 429, 429] and len(sleeps) == 3
    assert all(s >= 1 for s in sleeps)

    klarna.faults.error_rate(1.0, statuses=(502,))
    client = klarna_client(klarna)
    waits: list[float] = []
    client.sleep = lambda s: (waits.append(s), klarna.faults.clear())
    read = KlarnaSettlementsApiSource(client).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok and len(read.payouts) == 1 and len(waits) == 1
    assert any(r.status == 502 for r in klarna.requests)


def test_settlements_api_gives_up_after_its_attempts(klarna):
    klarna.faults.error_rate(1.0, statuses=(500,))
    with pytest.raises(KlarnaError, match="HTTP 500 INTERNAL_SERVER_ERROR.*after 4 attempts"):
        KlarnaSettlementsApiSource(klarna_client(klarna)).fetch(date(2026, 11, 1))


def test_settlements_api_names_refused_credentials(klarna):
    with pytest.raises(KlarnaAuthError, match="SETTLEMENT_KLARNA_USERNAME"):
        KlarnaSettlementsApiSource(klarna_client(klarna, password="wrong")).fetch(date(2026, 11, 1))
    assert klarna.requests[-1].status == 401 and len(klarna.requests) == 1  # not retried


def test_settlements_api_example_payout_is_refused_with_the_independent_difference(klarna):
    """Klarna's examples are placeholders that do not add up: served as they are, the reader names
    each total that disagrees with its transactions and the payout's difference, to the øre."""
    payout = json.loads(shared_file("payments/klarna/settlements-payout-example.json").read_text())
    transactions = json.loads(shared_file("payments/klarna/settlements-transactions-example.json").read_text())
    payout["payout_date"] = "2026-11-04T07:52:26Z"
    klarna.settlements.add_raw(payout, transactions["transactions"])
    read = KlarnaSettlementsApiSource(klarna_client(klarna)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.payouts == ()
    sales = sum(t["amount"] for t in transactions["transactions"] if t["type"] == "SALE")
    totals = payout["totals"]
    items = sales - totals["repay_amount"] + totals["deposit_amount"]
    difference = totals["settlement_amount"] - items
    messages = errors(read)
    assert any(f"klarna payout XISA93DJ: totals.sale_amount is 5,00 but its transactions add up to {sales // 100},00" in m
               for m in messages), messages
    assert any(f"difference {difference // 100},00" in m for m in messages), messages


def test_settlements_api_bad_transactions_are_named_by_position_and_field(klarna):
    payout = klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001"), (100, "1002")])
    klarna.settlements.transactions[1]["amount"] = "14.97"  # a decimal string where minor units belong
    klarna.settlements.transactions[2]["capture_date"] = "yesterday"
    klarna.settlements.transactions[2]["sale_date"] = ""
    read = KlarnaSettlementsApiSource(klarna_client(klarna)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.payouts == ()
    found = {(p.file.rsplit("/", 1)[1], p.line, p.column) for p in read.problems if p.is_error}
    assert found == {("transactions", 2, "amount"), ("transactions", 3, "capture_date")}
    assert payout["payment_reference"] in errors(read)[0]


def test_settlements_sandbox_answers_match_the_openapi_spec(klarna):
    spec = load_spec(KLARNA_SPEC)
    klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001")], [(1000, "0999")])
    klarna.settlements.add_payout(date(2026, 11, 5), [(1000, "1003")])
    client = klarna_client(klarna)
    KlarnaSettlementsApiSource(client).fetch(date(2026, 11, 1), date(2026, 11, 30))
    client.get("/payouts/NOKLRN000001")
    summary = client.session.get(klarna.base_url + "/payouts/summary",  # an array: not what client.get reads
                                 params={"start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-30T23:59:59Z"})
    assert summary.json()[0]["summary_total_settlement_amount"] == 49900 - 1000 - fee(49900) + 1000 - fee(1000)
    problems, checked = contract_problems(klarna, spec, prefix="/settlements/v1")
    assert problems == [] and checked >= 6


def test_settlements_sandbox_serves_the_examples_field_set(klarna):
    """The sandbox's payouts and transactions have the fields of Klarna's own examples."""
    payout_example = json.loads(shared_file("payments/klarna/settlements-payout-example.json").read_text())
    transaction_example = json.loads(shared_file("payments/klarna/settlements-transactions-example.json").read_text())
    payout = klarna.settlements.add_payout(date(2026, 11, 4), [(100, "1")])
    assert set(payout) == set(payout_example) and set(payout["totals"]) == set(payout_example["totals"])
    served = set(klarna.settlements.transactions[0])
    assert served == set(transaction_example["transactions"][0]) - {"reversal_reference"}


# --- the CSV -----------------------------------------------------------------------------------------

SUMMARY = ("merchant_id;payment_reference;payout_date;currency_code;total_sale_amount;total_fee_amount;"
           "total_return_amount;total_tax_amount;total_settlement_amount")
BODY = "type;capture_date;sale_date;order_id;short_order_id;capture_id;merchant_reference1;merchant_reference2;amount;posting_currency"
GOOD_ROWS = [
    "SALE;2026-11-02;2026-11-01;ce17b4cb-147f-48b7-b8e6-dde2fa397f04;ce17b4cb;c1;1001;;499.00;NOK",
    "FEE;2026-11-02;2026-11-01;ce17b4cb-147f-48b7-b8e6-dde2fa397f04;ce17b4cb;c1;1001;;15.92;NOK",
    "TAX;2026-11-02;2026-11-01;ce17b4cb-147f-48b7-b8e6-dde2fa397f04;ce17b4cb;c1;1001;;3.98;NOK",
    "RETURN;2026-11-03;2026-10-30;8d0a5b1e-0000-4000-8000-000000000001;8d0a5b1e;;0999;;50.00;NOK",
]


def _csv(rows: list[str], settlement: str = "429.10", sale: str = "499.00") -> bytes:
    summary = f"N100123;PAYREF1;2026-11-04T07:52:26Z;NOK;{sale};15.92;50.00;3.98;{settlement}"
    return "\n".join([SUMMARY, summary, "", BODY, *rows, ""]).encode()


def test_settlement_csv_reads_to_the_ore():
    read = KlarnaCsvSource().read(_csv(GOOD_ROWS), "klarna.csv")
    assert read.ok, errors(read)
    (payout,) = read.payouts
    assert (payout.payout_id, payout.account, payout.paid_on, payout.net) == ("PAYREF1", "N100123", date(2026, 11, 4), 42910)
    # independent: 499,00 − 15,92 − 3,98 − 50,00
    assert payout.net == 49900 - 1592 - 398 - 5000 == sum(i.amount for i in payout.items)
    assert (payout.gross, payout.fees) == (49900 - 5000, -1592 - 398)
    assert [(i.kind, i.amount, i.order_ref, i.line) for i in payout.items] == [
        (ItemKind.CAPTURE, 49900, "1001", 5), (ItemKind.FEE, -1592, "1001", 6), (ItemKind.FEE, -398, "1001", 7),
        (ItemKind.REFUND, -5000, "0999", 8)]


def test_bad_csv_rows_are_named_by_line_and_field_together():
    rows = [GOOD_ROWS[0].replace("499.00", "4,99,0"), GOOD_ROWS[1].replace("2026-11-02;2026-11-01", "02/11;"),
            GOOD_ROWS[2].replace(";NOK", ";SEK"), GOOD_ROWS[3]]
    read = KlarnaCsvSource().read(_csv(rows), "bad.csv")
    assert read.payouts == ()
    found = {(p.line, p.column) for p in read.problems if p.is_error}
    assert {(5, "amount"), (6, "capture_date"), (7, "posting_currency")} <= found


def test_a_csv_payout_that_does_not_add_up_is_an_error_naming_it():
    read = KlarnaCsvSource().read(_csv(GOOD_ROWS, settlement="430.10"), "sum.csv")
    assert read.payouts == ()
    assert "sum.csv: klarna payout PAYREF1: its items add up to 429,10 but the payout is 430,10 (difference 1,00)" \
        in errors(read)
    read = KlarnaCsvSource().read(_csv(GOOD_ROWS, sale="500.00", settlement="430.10"), "sum.csv")
    assert any("sum.csv:2: klarna payout PAYREF1: total_sale_amount is 500,00 but its transactions add up to 499,00"
               in m for m in errors(read)), errors(read)


def test_a_csv_without_its_summary_is_refused():
    data = "\n".join([BODY, *GOOD_ROWS]).encode()
    read = KlarnaCsvSource().read(data, "body.csv")
    assert read.payouts == () and "no summary table" in errors(read)[0]


def test_the_csv_source_sniffs_klarna_files_only():
    (source,) = FILE_SOURCES_KLARNA
    assert source.sniff(_csv(GOOD_ROWS), "k.csv")
    assert not source.sniff(b"SettlementInfo,SalesUnitName\nTransactionInfo,SalesDate\n", "v.csv")


def test_the_sandbox_stops_by_itself():
    from settlement.klarna_sandbox import KlarnaSandbox

    sandbox = KlarnaSandbox.start(max_seconds=0.3)
    assert sandbox.wait(5), "the sandbox kept running past max_seconds"
