"""Business days: which day a sale belongs to in its store's time zone.

A business day D runs from D at `day_start` local time to D+1 at `day_start` local time, so it
has 23 or 25 hours on daylight-saving change days, and a late-closing store (day_start 05:00)
keeps its after-midnight sales on the day the shift began.

A business day *closes* (may be settled) at its vendor's closing time, not at its end: on the same
calendar day when `closing_time` is later than `day_start` (a shop closing 21:00), on the next
calendar day when it is at or before `day_start` (a bar open until 02:00 with day_start 05:00; a
webshop with both at 00:00 closes at the end of its day), plus the vendor's `settle_delay`.
`closing_instant` is the one place that rule lives; receipts stamped after the closing time but
inside the business day still belong to it (`business_day` does not look at the closing time).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from settlement.domain.text import tr


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
        raise ValueError(tr("not an ISO 8601 timestamp: {value!r}", value=text))
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise TimestampError(tr("year {year} is not plausible (expected {earliest} to {latest})", year=moment.year,
                                earliest=EARLIEST_YEAR, latest=LATEST_YEAR))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)


def wall_clock_instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `tz`'s wall clock reads `clock` on the calendar date `day`.

    Deliberately resolved on daylight-saving days, the same way serve's trigger fires: a time that
    occurs twice (the autumn change, 02:00-02:59 in Europe/Oslo) is its first occurrence; a time
    that does not occur (the spring change) is read with the offset before the change, so 02:30 on
    2026-03-29 in Europe/Oslo is 03:30 CEST.
    """
    local = datetime.combine(day, clock.replace(tzinfo=None)).replace(tzinfo=tz, fold=0)
    return local.astimezone(timezone.utc)


def closing_instant(day: date, tz: ZoneInfo, day_start: time, closing_time: time,
                    settle_delay: timedelta = timedelta(0)) -> datetime:
    """The UTC instant from which business day `day` counts as closed and is settled.

    `closing_time` on `day` when it is later than `day_start`, else on the next calendar day
    (wall_clock_instant resolves daylight-saving gaps and folds), never later than the day's end
    (which only a gap could cause), then `settle_delay` of elapsed time later.
    """
    on = day if closing_time > day_start else day + timedelta(days=1)
    closes = min(wall_clock_instant(on, closing_time, tz), day_bounds(day, tz, day_start)[1])
    return closes + settle_delay


def is_closed(day: date, now: datetime, tz: ZoneInfo, day_start: time, closing_time: time,
              settle_delay: timedelta = timedelta(0)) -> bool:
    """True once business day `day` has closed (see closing_instant) at the aware instant `now`."""
    return now >= closing_instant(day, tz, day_start, closing_time, settle_delay)


def last_closed_day(now: datetime, tz: ZoneInfo, day_start: time, closing_time: time,
                    settle_delay: timedelta = timedelta(0)) -> date:
    """The latest business day that has closed at the aware instant `now`."""
    day = business_day(now, tz, day_start)
    while not is_closed(day, now, tz, day_start, closing_time, settle_delay):
        day -= timedelta(days=1)  # a day closes by its end (+ the delay): at most a step or two
    return day
