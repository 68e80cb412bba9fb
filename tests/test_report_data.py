"""DayReport: VAT totals, payments with accounts, counts, returns, tips, gift cards, notes, orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from settlement.configuration import load_chart
from settlement.report import build_day_report
from settlement.report.data import PaymentTotal, Tally, VatTotal
from settlement.report.reconciliation import reconciliation_rows
from settlement.domain.sales import SaleLine, summarize
from settlement.store.sales_store import StoredNote
from settlement.domain.voucher import build_voucher
from tests.bokmal import bokmal, english  # noqa: F401

# What this module checks is bokmål (the report's Norwegian texts), so it runs in bokmål.
pytestmark = pytest.mark.usefixtures("bokmal")

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 2)
VENDOR = "bergen-bryggen"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _line(receipt: str, kind: str, code: str, amount: int, vat: int = 0, vat_code: str | None = None, source: str = "csv"):
    return SaleLine(VENDOR, source, receipt, AT, DAY, kind, code, vat_code, amount, vat, f"{receipt}")


# A day with sales at two rates, a return refunded by Vipps, a tip, cash rounding, a gift card
# sold and another redeemed, and a webshop order paid with Stripe.
LINES = [
    _line("R-1", "sale", "high", 125_000, 25_000, "3"),
    _line("R-1", "sale", "food", 11_500, 1_500, "31"),
    _line("R-1", "tip", "", 2_000),
    _line("R-1", "payment", "card", 138_500),
    _line("R-2", "return", "high", -12_500, -2_500, "3"),
    _line("R-2", "payment", "vipps", -12_500),
    _line("R-3", "sale", "high", 4_965, 993, "3"),
    _line("R-3", "rounding", "", 35),
    _line("R-3", "payment", "cash", 5_000),
    # VAT stated per line (3 × 1,30 + 22,17) is 0,02 below what Fiken computes on the summed net.
    _line("R-4", "sale", "food", 1_000, 130, "31"),
    _line("R-4", "sale", "food", 1_000, 130, "31"),
    _line("R-4", "sale", "food", 1_000, 130, "31"),
    _line("R-4", "sale", "food", 17_000, 2_217, "31"),
    _line("R-4", "gift_card_sold", "", 50_000),
    _line("R-4", "payment", "Giftcard", 30_000),
    _line("R-4", "payment", "vipps", 40_000),
    _line("1001", "sale", "high", 99_900, 19_980, "3", source="woocommerce"),
    _line("1001", "payment", "stripe", 99_900, source="woocommerce"),
]


@dataclass(frozen=True)
class Order:
    kind: str
    number: str
    time: datetime
    amount: int
    payment_method: str
    status: str
    in_sales: bool = True


def _voucher(lines, notes=()):
    chart, problems = load_chart(ROOT / "chart_of_accounts", [VENDOR])
    assert not [p for p in problems if p.is_error]
    return build_voucher(VENDOR, DAY, summarize(lines), chart.ledger(VENDOR), chart.mapping(VENDOR), 100, notes)


def sample_report(lines=LINES, notes=(), orders=()):
    return build_day_report(
        _voucher(lines), lines, notes, orders, "Bergen Bryggen", "bergen-bryggen/2026-11-02",
        generated_at=datetime(2026, 11, 3, 5, 0, tzinfo=timezone.utc), zone=ZoneInfo("Europe/Oslo"),
    )


def test_vat_totals_per_code_net_of_returns_with_fiken_vat():
    report = sample_report()
    # Code 3: sales 1 250,00 + 49,65 + 999,00 (VAT 459,73), less the return 125,00 (VAT 25,00).
    # Fiken: 25 % of the sales' net 1 838,92 = 459,73, less 25 % of the return's net 100,00.
    # Code 31: 115,00 + 200,00 with VAT 15,00 + 26,07; Fiken: 15 % of 273,93 = 41,09 (half up).
    assert report.vat_totals == (
        VatTotal("3", net=173_892, vat=43_473, gross=217_365, fiken_vat=43_473),
        VatTotal("31", net=27_393, vat=4_107, gross=31_500, fiken_vat=4_109),
    )


def test_payments_per_method_with_account_refunds_and_receipt_counts():
    report = sample_report()
    assert report.payments == (
        PaymentTotal("Giftcard", "gift_card", "2900", "Gavekort (forskudd fra kunder)", 30_000, 1, 0, 0),
        PaymentTotal("card", "payment_card", "1580", "Til gode kortoppgjør", 138_500, 1, 0, 0),
        PaymentTotal("cash", "payment_cash", "1900", "Kontanter", 5_000, 1, 0, 0),
        PaymentTotal("stripe", "payment_stripe", "1583", "Til gode Stripe", 99_900, 1, 0, 0),
        PaymentTotal("vipps", "payment_vipps", "1581", "Til gode Vipps", 27_500, 2, -12_500, 1),
    )
    # Every krone paid in is on a debit payment line of the voucher.
    paid_lines = [line for line in report.lines if line.section == "payment"]
    assert sum(line.debit - line.credit for line in paid_lines) == sum(p.amount for p in report.payments)


def test_counts_returns_tips_rounding_and_gift_cards():
    report = sample_report()
    assert report.receipts == 5
    assert report.receipts_by_source == (("csv", 4), ("woocommerce", 1))
    assert report.returns == Tally(1, -12_500)
    assert report.tips == Tally(1, 2_000)
    assert report.rounding == Tally(1, 35)
    assert report.gift_cards_sold == Tally(1, 50_000)
    assert report.gift_cards_redeemed == Tally(1, 30_000)
    assert report.discounts is None  # the sample lines state no discounts (SaleLine.discount None)
    assert report.total_debit == report.total_credit
    assert not report.blocked
    assert report.settlement_key == "bergen-bryggen/2026-11-02"


def test_notes_and_voucher_warnings_are_listed_once():
    notes = [StoredNote("saft", "Z-17", "Z-report total 1 000,00 differs from the receipts' 990,00")]
    # voucher_for_day turns the same notes into warnings; the report must not show them twice.
    from settlement.domain.problems import warning

    voucher = build_voucher(
        VENDOR, DAY, summarize(LINES), *_ledger_and_mapping(), 100,
        (warning("saft: Z-report total 1 000,00 differs from the receipts' 990,00", ref="Z-17"),),
    )
    report = build_day_report(voucher, LINES, notes, [], "Bergen Bryggen")
    assert report.deviations == ("saft: Z-report total 1 000,00 differs from the receipts' 990,00 (Z-17)",)
    assert report.generated_at is None


def _ledger_and_mapping():
    chart, _ = load_chart(ROOT / "chart_of_accounts", [VENDOR])
    return chart.ledger(VENDOR), chart.mapping(VENDOR)


def test_difference_warning_and_unmapped_error_are_reported(english):
    # The deviations are the voucher's own texts, checked here in English.
    lines = [_line("D-1", "sale", "high", 10_000, 2_000, "3"), _line("D-1", "payment", "cash", 9_950)]
    report = sample_report(lines)
    assert report.deviations == (
        "bergen-bryggen 2026-11-02: the day does not balance (debit 99,50, credit 100,00, difference 0,50 NOK); "
        "booked to 7790 Kassedifferanse",
    )
    blocked = sample_report([_line("U-1", "sale", "high", 10_000, 2_000, "3"), _line("U-1", "payment", "swish", 10_000)])
    assert blocked.blocked
    assert blocked.payments == (PaymentTotal("swish", None, None, None, 10_000, 1, 0, 0),)
    assert blocked.errors[0].startswith("payment code 'swish' has no mapping")
    rows = reconciliation_rows([blocked])
    assert [(r.method, r.counterpart, r.account, r.status) for r in rows] == [("swish", "(not mapped)", "", "sperret")]


def test_webshop_orders_in_local_time_with_totals():
    orders = [
        Order("order", "1001", datetime(2026, 11, 2, 22, 30, tzinfo=timezone.utc), 99_900, "stripe", "processing"),
        Order("refund", "998", datetime(2026, 11, 2, 8, 0), -5_000, "klarna", "refunded", in_sales=False),
    ]
    report = sample_report(orders=orders)
    first, second = report.webshop_orders
    assert first.time.isoformat() == "2026-11-02T23:30:00+01:00"  # CET in November
    assert second.time.isoformat() == "2026-11-02T09:00:00+01:00"  # naive is UTC as stored
    assert (second.kind, second.in_sales) == ("refund", False)
    assert report.webshop_order_count == 1
    assert report.webshop_total == 94_900


def test_empty_day_gives_an_empty_report():
    report = sample_report([])
    assert (report.lines, report.vat_totals, report.payments, report.receipts) == ((), (), (), 0)
    assert reconciliation_rows([report]) == []


def test_reconciliation_rows_split_paid_and_refunded():
    rows = reconciliation_rows([sample_report()])
    vipps = next(r for r in rows if r.method == "vipps")
    assert (vipps.counterpart, vipps.account, vipps.receipts, vipps.paid, vipps.refunded, vipps.net) == (
        "Vipps", "1581", 2, 40_000, -12_500, 27_500,
    )
    assert [r.counterpart for r in rows] == ["Gavekort", "Kortterminal", "Kontant", "Stripe", "Vipps"]


def _booking(mode):
    from settlement.targets.fiken.payloads import build_cash_sale_posting, build_journal_posting
    from settlement.targets.fiken.booking_view import fiken_booking

    voucher = _voucher(LINES)
    key = "[settlement:bergen-bryggen:2026-11-02:v1]"
    if mode == "journal":
        posting = build_journal_posting(voucher, "Bergen Bryggen", "1901", "7740", key)
    else:
        posting = build_cash_sale_posting(voucher, "Bergen Bryggen", "1901", "7740", key, None, {})
    return fiken_booking(posting, DAY, "7740")


def test_fiken_vat_and_rounding_read_from_the_journal_posting():
    booking = _booking("journal")
    # Fiken: 25 % of the sales' net 1 838,92 (459,73) less 25 % of the return's net 100,00 (25,00);
    # 15 % of 273,93 = 41,0895 → 41,09. The 0,02 gap to the source VAT leaves the rounding 0,35 as 0,33.
    assert booking.vat_by_code == {"3": 43_473, "31": 4_109}
    assert booking.rounding == 35 - 2
    report = build_day_report(_voucher(LINES), LINES, (), (), "Bergen Bryggen", fiken=booking)
    assert [(t.vat_code, t.vat, t.fiken_vat) for t in report.vat_totals] == [("3", 43_473, 43_473), ("31", 4_107, 4_109)]
    assert (report.posting_mode, report.fiken_rounding) == ("journal", 33)


def test_cash_sale_posting_books_the_source_vat():
    booking = _booking("cash_sale")
    assert booking.vat_by_code == {"3": 43_473, "31": 4_107}
    assert booking.rounding == 35
