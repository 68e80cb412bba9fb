"""The overview: stores × business days, each cell in its state, with the period's totals and the
days that need a person first. The states come from settlement.posting.status, as `settlement
status` and /metrics read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from settlement.posting.status import check_problems, vendor_statuses
from settlement.report.sources import TAKINGS
from settlement.store.posting_state import PostingState
from settlement.web.states import NEEDS_A_PERSON

DEFAULT_DAYS = 14
MAX_DAYS = 62  # a period longer than two months is cut: the grid stays readable and quick


@dataclass(frozen=True)
class Cell:
    day: date
    state: str  # a status string ("" before enabled_since)
    reason: str = ""
    takings: int = 0  # øre of sales, returns and shipping that day


@dataclass
class Row:
    vendor: str
    name: str
    cells: list[Cell]
    counts: dict[str, int] = field(default_factory=dict)
    takings: int = 0


@dataclass(frozen=True)
class Overview:
    start: date
    end: date
    days: list[date]
    rows: list[Row]
    attention: list  # CheckProblem, by vendor then day
    totals: dict[str, int]  # state → cells in the period
    takings: int
    states: list[str]  # the states present, for the filter


def default_end(app, now: datetime) -> date:
    """The newest closed business day of any store (yesterday-ish), so the grid opens on news."""
    return max((v.last_closed_day(now) for v in app.vendors.values()), default=now.date())


def takings(app, vendor_id: str, day: date) -> int:
    """Øre of sales, returns and shipping the store holds for the day (what the chart adds up)."""
    return sum(row.amount for row in app.sales.summary(vendor_id, day) if row.type in TAKINGS)


def cell_state(vendor, day: date, known: dict, changed: set, waiting: set) -> str:
    if day < vendor.enabled_since:
        return ""
    if day in changed:
        return "changed"
    if day in known:
        return str(known[day].status)
    return "waiting" if day in waiting else "open"


def build_overview(app, now: datetime, start: date, end: date, vendor_filter: str = "",
                   state_filter: str = "") -> Overview:
    from settlement.wiring import current_digests

    days = [start + timedelta(days=n) for n in range((end - start).days + 1)][-MAX_DAYS:]
    vendors = [v for v in app.vendors.values() if not vendor_filter or v.id == vendor_filter]
    statuses = vendor_statuses(PostingState(app.engine), vendors, now, current_digests(app)) if vendors else []
    rows, totals, present = [], {}, set()
    for vendor, status in zip(vendors, statuses):
        known = {s.business_day: s for s in status.days}
        changed = {c.day for c in status.changed}
        with_sales = set(app.sales.days_with_sales(vendor.id))
        row = Row(vendor.id, vendor.name, [])
        for day in days:
            state = cell_state(vendor, day, known, changed, set(status.waiting))
            amount = takings(app, vendor.id, day) if day in with_sales else 0
            reason = known[day].reason if day in known else ""
            cell = Cell(day, state, reason, amount)
            present.add(state)
            if state_filter and state != state_filter:
                cell = Cell(day, "hidden")
            else:
                row.counts[state] = row.counts.get(state, 0) + 1
                totals[state] = totals.get(state, 0) + 1
                row.takings += amount
            row.cells.append(cell)
        rows.append(row)
    attention = [p for p in check_problems(statuses) if p.day is None or start <= p.day <= end]
    # What stops a store's later days first, then what waits for a person, by day.
    attention.sort(key=lambda p: (NEEDS_A_PERSON.index(p.status) if p.status in NEEDS_A_PERSON else 99,
                                  p.day or date.min, p.vendor or ""))
    return Overview(start, end, days, rows, attention, totals, sum(r.takings for r in rows),
                    sorted(s for s in present if s))
