"""The closing-time trigger: once per local calendar day, whatever daylight saving does.

APScheduler 3's CronTrigger is not safe here: at 02:00–02:59 in Europe/Oslo it fires twice on the
25-hour day (the wall-clock time comes round again), and at 00:00 it skips the day after the
23-hour day (2026-03-30), because it steps days with the offset of the day before. Both are
checked in tests/test_serve_schedule.py. `DailyTrigger` computes each local date's fire time
itself: the closing time by the wall clock; the first of the two when it occurs twice; and when it
does not occur (inside the skipped hour of the 23-hour day), the same moment an hour later by the
wall clock (the time read with the offset before the change).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

_TICK = timedelta(microseconds=1)


class DailyTrigger(BaseTrigger):
    """Fires at `at` (local wall-clock time in `tz`) exactly once per local date."""

    def __init__(self, at: time, tz: ZoneInfo):
        self.at, self.tz = at.replace(second=0, microsecond=0, tzinfo=None), tz

    def fire_time_on(self, day: date) -> datetime:
        """The moment of `day`'s run, in `tz` (fold=0: the first occurrence / the offset before a gap)."""
        local = datetime.combine(day, self.at).replace(tzinfo=self.tz, fold=0)
        return local.astimezone(timezone.utc).astimezone(self.tz)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # Each local date maps to exactly one instant (fire_time_on), increasing with the date, so
        # "the first fire time after the previous run" can never give one date two runs. After a
        # previous run, runs missed since then still count (the scheduler coalesces them), as with
        # APScheduler's own triggers. The previous run may be off-schedule (the start-up run).
        start = previous_fire_time + _TICK if previous_fire_time is not None else now
        day = start.astimezone(self.tz).date() - timedelta(days=1)  # a gap time can spill past midnight
        while True:
            candidate = self.fire_time_on(day)
            if candidate >= start:
                return candidate
            day += timedelta(days=1)

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.tz.key}"

    def __repr__(self) -> str:
        return f"<DailyTrigger {self}>"
