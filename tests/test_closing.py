"""The closing rule through the real CLI with the clock driven by freezegun: a business day is
settled from its vendor's closing time (+ settle_delay) on, the same evening for a shop, the next
night for a late-closing bar, at the end of its day for a webshop; `catch-up` and its dry run list
the same closed days; `accounts check` warns about a vendor that closes before its webshop does."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from settlement.domain.vendors import parse_vendors
from settlement.posting.catchup import closed_days
from tests.fixtures_posting import fiken_posts, ledger_effect

OSLO = ZoneInfo("Europe/Oslo")
HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"


def vendors_toml(closing: str, day_start: str = "00:00", extra: str = "") -> str:
    return f"""
[[vendors]]
id = "butikk"
name = "Butikk"
closing_time = "{closing}"
day_start = "{day_start}"
enabled_since = 2026-11-05
closed_dates = [2026-11-05]  # the first day has no sales: closed, so it is settled empty, not missing
fiken_company = "demo-as"
{extra}
"""


def receipt(rid: str, stamp: str) -> str:
    return f"{rid};{stamp};sale;high;3;125,00;25,00\n{rid};{stamp};payment;card;;125,00;\n"


def oslo(text: str) -> datetime:
    """A wall-clock time in Oslo, for freeze_time (which wants it as an aware instant)."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


def setup(ws, toml: str, rows: str) -> None:
    ws.write("vendors.toml", toml)
    path = ws.write("in/butikk.csv", HEADER + rows)
    status, out, err = ws.invoke("import", "sales", str(path), "--vendor", "butikk")
    assert status == 0, out + err


def posted_keys(sb) -> list[str]:
    posted = [r for r in fiken_posts(sb) if r.path.endswith("generalJournalEntries")]
    return [r.body["journalEntries"][0]["description"].split("[settlement:")[1].rstrip("]") for r in posted]


