"""Which vendor-days are due, and settling them oldest first."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from typing import Callable, TextIO

from settlement.businessday import business_day, is_closed
from settlement.posting.settle import Outcome, PostingContext, settle_day
from settlement.vendors import Vendor


def closed_days(vendor: Vendor, now: datetime, through: date | None = None) -> list[date]:
    """Every business day from enabled_since that has closed by `now` (and is not after
    `through`, when given), oldest first."""
    last = business_day(now, vendor.tz, vendor.day_start)
    if not is_closed(last, now, vendor.tz, vendor.day_start):
        last -= timedelta(days=1)
    if through is not None:
        last = min(last, through)
    days, day = [], vendor.enabled_since
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


class Progress:
    """A plain progress line on a terminal (stderr), one line per day elsewhere."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        what = "already settled" if outcome.message == "already settled" else outcome.status
        text = f"[{bar}] {self.done}/{self.total} {outcome.vendor} {outcome.day} {what}"
        if self.tty:
            print("\r" + text.ljust(100), end="" if self.done < self.total else "\n", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)


def catch_up(
    ctx: PostingContext,
    vendors: list[Vendor],
    now: datetime,
    on_outcome: Callable[[Outcome], None] | None = None,
    through: date | None = None,
) -> list[Outcome]:
    """Settle every closed day of every vendor, oldest first. A vendor stops at its first blocked
    day (later days wait); other vendors go on."""
    outcomes: list[Outcome] = []
    for vendor in vendors:
        with ctx.claim(vendor.id) as claimed:
            if not claimed:
                continue  # another replica is settling this vendor right now
            for day in closed_days(vendor, now, through):
                outcome = settle_day(ctx, vendor, day)
                outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
                if outcome.stops_vendor:
                    break
    return outcomes
