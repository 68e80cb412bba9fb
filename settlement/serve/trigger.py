"""The closing-time trigger: once per local calendar day, whatever daylight saving does.

A plain cron trigger at a wall-clock time fires twice on the 25-hour day when that time falls in
the repeated hour (02:00–02:59 in Europe/Oslo on the last Sunday of October). `DailyTrigger` wraps
APScheduler's CronTrigger and skips a fire time on the same local date as the previous one. On the
23-hour day a time in the skipped hour fires once, an hour later by the wall clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger


class DailyTrigger(BaseTrigger):
    """Fires at `at` (local wall-clock time in `tz`) at most once per local date."""

    def __init__(self, at: time, tz: ZoneInfo):
        self.at, self.tz = at, tz
        self.cron = CronTrigger(hour=at.hour, minute=at.minute, second=0, timezone=tz)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        while (
            candidate is not None
            and previous_fire_time is not None
            and candidate.astimezone(self.tz).date() <= previous_fire_time.astimezone(self.tz).date()
        ):
            # The wall-clock time came round again in the repeated hour: that date already had its run.
            candidate = self.cron.get_next_fire_time(candidate, candidate + timedelta(microseconds=1))
        return candidate

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.tz.key}"

    def __repr__(self) -> str:
        return f"<DailyTrigger {self}>"
