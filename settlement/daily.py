"""Assemble one vendor-day's voucher from the store and the chart (the edge around build_voucher)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from settlement.domain.chart import Chart
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, build_voucher
from settlement.store.day_blocks import DayBlock, blocks_for
from settlement.store.sales_store import SalesStore


def voucher_for_day(sales: SalesStore, chart: Chart, vendor: Vendor, day: date, tolerance: int) -> Voucher:
    """Read the vendor-day's sales summary, source notes and blocks, and build its voucher.

    A day an import blocked (settlement.store.day_blocks) gets the blocking problems as errors, so
    that preview, status, run and the report all show it blocked and nothing of it is posted.
    tolerance: the largest unexplained residual in øre booked to `difference` (SETTLEMENT_DIFFERENCE_TOLERANCE).
    """
    notes = tuple(
        warning(f"{note.source}: {note.message}", ref=note.ref or None) for note in sales.notes(vendor.id, day)
    )
    voucher = build_voucher(
        vendor.id,
        day,
        sales.summary(vendor.id, day),
        chart.ledger(vendor.id),
        chart.mapping(vendor.id),
        tolerance,
        notes,
    )
    blocks = blocks_for(sales.engine, vendor.id, day)
    if not blocks:
        return voucher
    return replace(voucher, errors=voucher.errors + tuple(block_error(block) for block in blocks))


def block_error(block: DayBlock) -> Problem:
    """A stored day block as the voucher's error: the source's problem, saying what it blocks."""
    p = block.problem
    return error(tr("{source}: {problem}; the business day is blocked until the source imports it again without this "
                    "problem", source=block.source, problem=p.message), file=p.file, line=p.line, column=p.column, value=p.value, ref=p.ref)
