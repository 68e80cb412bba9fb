"""Read one vendor-day from the store and build its report (the edge shared by CLI and posting)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from settlement.app import App
from settlement.daily import voucher_for_day
from settlement.report.data import DayReport, build_day_report
from settlement.store.webshop import webshop_orders


def day_report_for(
    app: App, vendor_id: str, day: date, settlement_key: str | None = None, generated_at: datetime | None = None
) -> DayReport:
    """The report of a vendor-day from stored sales, notes and webshop orders.

    generated_at defaults to now (UTC); pass it to date the report yourself.
    """
    vendor = app.vendor(vendor_id)
    return build_day_report(
        voucher_for_day(app, vendor.id, day),
        app.sales.lines(vendor.id, day),
        app.sales.notes(vendor.id, day),
        webshop_orders(app.engine, vendor.id, day),
        vendor.name,
        settlement_key,
        (generated_at or datetime.now(timezone.utc)).astimezone(vendor.tz),
        zone=vendor.tz,
    )


# Where the PDF reports are kept, relative to the installation folder.
REPORTS_DIR = Path("data") / "reports"


def pdf_path(vendor_id: str, day: date, root: Path = REPORTS_DIR) -> Path:
    """data/reports/<vendor>/<day>.pdf: one file per vendor-day, replaced when made again."""
    return root / vendor_id / f"{day.isoformat()}.pdf"
