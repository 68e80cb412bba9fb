"""Assemble one vendor-day's voucher from the store and the chart (the edge around build_voucher)."""

from __future__ import annotations

from datetime import date

from settlement.domain.chart import Chart
from settlement.domain.problems import warning
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, build_voucher
from settlement.store.sales_store import SalesStore


def voucher_for_day(sales: SalesStore, chart: Chart, vendor: Vendor, day: date, tolerance: int) -> Voucher:
    """Read the vendor-day's sales summary and source notes, and build its voucher.

    tolerance: the largest unexplained residual in øre booked to `difference` (SETTLEMENT_DIFFERENCE_TOLERANCE).
    """
    notes = tuple(
        warning(f"{note.source}: {note.message}", ref=note.ref or None) for note in sales.notes(vendor.id, day)
    )
    return build_voucher(
        vendor.id,
        day,
        sales.summary(vendor.id, day),
        chart.ledger(vendor.id),
        chart.mapping(vendor.id),
        tolerance,
        notes,
    )
