"""`settlement serve` takes payout reports from a vendor's drop folder: a file a payout format
recognises is imported as that provider's payouts for the folder's vendor (same completeness rules
as sales files), moved to processed/ and booked once; a report for an account the vendor does not
have, or with a bad row, goes to failed/ with its reasons; a sales CSV beside it is still sales."""

from __future__ import annotations

from pathlib import Path

import pytest

from settlement.serve.dropfolder import payout_provider
from tests.test_payout_sources_klarna import GOOD_ROWS, _csv as klarna_csv
from tests.test_payouts_support import Row, sales_csv, stripe_csv
from tests.test_serve import DAY1, DAY2, key, serve_ws, vendors_toml  # noqa: F401  (serve_ws: the fixture)

STRIPE_ACCOUNT = 'payouts = [{ provider = "stripe", account = "acct_bergen", payment = "payment_stripe" }]'


def _day1():
    """Three DAY1 receipts paid by Stripe, and the Stripe payout (bank date DAY2) that settles them."""
    receipts = [(f"S-{n}", f"{DAY1.isoformat()}T12:0{n}:00", 10000 * n + 50) for n in range(1, 4)]
    rows = [Row("po_drop_1", DAY2.isoformat(), f"txn_{r}", f"{DAY1.isoformat()} 10:0{n}:00", amount,
                (amount * 14 + 500) // 1000 + 180, order=r)
            for n, (r, _, amount) in enumerate(receipts, start=1)]
    return receipts, rows


def test_serve_imports_payout_reports_from_the_drop_folder_and_books_them_once(serve_ws):
    ws, sb = serve_ws, serve_ws.sandbox
    ws.write("vendors.toml", vendors_toml(extra=STRIPE_ACCOUNT))
    receipts, rows = _day1()
    ws.write("drop/bergen/day1.csv", sales_csv(receipts))
    ws.write("drop/bergen/stripe-payouts.csv", stripe_csv(rows))
    ws.write("drop/bergen/stripe-payouts.csv.done", "")
    ws.write("drop/bergen/klarna.csv", klarna_csv(GOOD_ROWS).decode())  # bergen has no Klarna account
    bad = stripe_csv([Row("po_bad", DAY2.isoformat(), "txn_x", f"{DAY1.isoformat()} 10:00:00", 100, 0)])
    ws.write("drop/bergen/stripe-bad.csv", bad.replace(",1.00,", ",1,0O,", 1))
    ws.write("drop/bergen/later.csv.part", stripe_csv(rows))  # still being written: not taken
    serve = ws.start(env={"SETTLEMENT_DROP_SETTLE_SECONDS": "0.5"})
    serve.wait_for(r"vendor=bergen-bryggen run done: 3 day\(s\) checked", timeout=90)
    assert serve.stop() == 0
    log = serve.log
    drop = ws.path / "drop" / "bergen"

    # The report: imported, moved with its marker gone, its payout booked once with Σ net to the bank.
    assert (drop / "processed" / "stripe-payouts.csv").exists()
    assert not (drop / "stripe-payouts.csv.done").exists()
    assert "imported payouts:stripe: 1 stripe payout(s): 1 new, 0 changed, 0 unchanged" in log, log
    entries = [e for e in sb.journal_entries("demo-as") if "[settlement:payout:stripe:po_drop_1:v1]" in (e.get("description") or "")]
    assert len(entries) == 1, log
    lines = entries[0]["lines"]
    assert sum(line["amount"] for line in lines) == 0
    assert sum(line["amount"] for line in lines if line["account"] == "1920:10001") == sum(r.gross - r.fee for r in rows)
    # The sales file beside it: still sales, the day posted with the Stripe clearing account.
    day = [e for e in sb.journal_entries("demo-as") if key("bergen-bryggen", DAY1) in (e.get("description") or "")]
    assert len(day) == 1
    assert sum(line["amount"] for line in day[0]["lines"] if line["account"] == "1583") == sum(r[2] for r in receipts)
    assert (drop / "processed" / "day1.csv").exists()
    # The clearing account is back to zero: the payout took off exactly what the day put there.
    clearing = sum(line["amount"] for e in sb.journal_entries("demo-as") for line in e["lines"] if line["account"] == "1583")
    assert clearing == 0

    # Refused: Klarna's report for an account bergen does not have, a Stripe report with a bad amount.
    reasons = (drop / "failed" / "klarna.csv.error.txt").read_text(encoding="utf-8")
    assert "klarna payout report with 1 problem(s); nothing imported" in reasons
    assert "klarna payout PAYREF1: account 'N100123' is not vendor bergen-bryggen's" in reasons, reasons
    reasons = (drop / "failed" / "stripe-bad.csv.error.txt").read_text(encoding="utf-8")
    assert "stripe-bad.csv:2: not a decimal amount: '0O'" in reasons and "column 'fee'" in reasons, reasons
    assert not any("po_bad" in (e.get("description") or "") for e in sb.journal_entries("demo-as"))
    assert (drop / "later.csv.part").exists() and not (drop / "processed" / "later.csv.part").exists()
    assert "Traceback" not in log


def test_a_payout_report_dropped_again_is_not_imported_twice(serve_ws):
    ws = serve_ws
    ws.write("vendors.toml", vendors_toml(extra=STRIPE_ACCOUNT))
    _, rows = _day1()
    ws.write("drop/bergen/a.csv", stripe_csv(rows))
    ws.write("drop/bergen/a.csv.done", "")
    ws.write("drop/bergen/b.csv", stripe_csv(rows))  # the same content under another name
    ws.write("drop/bergen/b.csv.done", "")
    serve = ws.start()
    serve.wait_for(r"vendor=bergen-bryggen run done", timeout=90)
    assert serve.stop() == 0
    drop = ws.path / "drop" / "bergen"
    assert (drop / "processed" / "a.csv").exists() and (drop / "processed" / "b.csv").exists()
    assert serve.log.count("imported payouts:stripe") == 1, serve.log
    assert "skipped payouts:stripe: same content as a.csv" in serve.log


SHARED_VIPPS = Path(__file__).resolve().parents[1].parent / "shared" / "payments" / "vipps"


@pytest.mark.skipif(not SHARED_VIPPS.is_dir(), reason="../shared/payments/vipps (Vipps' example reports) is not here")
def test_vipps_reports_are_told_from_sales_files_by_their_content():
    for name in ("Example-Gross.xml", "Vipps-oppgjorsrapport-16655-2018-09-23.xml", "settlement-report.csv",
                 "Vipps-oppgjorsrapport-16655-2018-09-23.xlsx", "vipps-settlement-example.xlsx"):
        assert payout_provider((SHARED_VIPPS / name).read_bytes(), name) == "vipps", name
    assert payout_provider(klarna_csv(GOOD_ROWS), "k.csv") == "klarna"
    assert payout_provider(sales_csv([("S-1", "2026-11-02T12:00:00", 100)]).encode(), "day.csv") is None
    assert payout_provider(b'<?xml version="1.0"?><AuditFile xmlns="urn:StandardAuditFile-Taxation-CashRegister:NO"/>',
                           "saft.xml") is None
    assert payout_provider((SHARED_VIPPS / "settlement-report.csv").read_bytes(), "report.txt") is None  # by extension too
