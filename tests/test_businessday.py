"""Business days in the store's time zone, including daylight-saving days and late stores."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from settlement.domain.businessday import business_day, day_bounds, is_closed, parse_timestamp

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


def test_is_closed_only_after_next_day_start():
    day = date(2026, 11, 6)
    assert not is_closed(day, datetime(2026, 11, 7, 3, 59, tzinfo=timezone.utc), OSLO, time(5, 0))
    assert is_closed(day, datetime(2026, 11, 7, 4, 0, tzinfo=timezone.utc), OSLO, time(5, 0))
