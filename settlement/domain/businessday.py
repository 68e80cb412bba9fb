"""Business days: which day a sale belongs to in its store's time zone.

A business day D runs from D at `day_start` local time to D+1 at `day_start` local time, so it
has 23 or 25 hours on daylight-saving change days, and a late-closing store (day_start 05:00)
keeps its after-midnight sales on the day the shift began.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def business_day(moment: datetime, tz: ZoneInfo, day_start: time) -> date:
    """The business day an aware instant belongs to."""
    local = moment.astimezone(tz)
    if local.time() < day_start:
        return local.date() - timedelta(days=1)
    return local.date()


def day_bounds(day: date, tz: ZoneInfo, day_start: time) -> tuple[datetime, datetime]:
    """[start, end) of a business day as UTC instants."""
    start = datetime.combine(day, day_start, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), day_start, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


# Timestamps outside these years are refused: nobody sells in them, and near year 1 or 9999 the
# conversions between time zones and to business days would overflow.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


class TimestampError(ValueError):
    """A timestamp that is well-formed but not plausible (e.g. year 0001); str() is the reason."""


def parse_timestamp(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 text → aware UTC instant; without an offset it is local time in `tz`.

    A local time that occurs twice (the autumn change) is taken as its first occurrence; one that
    does not exist (the spring change) is taken as the instant just after the gap, as zoneinfo does.
    Raises ValueError for text that is not such a timestamp (only ASCII digits), TimestampError
    for one outside the years EARLIEST_YEAR to LATEST_YEAR.
    """
    value = text.strip()
    if not value.isascii():
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise TimestampError(f"year {moment.year} is not plausible (expected {EARLIEST_YEAR} to {LATEST_YEAR})")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)


def is_closed(day: date, now: datetime, tz: ZoneInfo, day_start: time) -> bool:
    """True once the business day has ended (the next day_start has passed)."""
    return now >= day_bounds(day, tz, day_start)[1]