def test_a_shop_closing_at_21_is_posted_by_the_run_at_21_05(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    setup(ws, vendors_toml("21:00"), receipt("R1", "2026-11-06T12:00:00") + receipt("R2", "2026-11-06T21:30:00"))
    with freeze_time(oslo("2026-11-06T20:55:00"), tick=True):
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
    assert status == 1 and "butikk 2026-11-06: the business day has not closed yet" in err
    assert sb.requests == []
    with freeze_time(oslo("2026-11-06T21:05:00"), tick=True):
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
    assert status == 0, out + err
    assert "butikk 2026-11-06: documented" in out
    assert posted_keys(sb) == ["butikk:2026-11-06:v1"]
    # The receipt at 21:30, after the closing, is still the 6th's: both are in the one entry.
    assert ledger_effect(sb, "demo-as", "[settlement:butikk:2026-11-06:v1]")["1580"] == 25000  # card 2 × 125,00


def test_a_late_bar_posts_the_day_that_began_at_05_the_day_before_at_02_05(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    # Open from 05:00 on the 6th until 02:00 on the 7th; the receipt at 01:30 on the 7th is the 6th's.
    setup(ws, vendors_toml("02:00", "05:00"), receipt("B1", "2026-11-06T18:00:00") + receipt("B2", "2026-11-07T01:30:00"))
    with freeze_time(oslo("2026-11-07T01:55:00"), tick=True):
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
        assert status == 1 and "has not closed yet" in err
        status, out, err = ws.invoke("catch-up", "--dry-run")
    assert status == 0 and "2026-11-06" not in out and "butikk 2026-11-05: would record as empty" in out
    with freeze_time(oslo("2026-11-07T02:05:00"), tick=True):
        status, out, err = ws.invoke("catch-up")
    assert status == 0, out + err
    assert "catch-up done: 2 day(s) checked, 1 posted or documented" in out
    assert posted_keys(sb) == ["butikk:2026-11-06:v1"]
    assert ledger_effect(sb, "demo-as", "[settlement:butikk:2026-11-06:v1]")["1580"] == 25000  # card 2 × 125,00


def test_a_webshop_closing_at_its_day_start_settles_at_the_end_of_its_day(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    setup(ws, vendors_toml("00:00"), receipt("W1", "2026-11-06T23:59:00"))
    with freeze_time(oslo("2026-11-06T23:59:30"), tick=True):
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
    assert status == 1 and "has not closed yet" in err
    with freeze_time(oslo("2026-11-07T00:00:30"), tick=True):
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
    assert status == 0 and "documented" in out, out + err


def test_settle_delay_leaves_room_for_a_late_export(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    setup(ws, vendors_toml("21:00", extra='settle_delay = "30m"'), receipt("R1", "2026-11-06T12:00:00"))
    with freeze_time(oslo("2026-11-06T21:25:00"), tick=True):
        status, out, err = ws.invoke("catch-up", "--dry-run")
        assert "2026-11-06" not in out and "butikk 2026-11-05" in out
        status, out, err = ws.invoke("run", "--vendor", "butikk", "--date", "2026-11-06")
        assert status == 1 and "has not closed yet" in err
    with freeze_time(oslo("2026-11-06T21:31:00"), tick=True):
        status, out, err = ws.invoke("catch-up", "--dry-run")
        assert "butikk 2026-11-06: would post 125.00 NOK" in out, out
        status, out, err = ws.invoke("catch-up")
        assert status == 0, out + err
        rows = json.loads(ws.invoke("status", "--json")[1])
    assert rows[0]["last_settled"] == "2026-11-06" and rows[0]["waiting"] == []
    assert posted_keys(sb) == ["butikk:2026-11-06:v1"]


def _vendor(closing: str, day_start: str = "00:00", extra: str = ""):
    (vendor,), problems = parse_vendors(vendors_toml(closing, day_start, extra), "vendors.toml")
    assert problems == []
    return vendor


@pytest.mark.parametrize(("closing", "day_start", "now", "last"), [
    ("21:00", "00:00", "2026-11-06T20:59:59", date(2026, 11, 5)),
    ("21:00", "00:00", "2026-11-06T21:00:00", date(2026, 11, 6)),
    ("02:00", "05:00", "2026-11-07T01:59:00", date(2026, 11, 5)),
    ("02:00", "05:00", "2026-11-07T02:00:00", date(2026, 11, 6)),
    ("00:00", "00:00", "2026-11-06T23:59:00", date(2026, 11, 5)),
    ("00:00", "00:00", "2026-11-07T00:00:00", date(2026, 11, 6)),
    # The daylight-saving weekends: 02:00 does not occur on 29 March, occurs twice on 25 October.
    ("02:00", "05:00", "2026-03-29T03:00:00", date(2026, 3, 28)),
    ("02:00", "05:00", "2026-03-29T01:59:00", date(2026, 3, 27)),
    ("21:00", "00:00", "2026-03-29T21:00:00", date(2026, 3, 29)),
    ("02:00", "05:00", "2026-10-25T02:00:00", date(2026, 10, 24)),  # the first 02:00 (CEST)
    ("00:00", "00:00", "2026-10-26T00:00:00", date(2026, 10, 25)),  # after the 25-hour day
])
def test_the_catch_up_list_of_closed_days(closing, day_start, now, last):
    vendor = replace(_vendor(closing, day_start), enabled_since=last - timedelta(days=3))
    assert closed_days(vendor, oslo(now)) == [last - timedelta(days=n) for n in (3, 2, 1, 0)]
    assert closed_days(vendor, oslo(now), through=vendor.enabled_since) == [vendor.enabled_since]


def test_accounts_check_warns_about_a_vendor_closing_before_its_webshop(workspace):
    path = workspace.write("vendors.toml", vendors_toml(
        "21:00", extra='woocommerce = { url = "https://shop.example", credentials = "shop" }') + """
[[vendors]]
id = "nettbutikk"
name = "Nettbutikk"
closing_time = "00:00"
enabled_since = 2026-11-05
fiken_company = "demo-as"
woocommerce = { url = "https://shop.example", credentials = "shop" }

[[vendors]]
id = "kasse"
name = "Kasse"
closing_time = "21:00"
enabled_since = 2026-11-05
fiken_company = "demo-as"
webshop_via_pos = true
woocommerce = { url = "https://shop.example", credentials = "shop" }
""")
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 0, err
    assert err.strip().splitlines() == [
        f"{path}:2: warning: vendor butikk: closes at 21:00, before its business day ends at 00:00, but pulls a "
        "webshop that sells around the clock: every order after the closing corrects a posted day; give the "
        "webshop a vendor of its own with closing_time = day_start (e.g. both \"00:00\") (column 'closing_time')",
    ]
    assert out.startswith("OK: 3 vendor(s)")


@pytest.mark.parametrize(("value", "message"), [
    ('"30"', 'must be a duration like "30m", "2h" or "1h30m"'),
    ("30", 'must be a duration like "30m", "2h" or "1h30m"'),
    ('"13h"', "'13h' is longer than 12h"),
])
def test_settle_delay_is_validated_with_file_line_and_key(workspace, value, message):
    path = workspace.write("vendors.toml", vendors_toml("21:00", extra=f"settle_delay = {value}"))
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 1
    assert err.strip() == (f"{path}:10: vendor butikk: key 'settle_delay' {message} "
                           f"(column 'settle_delay', value '{value.strip(chr(34))}')")


def test_settle_delay_forms():
    assert [_vendor("21:00", extra=f'settle_delay = "{text}"').settle_delay.total_seconds() / 60
            for text in ("0m", "45m", "2h", "1h30m", "90m")] == [0, 45, 120, 90, 90]
    assert _vendor("21:00").settle_delay.total_seconds() == 0
