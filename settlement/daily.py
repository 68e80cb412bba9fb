"""Assemble one vendor-day's voucher from the store and the chart (the edge around build_voucher)."""

from __future__ import annotations

from datetime import date

from settlement.wiring import App
from settlement.domain.problems import warning
from settlement.domain.voucher import Voucher, build_voucher


def voucher_for_day(app: App, vendor_id: str, day: date) -> Voucher:
    """Read the vendor-day's sales summary and source notes, and build its voucher."""
    vendor = app.vendor(vendor_id)
    notes = tuple(
        warning(f"{note.source}: {note.message}", ref=note.ref or None) for note in app.sales.notes(vendor.id, day)
    )
    return build_voucher(
        vendor.id,
        day,
        app.sales.summary(vendor.id, day),
        app.chart.ledger(vendor.id),
        app.chart.mapping(vendor.id),
        app.tolerance,
        notes,
    )
