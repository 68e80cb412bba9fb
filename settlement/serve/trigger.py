"""The closing-time trigger: once per local calendar day, whatever daylight saving does.

APScheduler 3's CronTrigger is not safe here: at 02:00–02:59 in Europe/Oslo it fires twice on the
25-hour day (the wall-clock time comes round again), and at 00:00 it skips the day after the
23-hour day (2026-03-30), because it steps days with the offset of the day before. Both are
checked in tests/test_serve_schedule.py. `DailyTrigger` computes each local date's fire time
itself: the closing time by the wall clock; the first of the two when it occurs twice; and when it
does not occur (inside the skipped hour of the 23-hour day), the same moment an hour later by the
wall clock (the time read with the offset before the change): settlement.domain.businessday's
wall_clock_instant, the same resolution that decides when a business day closes, so the closing
run always finds its day closed. A vendor's `settle_delay` moves every run that much later.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from settlement.domain.businessday import wall_clock_instant

_TICK = timedelta(microseconds=1)


class DailyTrigger(BaseTrigger):
    """Fires at `at` (local wall-clock time in `tz`) exactly once per local date, `delay` later."""

    def __init__(self, at: time, tz: ZoneInfo, delay: timedelta = timedelta(0)):
        self.at, self.tz, self.delay = at.replace(second=0, microsecond=0, tzinfo=None), tz, delay

    def fire_time_on(self, day: date) -> datetime:
        """The moment of `day`'s run, in `tz` (the first occurrence / the offset before a gap)."""
        return (wall_clock_instant(day, self.at, self.tz) + self.delay).astimezone(self.tz)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # Each local date maps to exactly one instant (fire_time_on), increasing with the date, so
        # "the first fire time after the previous run" can never give one date two runs. After a
        # previous run, runs missed since then still count (the scheduler coalesces them), as with
        # APScheduler's own triggers. The previous run may be off-schedule (the start-up run).
        start = previous_fire_time + _TICK if previous_fire_time is not None else now
        # A gap time or the delay can spill past midnight: start from an earlier date.
        day = (start - self.delay).astimezone(self.tz).date() - timedelta(days=1)
        while True:
            candidate = self.fire_time_on(day)
            if candidate >= start:
                return candidate
            day += timedelta(days=1)

    def __str__(self) -> str:
        later = f" + {_minutes(self.delay)}" if self.delay else ""
        return f"daily at {self.at:%H:%M} {self.tz.key}{later}"

    def __repr__(self) -> str:
        return f"<DailyTrigger {self}>"


def _minutes(delay: timedelta) -> str:
    """A settle delay as vendors.toml writes it: "30m", "2h", "1h30m"."""
    hours, minutes = divmod(int(delay.total_seconds()) // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
