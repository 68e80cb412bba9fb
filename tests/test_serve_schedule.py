"""The closing-time trigger over the daylight-saving weekends of 2026 (asked for its fire times, no
sleeping), and keeping the scheduler's jobs in step with the vendors file."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from settlement.serve.scheduler import build_scheduler, sync_jobs
from settlement.serve.trigger import DailyTrigger
from settlement.domain.vendors import parse_vendors

OSLO = ZoneInfo("Europe/Oslo")
SPRING = (date(2026, 3, 27), date(2026, 3, 31))  # 2026-03-29 has 23 hours
AUTUMN = (date(2026, 10, 23), date(2026, 10, 27))  # 2026-10-25 has 25 hours


def fire_times(trigger, first: date, last: date) -> list[datetime]:
    """Every fire time from `first` 00:00 until the end of `last`, as the scheduler would ask."""
    now = datetime.combine(first, time(0), OSLO)
    end = datetime.combine(last + timedelta(days=1), time(0), OSLO)
    fired, previous = [], None
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt >= end:
            return fired
        fired.append(nxt)
        previous, now = nxt, nxt


def test_the_dst_days_really_are_23_and_25_hours_long():
    def hours(day: date) -> float:
        start = datetime.combine(day, time(0), OSLO)
        end = datetime.combine(day + timedelta(days=1), time(0), OSLO)
        return (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() / 3600

    assert hours(date(2026, 3, 29)) == 23 and hours(date(2026, 10, 25)) == 25


@pytest.mark.parametrize("closing", ["22:30", "00:00", "02:00", "02:30", "02:59", "03:00", "23:59"])
@pytest.mark.parametrize("weekend", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_a_vendor_fires_exactly_once_every_local_day(closing, weekend):
    hour, minute = map(int, closing.split(":"))
    fired = fire_times(DailyTrigger(time(hour, minute), OSLO), *weekend)
    local_days = [f.astimezone(OSLO).date() for f in fired]
    expected = [weekend[0] + timedelta(days=i) for i in range((weekend[1] - weekend[0]).days + 1)]
    assert local_days == expected, fired
    # Always at the closing time by the wall clock, except inside the hour that does not exist.
    for moment in fired:
        local = moment.astimezone(OSLO)
        if local.date() == date(2026, 3, 29) and hour == 2:
            assert (local.hour, local.minute) == (3, minute)
        else:
            assert (local.hour, local.minute) == (hour, minute)


def test_fire_times_are_strictly_increasing_across_the_repeated_hour():
    fired = fire_times(DailyTrigger(time(2, 30), OSLO), *AUTUMN)
    utc = [f.astimezone(timezone.utc) for f in fired]  # same-zone subtraction would ignore the offsets
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(utc, utc[1:])]
    # 02:30 CEST on the 25th, then 02:30 CET on the 26th: 25 hours; never the 1 hour to the repeated 02:30.
    assert gaps == [24, 24, 25, 24]


def test_why_not_a_plain_cron_trigger():
    # APScheduler's CronTrigger runs 02:30 twice on 2026-10-25 ...
    fired = fire_times(CronTrigger(hour=2, minute=30, timezone=OSLO), *AUTUMN)
    assert [f.astimezone(OSLO).date() for f in fired].count(date(2026, 10, 25)) == 2
    # ... and at midnight it skips 2026-03-30, the day after the 23-hour day.
    fired = fire_times(CronTrigger(hour=0, minute=0, timezone=OSLO), *SPRING)
    assert date(2026, 3, 30) not in [f.astimezone(OSLO).date() for f in fired]


def test_the_start_up_run_does_not_use_up_the_day():
    # serve runs every vendor at start (an off-schedule run); that day's closing run still comes.
    trigger = DailyTrigger(time(22, 30), OSLO)
    started = datetime(2026, 10, 25, 10, 0, tzinfo=OSLO)
    assert trigger.get_next_fire_time(started, started) == datetime(2026, 10, 25, 22, 30, tzinfo=OSLO)
    late = datetime(2026, 10, 25, 23, 0, tzinfo=OSLO)
    assert trigger.get_next_fire_time(late, late) == datetime(2026, 10, 26, 22, 30, tzinfo=OSLO)


def test_runs_missed_while_asleep_are_reported_from_the_previous_run():
    # Woken two days late: the trigger answers the first missed time; the scheduler coalesces.
    trigger = DailyTrigger(time(22, 30), OSLO)
    previous = datetime(2026, 3, 27, 22, 30, tzinfo=OSLO)
    now = datetime(2026, 3, 30, 8, 0, tzinfo=OSLO)
    assert trigger.get_next_fire_time(previous, now) == datetime(2026, 3, 28, 22, 30, tzinfo=OSLO)
    assert trigger.get_next_fire_time(None, now) == datetime(2026, 3, 30, 22, 30, tzinfo=OSLO)


def test_other_time_zones_fire_at_their_own_closing_time():
    tz = ZoneInfo("America/New_York")  # DST ends there on 2026-11-01
    fired = fire_times(DailyTrigger(time(1, 30), tz), date(2026, 10, 30), date(2026, 11, 2))
    assert [f.astimezone(tz).date().day for f in fired] == [30, 31, 1, 2]
    assert all(f.astimezone(tz).strftime("%H:%M") == "01:30" for f in fired)


VENDORS = """
[[vendors]]
id = "a"
name = "A"
closing_time = "22:30"
enabled_since = 2026-11-01
fiken_company = "demo-as"

