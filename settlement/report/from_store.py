"""Build one vendor-day's report from its voucher and booking and what the store holds of the day."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.engine import Engine

from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.report.data import DayReport, LedgerFacts, build_day_report
from settlement.store.sales_store import SalesStore, StoredNote
from settlement.store.webshop import webshop_orders


def build_report(
    engine: Engine, sales: SalesStore, vendor: Vendor, voucher: Voucher, booking=None,
    settlement_key: str | None = None, generated_at: datetime | None = None,
    *, ledger: LedgerFacts | None = None, correction_reason: str = "",
) -> DayReport:
    """The report of a vendor-day: the voucher (and the booking) handed over, with the day's stored
    sales lines, notes and webshop orders.

    booking: what the ledger is sent for the voucher (settlement.posting.ledger.Booking, or
        anything with mode, vat_by_code and rounding), so the PDF shows the VAT and rounding the
        ledger books; None for a day with nothing to book.
    generated_at defaults to now (UTC); pass it to date the report yourself.
    ledger: where the day was booked (settlement.report.ledger_facts), for a posted day.
    correction_reason: why this version replaces the one before.
    """
    day = voucher.day
    return build_day_report(
        voucher,
        sales.lines(vendor.id, day),
        _notes(engine, sales, vendor, day),
        webshop_orders(engine, vendor.id, day),
        vendor.name,
        settlement_key,
        (generated_at or datetime.now(timezone.utc)).astimezone(vendor.tz),
        zone=vendor.tz,
        fiken=booking,
        ledger=ledger,
        day_window=(vendor.day_start, vendor.closing_time),
        correction_reason=correction_reason,
    )


def _notes(engine: Engine, sales: SalesStore, vendor: Vendor, day: date) -> list[StoredNote]:
    """The stored notes, with the webshop checks made again from the store as it is now.

    The sync stores its checks (an order also in the POS data, an order withdrawn) when it runs;
    POS data imported after it would otherwise go unchecked, so the report does not depend on the
    order in which the sources were imported.
    """
    from settlement.sources.woocommerce import SOURCE
    from settlement.sources.woocommerce.notes import day_notes

    stored = sales.notes(vendor.id, day)
    if vendor.woocommerce is None:
        return stored
    with engine.connect() as conn:
        fresh = [StoredNote(SOURCE, ref, problem.message) for _day, ref, problem in day_notes(conn, vendor, {day})]
    return [note for note in stored if note.source != SOURCE] + fresh


# Where the PDF reports are kept, relative to the installation folder.
REPORTS_DIR = Path("data") / "reports"


def pdf_path(vendor_id: str, day: date, root: Path = REPORTS_DIR) -> Path:
    """data/reports/<vendor>/<day>.pdf: one file per vendor-day, replaced when made again."""
    return root / vendor_id / f"{day.isoformat()}.pdf"
