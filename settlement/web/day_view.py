"""The day page's content: the voucher as booked, VAT and payments, the ledger reference, sources
and warnings, the receipts behind each line (paged) and the audit trail, all read from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.store.posting_state import PostingState

PAGE_SIZE = 25  # receipts shown per page of one voucher line


@dataclass(frozen=True)
class RefsPage:
    """One page of the receipts and orders behind voucher line `line`."""

    line: int
    page: int
    pages: int
    refs: tuple[str, ...]
    total: int


@dataclass(frozen=True)
class DayView:
    vendor: object
    day: date
    state: object  # DayState
    shown_state: str  # the status, or changed/waiting/open as the overview shows it
    report: object  # DayReport
    account_names: dict[str, str]
    audit: list
    refs_page: RefsPage | None
    receipt_ids: frozenset[str]


def refs_page(lines, line: int | None, page: int) -> RefsPage | None:
    if line is None or not 0 <= line < len(lines):
        return None
    refs = lines[line].refs
    pages = max(1, -(-len(refs) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return RefsPage(line, page, pages, refs[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], len(refs))


def build_day(app, vendor_id: str, day: date, shown_state: str, line: int | None = None, page: int = 1) -> DayView:
    vendor = app.vendor(vendor_id)
    state = PostingState(app.engine).get(vendor.id, day)
    report = app.day_report(vendor.id, day)
    names = {row.account: row.name for row in app.chart.ledger(vendor.id).values()}
    audit = PostingState(app.engine).audit(vendor.id, day)
    receipts = frozenset(line.receipt_id for line in app.sales.lines(vendor.id, day))
    return DayView(vendor, day, state, shown_state, report, names, audit, refs_page(report.lines, line, page), receipts)


def receipt_lines(app, vendor_id: str, day: date, receipt_id: str) -> list:
    """The stored lines of one receipt or order of the day, in time order."""
    return [line for line in app.sales.lines(vendor_id, day) if line.receipt_id == receipt_id]
