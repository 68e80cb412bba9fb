"""Read one vendor-day from the store and build its report (the edge shared by CLI and posting)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from settlement.wiring import App
from settlement.daily import voucher_for_day
from settlement.report.data import DayReport, build_day_report
from settlement.targets.fiken.booking_view import fiken_booking
from settlement.store.sales_store import StoredNote
from settlement.store.webshop import webshop_orders
from settlement.domain.vendors import Vendor


def day_report_for(
    app: App, vendor_id: str, day: date, settlement_key: str | None = None, generated_at: datetime | None = None
) -> DayReport:
    """The report of a vendor-day from stored sales, notes and webshop orders.

    generated_at defaults to now (UTC); pass it to date the report yourself.
    """
    # Imported here: the posting module imports this one when it documents a posting.
    from settlement.domain.keys import settlement_key as key_for
    from settlement.posting.settle import build_posting

    vendor = app.vendor(vendor_id)
    voucher = voucher_for_day(app, vendor.id, day)
    fiken = None
    if not voucher.blocked and not voucher.is_empty:
        # The bodies the posting sends, so the PDF shows the VAT and rounding Fiken books.
        posting = build_posting(app, vendor, voucher, settlement_key or key_for(vendor.id, day, 1))
        fiken = fiken_booking(posting, day, app.chart.ledger(vendor.id)["rounding"].account)
    return build_day_report(
        voucher,
        app.sales.lines(vendor.id, day),
        _notes(app, vendor, day),
        webshop_orders(app.engine, vendor.id, day),
        vendor.name,
        settlement_key,
        (generated_at or datetime.now(timezone.utc)).astimezone(vendor.tz),
        zone=vendor.tz,
        fiken=fiken,
    )


def _notes(app: App, vendor: Vendor, day: date) -> list[StoredNote]:
    """The stored notes, with the webshop checks made again from the store as it is now.

    The sync stores its checks (an order also in the POS data, an order withdrawn) when it runs;
    POS data imported after it would otherwise go unchecked, so the report does not depend on the
    order in which the sources were imported.
    """
    from settlement.sources.woocommerce import SOURCE
    from settlement.sources.woocommerce.sync import day_notes

    stored = app.sales.notes(vendor.id, day)
    if vendor.woocommerce is None:
        return stored
    with app.engine.connect() as conn:
        fresh = [StoredNote(SOURCE, ref, problem.message) for _day, ref, problem in day_notes(conn, vendor, {day})]
    return [note for note in stored if note.source != SOURCE] + fresh


# Where the PDF reports are kept, relative to the installation folder.
REPORTS_DIR = Path("data") / "reports"


def pdf_path(vendor_id: str, day: date, root: Path = REPORTS_DIR) -> Path:
    """data/reports/<vendor>/<day>.pdf: one file per vendor-day, replaced when made again."""
    return root / vendor_id / f"{day.isoformat()}.pdf"
