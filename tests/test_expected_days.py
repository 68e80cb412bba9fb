"""Expected days: an open day with no data is `missing`, never settled as empty; it waits, is shown
by `status`, `status --check` and /metrics, holds later days only with strict_days, and is settled
empty by `settlement day close`. A closed day (open_days, closed_dates, holidays = "NO") without
data is settled empty silently; one with data is posted with a warning. Through the real CLI
against the Fiken sandbox; the days are in the past, so no clock needs freezing."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from settlement.configuration import vendor_calendar
from settlement.domain.vendors import parse_vendors
from tests.fixtures_posting import live_keys

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"


def _vendors(extra: str = "", since: str = "2026-11-02") -> str:
    return f"""
[[vendors]]
id = "kafe"
name = "Kafé"
closing_time = "20:00"
enabled_since = {since}
fiken_company = "demo-as"
{extra}
"""


def _receipt(rid: str, day: str, amount: str = "125,00", vat: str = "25,00") -> str:
    return (f"{rid};{day}T12:00:00;sale;high;3;{amount};{vat}\n"
            f"{rid};{day}T12:00:00;payment;card;;{amount};\n")


def _setup(ws, extra: str, rows: str, since: str = "2026-11-02") -> None:
    ws.write("vendors.toml", _vendors(extra, since))
    path = ws.write("in/kafe.csv", HEADER + rows)
    status, out, err = ws.invoke("import", "sales", str(path), "--vendor", "kafe")
    assert status == 0, out + err


def _days(ws) -> dict[str, tuple[str, str | None]]:
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--json")
    assert status == 0
    [row] = json.loads(out)
    return {d["date"]: (d["status"], d["reason"]) for d in row["days"]}


MONDAY_AND_WEDNESDAY = _receipt("M1", "2026-11-02") + _receipt("W1", "2026-11-04")


def test_an_open_day_without_data_is_missing_and_later_days_go_on(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "", MONDAY_AND_WEDNESDAY)

    status, out, err = ws.invoke("run", "--vendor", "kafe", "--date", "2026-11-03", "--dry-run")
    assert status == 1 and "kafe 2026-11-03: missing: no data for a day it is open" in out, out + err

    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 1, out + err  # a day needs a person
    assert "kafe: 1 day(s) missing (no data for a day it is open: import it or `settlement day close`): 2026-11-03" in out
    days = _days(ws)
    assert {d: s for d, (s, _) in days.items()} == {
        "2026-11-02": "documented", "2026-11-03": "missing", "2026-11-04": "documented"}
    assert "settlement day close --vendor kafe --date 2026-11-03" in days["2026-11-03"][1]
    assert live_keys(sb) == {"[settlement:kafe:2026-11-02:v1]": 1, "[settlement:kafe:2026-11-04:v1]": 1}

    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--check")
    assert status == 1
    [line] = out.splitlines()
    assert line.startswith("kafe 2026-11-03 missing: no sales data for 2026-11-03"), line
    status, out, _ = ws.invoke("status", "--vendor", "kafe")
    assert "kafe MISSING 1 day(s): 2026-11-03" in out
    table = out.splitlines()
    assert table[0].split() == ["vendor", "last", "settled", "waiting", "missing", "blocked", "held", "corrections"]
    vendor, last, _waiting, *counts = table[1].split()  # waiting: every closed day up to today
    assert [vendor, last, *counts] == ["kafe", "2026-11-04", "1", "0", "0", "0"]
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--json")
    assert json.loads(out)[0]["missing"][0]["date"] == "2026-11-03"

    # Running again neither settles it nor writes another audit row.
    ws.invoke("catch-up", "--through", "2026-11-04")
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", "2026-11-03")
    assert [line.split()[4] for line in out.splitlines()] == ["missing"]

    # A person says the shop was closed: settled empty, the reason kept and shown.
    status, out, err = ws.invoke("day", "close", "--vendor", "kafe", "--date", "2026-11-03",
                                 "--reason", "stengt for varetelling")
    assert status == 0, out + err
    state, reason = _days(ws)["2026-11-03"]
    assert state == "empty" and reason.endswith(": stengt for varetelling") and reason.startswith("closed by ")
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", "2026-11-03")
    assert out.splitlines()[-1].split()[4] == "day-closed" and out.rstrip().endswith("stengt for varetelling")
    _, out, _ = ws.invoke("status", "--vendor", "kafe")
    assert "kafe 2026-11-03 empty" in out and "stengt for varetelling" in out
    assert ws.invoke("status", "--vendor", "kafe", "--check")[:2] == (0, "")
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 0, out + err
    assert _days(ws)["2026-11-03"][0] == "empty"
    assert "kafe:2026-11-03" not in "".join(live_keys(sb))  # nothing was ever sent for it


def test_day_close_refuses_a_day_with_data_and_needs_a_reason(posting_ws):
    ws = posting_ws
    _setup(ws, "", MONDAY_AND_WEDNESDAY)
    status, _, err = ws.invoke("day", "close", "--vendor", "kafe", "--date", "2026-11-02", "--reason", "stengt")
    assert status == 1 and "has sales data" in err
    status, _, err = ws.invoke("day", "close", "--vendor", "kafe", "--date", "2026-11-03", "--reason", "  ")
    assert status == 1 and "--reason" in err
    assert "2026-11-03" not in _days(ws)


def test_with_strict_days_a_missing_day_holds_the_later_days(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "strict_days = true", MONDAY_AND_WEDNESDAY)
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 1, out + err
    assert "kafe: stopped at 2026-11-03 (missing)" in out
    days = _days(ws)
    assert {d: s for d, (s, _) in days.items()} == {"2026-11-02": "documented", "2026-11-03": "missing"}
    assert days["2026-11-03"][1].endswith("later days wait (strict_days)")
    assert list(live_keys(sb)) == ["[settlement:kafe:2026-11-02:v1]"]

    assert ws.invoke("day", "close", "--vendor", "kafe", "--date", "2026-11-03", "--reason", "stengt")[0] == 0
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 0, out + err
    assert _days(ws)["2026-11-04"][0] == "documented"


def test_a_missing_day_whose_data_arrives_is_posted(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "", MONDAY_AND_WEDNESDAY)
    ws.invoke("catch-up", "--through", "2026-11-04")
    path = ws.write("in/late.csv", HEADER + _receipt("T1", "2026-11-03"))
    assert ws.invoke("import", "sales", str(path), "--vendor", "kafe")[0] == 0
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 0, out + err
    assert _days(ws)["2026-11-03"][0] == "documented"
    assert live_keys(sb)["[settlement:kafe:2026-11-03:v1]"] == 1


def test_norwegian_holidays_and_closed_weekdays_are_settled_empty_and_a_closed_day_with_data_warns(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    # 2026-05-14 is Ascension Day (Kristi himmelfartsdag); 2026-05-17 is Constitution Day and a Sunday.
    rows = _receipt("A", "2026-05-13") + _receipt("B", "2026-05-15") + _receipt("C", "2026-05-17")
    extra = 'holidays = "NO"\nopen_days = ["man", "tir", "ons", "tor", "fre", "lør"]\nclosed_dates = [2026-05-16]'
    _setup(ws, extra, rows, since="2026-05-13")
    status, out, err = ws.invoke("catch-up", "--through", "2026-05-17")
    assert status == 0, out + err  # nothing is missing
    days = _days(ws)
    assert {d: s for d, (s, _) in days.items()} == {
        "2026-05-13": "documented", "2026-05-14": "empty", "2026-05-15": "documented",
        "2026-05-16": "empty", "2026-05-17": "documented"}
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", "2026-05-14")
    assert "closed (Kristi himmelfartsdag (holidays NO)): nothing to post" in out
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", "2026-05-16")
    assert "closed (closed_dates): nothing to post" in out
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", "2026-05-17")
    assert "closed-day-data" in out and "is a closed day (Grunnlovsdag (holidays NO)) but has sales" in out
    assert live_keys(sb)["[settlement:kafe:2026-05-17:v1]"] == 1
    assert ws.invoke("status", "--vendor", "kafe", "--check")[0] == 0


def test_without_the_holiday_calendar_the_holiday_is_missing(posting_ws):
    ws = posting_ws
    _setup(ws, "", _receipt("X", "2026-12-24") + _receipt("Y", "2026-12-26"), since="2026-12-24")
    ws.write("vendors.toml", _vendors('holidays = "NO"', since="2026-12-24"))
    vendor = ws.app().vendor("kafe")
    assert vendor.closed_reason(date(2026, 12, 25)) == "Første juledag (holidays NO)"
    assert vendor.closed_reason(date(2026, 12, 24)) is None  # Christmas Eve is no public holiday
    ws.write("vendors.toml", _vendors("", since="2026-12-24"))
    assert ws.app().vendor("kafe").closed_reason(date(2026, 12, 25)) is None


def test_calendar_keys_are_checked_with_their_line(tmp_path):
    text = _vendors('open_days = ["man", "someday"]\ncorrections = "later"\nclosed_dates = ["tomorrow"]')
    _, problems = parse_vendors(text, "vendors.toml")
    messages = sorted(str(p) for p in problems)
    assert any("open_days" in m and "'someday'" in m and "vendors.toml:8" in m for m in messages), messages
    assert any("corrections" in m and "'later' is not one of auto, hold" in m for m in messages), messages
    assert any("closed_dates" in m and "'tomorrow' is neither a date" in m for m in messages), messages

    (tmp_path / "stengt.csv").write_text("dato;grunn\n2026-12-31;nyttårsaften\n2026-13-01\n", encoding="utf-8")
    [vendor], problems = parse_vendors(_vendors('closed_dates = "stengt.csv"\nholidays = "NO"'), "v.toml")
    assert problems == []
    vendor, problems = vendor_calendar(vendor, tmp_path / "vendors.toml", today=date(2026, 12, 1))
    assert [str(p) for p in problems] == [f"{tmp_path / 'stengt.csv'}:3: '2026-13-01' is not a date YYYY-MM-DD "
                                          "(value '2026-13-01')"]
    assert vendor.closed_reason(date(2026, 12, 31)) == "nyttårsaften"
    assert vendor.closed_reason(date(2027, 12, 25)) == "Første juledag (holidays NO)"  # next year's too


def test_metrics_gauge_counts_missing_days_from_the_database(posting_ws):
    from settlement.serve.metrics import Metrics, vendor_standings
    from settlement.store.posting_state import PostingState

    ws = posting_ws
    _setup(ws, "", MONDAY_AND_WEDNESDAY)
    ws.invoke("catch-up", "--through", "2026-11-04")
    app = ws.app()
    standings = vendor_standings(list(app.vendors.values()), PostingState(app.engine), datetime.now(timezone.utc))
    text = Metrics().render(standings)
    assert 'settlement_vendor_days_missing{vendor="kafe"} 1' in text.splitlines()
    assert 'settlement_vendor_days_held{vendor="kafe"} 0' in text.splitlines()


def test_readme_shows_the_calendar_keys():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for needle in ("open_days", "closed_dates", "holidays = \"NO\"", "strict_days", "settlement day close",
                   "settlement approve", 'corrections = "hold"'):
        assert needle in readme, needle