[[vendors]]
id = "b"
name = "B"
timezone = "Europe/London"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"
"""


def _vendors(text: str) -> dict:
    vendors, problems = parse_vendors(text, "vendors.toml")
    assert not problems
    return {v.id: v for v in vendors}


def _noop(vendor_id: str) -> None:
    """Never called: the scheduler is paused."""


@pytest.fixture
def scheduler():
    scheduler = build_scheduler(workers=4, misfire_grace=900)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def test_jobs_follow_the_vendors_file(scheduler: BackgroundScheduler):
    changes = sync_jobs(scheduler, _vendors(VENDORS), _noop)
    assert changes == [
        "a: scheduled daily at 22:30 Europe/Oslo, first run now",
        "b: scheduled daily at 20:00 Europe/London, first run now",
    ]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"vendor:a", "vendor:b"}
    assert all(job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 900 for job in jobs.values())
    # The first run is now: the start-up catch-up.
    assert all(job.next_run_time <= datetime.now(timezone.utc) + timedelta(seconds=1) for job in jobs.values())

    assert sync_jobs(scheduler, _vendors(VENDORS), _noop) == [], "an unchanged file changes nothing"

    changed = VENDORS.replace('closing_time = "20:00"', 'closing_time = "21:15"').replace('id = "a"', 'id = "c"')
    changes = sync_jobs(scheduler, _vendors(changed), _noop)
    assert changes == [
        "c: scheduled daily at 22:30 Europe/Oslo, first run now",
        "b: rescheduled from daily at 20:00 Europe/London to daily at 21:15 Europe/London",
        "a: no longer in the vendors file; job removed",
    ]
    job_b = scheduler.get_job("vendor:b")
    assert job_b.next_run_time.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M") == "21:15"
    assert {job.id for job in scheduler.get_jobs()} == {"vendor:b", "vendor:c"}


def _vendor(closing: str, day_start: str = "00:00", delay: str = "0m"):
    (vendor,) = _vendors(f"""
[[vendors]]
id = "v"
name = "V"
closing_time = "{closing}"
day_start = "{day_start}"
settle_delay = "{delay}"
enabled_since = 2026-01-01
fiken_company = "demo-as"
""").values()
    return vendor


@pytest.mark.parametrize(("closing", "day_start", "delay", "days_back"), [
    ("21:00", "00:00", "0m", 0),  # a shop: the run at 21:00 settles that same day
    ("21:00", "00:00", "30m", 0),
    ("02:00", "05:00", "0m", 1),  # a bar: the run at 02:00 settles the day that began at 05:00 the day before
    ("02:30", "05:00", "1h30m", 1),
    ("00:00", "00:00", "0m", 1),  # a webshop: the run at midnight settles the day that just ended
    ("02:30", "03:00", "0m", 1),
])
@pytest.mark.parametrize("weekend", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_each_closing_run_finds_its_day_just_closed(closing, day_start, delay, days_back, weekend):
    vendor = _vendor(closing, day_start, delay)
    trigger = DailyTrigger(vendor.closing_time, vendor.tz, vendor.settle_delay)
    fired = fire_times(trigger, *weekend)
    assert len(fired) == (weekend[1] - weekend[0]).days + 1
    for moment in fired:
        day = moment.astimezone(OSLO).date() - timedelta(days=days_back)
        assert vendor.last_closed_day(moment) == day, moment
        assert vendor.closes_at(day) <= moment
        assert not vendor.is_closed(day, vendor.closes_at(day) - timedelta(microseconds=1))


def test_settle_delay_moves_the_runs_and_shows_in_the_schedule(scheduler: BackgroundScheduler):
    trigger = DailyTrigger(time(21, 0), OSLO, timedelta(minutes=30))
    assert str(trigger) == "daily at 21:00 Europe/Oslo + 30m"
    start = datetime(2026, 11, 6, 12, 0, tzinfo=OSLO)
    assert trigger.get_next_fire_time(None, start) == datetime(2026, 11, 6, 21, 30, tzinfo=OSLO)
    late = DailyTrigger(time(23, 30), OSLO, timedelta(hours=1))  # past midnight: still once per date
    fired = fire_times(late, *AUTUMN)
    assert [f.astimezone(OSLO).strftime("%d %H:%M") for f in fired] == [
        "23 00:30", "24 00:30", "25 00:30", "26 00:30", "27 00:30"]

    sync_jobs(scheduler, _vendors(VENDORS), _noop)
    delayed = VENDORS.replace('closing_time = "20:00"', 'closing_time = "20:00"\nsettle_delay = "1h30m"')
    assert sync_jobs(scheduler, _vendors(delayed), _noop) == [
        "b: rescheduled from daily at 20:00 Europe/London to daily at 20:00 Europe/London + 1h30m",
    ]
