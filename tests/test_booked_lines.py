"""Booked lines as values: kept with the booking (and old bookings without them still load), named
by their ledger key's meaning even where keys share an account, and the report's sources summary."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from settlement.domain.sales import SaleLine
from settlement.domain.voucher import VoucherLine
from settlement.posting.ledger import BookedLine, Booking, BookingPart, LineNamer, arrange
from settlement.report.sources import summarize_sources, takings_by_hour, z_reports
from settlement.targets.fiken.booking_view import fiken_booked
from settlement.targets.fiken.payloads import build_cash_sale_posting, build_journal_posting
from settlement.domain.voucher import Voucher
from tests.bokmal import bokmal  # noqa: F401

DAY = date(2026, 11, 2)


def _voucher(*lines: VoucherLine) -> Voucher:
    return Voucher("bergen-bryggen", DAY, tuple(lines), (), ())


def _line(section, key, account, vat_code, debit, credit, vat=0, codes=()):
    return VoucherLine(section, key, account, key, vat_code, debit, credit, vat, 0, codes)


# Sales at 25 % and shipping share account 3000 (the chart lets them); paid by card.
SHARED = _voucher(
    _line("sale", "sales_high", "3000", "3", 0, 50_000, 10_000),
    _line("shipping", "shipping", "3000", "3", 0, 12_500, 2_500),
    _line("payment", "payment_card", "1580", None, 62_500, 0, codes=("card",)),
)


def test_a_booking_keeps_its_booked_lines_and_an_old_one_loads_without():
    booked = (BookedLine("3000", "Salg 25 %", 0, 40_000, "3", "sales_high"),
              BookedLine.vat("2701", "3", -10_000, DAY), BookedLine("1580", "Betaling card", 50_000, 0))
    booking = Booking("fiken", "journal", "[settlement:x:2026-11-02:v1]",
                      (BookingPart("journal", "transaction_id", {"method": "POST", "path": "/x", "body": {}}),),
                      {"3": 10_000}, 0, booked)
    assert Booking.from_json(booking.to_json()) == booking
    old = booking.to_json()
    del old["booked"]
    assert Booking.from_json(old).booked == ()
    assert booked[1] == BookedLine("2701", "Utgående mva 25 %", 0, 10_000, "3", "vat")


def test_lines_sharing_an_account_are_named_by_their_own_key():
    posting = build_journal_posting(SHARED, "Bergen Bryggen", "1901", "7740", "[settlement:x:2026-11-02:v1]")
    lines = fiken_booked(posting, SHARED, "1901", "7740")
    assert [(line.account, line.text, line.signed, line.key) for line in lines] == [
        ("3000", "Salg 25 %", -40_000, "sales_high"),
        ("3000", "Frakt", -10_000, "shipping"),
        ("2701", "Utgående mva 25 %", -12_500, "vat"),
        ("1580", "Betaling card", 62_500, "payment_card"),
    ]


def test_a_cash_sale_line_that_adds_up_two_keys_names_both_and_no_key():
    posting = build_cash_sale_posting(SHARED, "Bergen Bryggen", "1901", "7740", "[settlement:x:2026-11-02:v1]",
                                      None, {"3000": "Fraktinntekt"})
    (revenue, vat, payment) = fiken_booked(posting, SHARED, "1901", "7740")
    assert (revenue.text, revenue.key, revenue.signed) == ("Salg 25 % + Frakt", None, -50_000)
    assert (vat.account, vat.signed) == ("2701", -12_500)
    assert payment.text == "Betaling card"


def test_arrange_nets_the_clearing_account_and_puts_rounding_last():
    namer = LineNamer(SHARED)
    lines = arrange([BookedLine.of("1901", "Oppgjørskonto", 100), LineNamer.rounding("7740", -100),
                     namer.line("1580", None, 62_500), BookedLine.of("1901", "Oppgjørskonto", -100)],
                    DAY, clearing="1901")
    assert [line.account for line in lines] == ["1580", "7740"]


def _sale(source, receipt, origin, hour, amount, kind="sale"):
    return SaleLine("oslo", source, receipt, datetime(2026, 11, 2, hour, 5, tzinfo=timezone.utc), DAY, kind,
                    "high", "3", amount, 0, origin)


@pytest.mark.usefixtures("bokmal")  # the sources' names as the report writes them in bokmål
def test_sources_name_files_registers_receipt_ranges_and_z_reports():
    assert z_reports(["saft: kasse K1, Z-rapport 7, 8 (02.11.2026): …"]) == ("7", "8")  # a note made in bokmål
    lines = [
        _sale("saft", "999999999/K1/9", r"C:\export\kasse.xml:40", 8, 10_000),
        _sale("saft", "999999999/K1/10", r"C:\export\kasse.xml:90", 9, 5_000),
        _sale("saft", "999999999/K2/3", r"C:\export\kasse.xml:140", 9, 2_000),
        _sale("csv", "R-7", "/data/in/extra.csv:2", 12, 1_000),
        _sale("woocommerce", "1001", "order 1001", 13, 3_000),
    ]
    notes = ["saft: register K1, Z report 101 (2026-11-02): VAT at 25 % is 1,00 in the Z report, …"]
    csv, saft, web = summarize_sources(lines, notes)
    assert (csv.name, csv.files, [(r.register, r.count, r.first, r.last) for r in csv.registers]) == (
        "Kassefil", ("extra.csv",), [("", 1, "R-7", "R-7")])
    assert saft.files == ("kasse.xml",) and saft.z_reports == ("101",)
    assert [(r.register, r.count, r.first, r.last) for r in saft.registers] == [("K1", 2, "9", "10"), ("K2", 1, "3", "3")]
    assert web.files == () and web.count == 1
    hours = takings_by_hour(lines, timezone.utc)
    assert hours.by_hour == ((8, 10_000), (9, 7_000), (10, 0), (11, 0), (12, 1_000), (13, 3_000))
