"""Business days in the store's time zone, including daylight-saving days and late stores."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from settlement.domain.businessday import (
    business_day, closing_instant, day_bounds, is_closed, last_closed_day, parse_timestamp, wall_clock_instant,
)

OSLO = ZoneInfo("Europe/Oslo")


def test_daylight_saving_days_have_23_and_25_hours():
    for day, hours in [(date(2026, 10, 25), 25), (date(2027, 3, 28), 23), (date(2026, 11, 2), 24)]:
        start, end = day_bounds(day, OSLO, time(0, 0))
        assert (end - start).total_seconds() == hours * 3600


def test_late_store_day_starts_at_day_start():
    start, end = day_bounds(date(2026, 11, 6), OSLO, time(5, 0))
    assert start == datetime(2026, 11, 6, 4, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 11, 7, 4, 0, tzinfo=timezone.utc)
    assert business_day(datetime(2026, 11, 7, 3, 59, tzinfo=timezone.utc), OSLO, time(5, 0)) == date(2026, 11, 6)
    assert business_day(datetime(2026, 11, 7, 4, 0, tzinfo=timezone.utc), OSLO, time(5, 0)) == date(2026, 11, 7)


def test_local_timestamp_without_offset_is_vendor_time():
    assert parse_timestamp("2026-07-01T12:00:00", OSLO) == datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
    assert parse_timestamp("2026-12-01T12:00:00", OSLO) == datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)
    assert parse_timestamp("2026-12-01T12:00:00Z", OSLO) == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_a_shop_closing_at_21_closes_its_day_the_same_evening():
    day, start, closing = date(2026, 11, 6), time(0, 0), time(21, 0)
    assert closing_instant(day, OSLO, start, closing) == utc(2026, 11, 6, 20, 0)  # 21:00 CET
    assert not is_closed(day, utc(2026, 11, 6, 19, 55), OSLO, start, closing)
    assert is_closed(day, utc(2026, 11, 6, 20, 0), OSLO, start, closing)
    assert last_closed_day(utc(2026, 11, 6, 19, 55), OSLO, start, closing) == date(2026, 11, 5)
    assert last_closed_day(utc(2026, 11, 6, 20, 5), OSLO, start, closing) == day


def test_a_late_closing_bar_closes_its_day_on_the_next_calendar_day():
    # day_start 05:00, closing 02:00: the day that began at 05:00 on the 6th closes at 02:00 on the 7th.
    day, start, closing = date(2026, 11, 6), time(5, 0), time(2, 0)
    assert closing_instant(day, OSLO, start, closing) == utc(2026, 11, 7, 1, 0)
    assert last_closed_day(utc(2026, 11, 7, 0, 55), OSLO, start, closing) == date(2026, 11, 5)
    assert last_closed_day(utc(2026, 11, 7, 1, 5), OSLO, start, closing) == day
    # A receipt at 02:30, after the closing but inside the business day, still belongs to the 6th.
    assert business_day(utc(2026, 11, 7, 1, 30), OSLO, start) == day


def test_a_webshop_closing_at_its_day_start_closes_at_the_end_of_its_day():
    for day in (date(2026, 11, 6), date(2026, 3, 29), date(2026, 10, 25)):
        assert closing_instant(day, OSLO, time(0, 0), time(0, 0)) == day_bounds(day, OSLO, time(0, 0))[1]
        assert closing_instant(day, OSLO, time(5, 0), time(5, 0)) == day_bounds(day, OSLO, time(5, 0))[1]


def test_settle_delay_moves_the_closing_by_elapsed_time():
    day, delay = date(2026, 11, 6), timedelta(minutes=30)
    assert closing_instant(day, OSLO, time(0, 0), time(21, 0), delay) == utc(2026, 11, 6, 20, 30)
    assert not is_closed(day, utc(2026, 11, 6, 20, 29), OSLO, time(0, 0), time(21, 0), delay)
    assert is_closed(day, utc(2026, 11, 6, 20, 30), OSLO, time(0, 0), time(21, 0), delay)
    # A long delay after a late closing: at 03:00 on the 8th the 6th has closed, the 7th not yet.
    assert last_closed_day(utc(2026, 11, 8, 2, 0), OSLO, time(5, 0), time(2, 0), timedelta(hours=2)) == day


@pytest.mark.parametrize(("day", "start", "closing", "closes"), [
    # Spring, 2026-03-29: 02:00-02:59 does not exist (CET +1 to CEST +2 at 01:00 UTC).
    (date(2026, 3, 29), time(0, 0), time(21, 0), utc(2026, 3, 29, 19, 0)),  # 21:00 CEST
    (date(2026, 3, 28), time(5, 0), time(2, 0), utc(2026, 3, 29, 1, 0)),  # 02:00 does not occur: 03:00 CEST
    (date(2026, 3, 28), time(5, 0), time(2, 30), utc(2026, 3, 29, 1, 30)),  # read as 02:30 CET = 03:30 CEST
    (date(2026, 3, 29), time(5, 0), time(2, 0), utc(2026, 3, 30, 0, 0)),  # the 23-hour day's own closing, CEST
    (date(2026, 3, 28), time(3, 0), time(2, 30), utc(2026, 3, 29, 1, 0)),  # never after the day's end (03:00)
    # Autumn, 2026-10-25: 02:00-02:59 occurs twice (CEST +2 to CET +1 at 01:00 UTC).
    (date(2026, 10, 25), time(0, 0), time(21, 0), utc(2026, 10, 25, 20, 0)),  # 21:00 CET
    (date(2026, 10, 24), time(5, 0), time(2, 0), utc(2026, 10, 25, 0, 0)),  # the first 02:00 (CEST)
    (date(2026, 10, 24), time(5, 0), time(2, 30), utc(2026, 10, 25, 0, 30)),  # the first 02:30 (CEST)
    (date(2026, 10, 25), time(5, 0), time(2, 0), utc(2026, 10, 26, 1, 0)),  # after the 25-hour day, CET
])
def test_closing_instants_on_the_daylight_saving_weekends_of_2026(day, start, closing, closes):
    assert closing_instant(day, OSLO, start, closing) == closes
    begins, ends = day_bounds(day, OSLO, start)
    assert begins < closes <= ends, "a business day closes inside itself"


def test_the_webshop_day_of_the_changes_is_23_and_25_hours_until_it_closes():
    for day, hours in [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)]:
        begins = day_bounds(day, OSLO, time(0, 0))[0]
        assert closing_instant(day, OSLO, time(0, 0), time(0, 0)) - begins == timedelta(hours=hours)


def test_wall_clock_times_in_the_gap_and_the_fold_are_resolved_as_documented():
    assert wall_clock_instant(date(2026, 3, 29), time(2, 30), OSLO) == utc(2026, 3, 29, 1, 30)  # offset before
    assert wall_clock_instant(date(2026, 10, 25), time(2, 30), OSLO) == utc(2026, 10, 25, 0, 30)  # first one
