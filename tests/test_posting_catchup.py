"""Which days are posted: from enabled_since, closed days only, oldest first; a vendor stops at its
first blocked day while others go on; a day the store is closed is settled empty without a request,
a day it is open without data is missing; settled days cost no request at all."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from pypdf import PdfReader

from tests.fixtures_posting import fiken_posts

VENDORS = """
[[vendors]]
id = "nord"
name = "Nord"
closing_time = "20:00"
enabled_since = 2026-11-02
fiken_company = "demo-as"

[[vendors]]
id = "sor"
name = "Sør"
closing_time = "20:00"
enabled_since = 2026-11-02
fiken_company = "demo-as"
"""

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"


def _receipt(rid: str, day: str, amount: str = "125,00", vat: str = "25,00", payment: str = "card") -> str:
    return (f"{rid};{day}T12:00:00;sale;high;3;{amount};{vat}\n"
            f"{rid};{day}T12:00:00;payment;{payment};;{amount};\n")


def _setup(ws, nord: str, sor: str, closed: dict[str, list[str]] | None = None) -> None:
    """The two vendors with these receipts; `closed`: vendor → the dates it is closed (holidays)."""
    text = VENDORS
    for vendor, dates in (closed or {}).items():
        text = text.replace(f'id = "{vendor}"\n', f'id = "{vendor}"\nclosed_dates = [{", ".join(dates)}]\n')
    ws.write("vendors.toml", text)
    for vendor, rows in (("nord", nord), ("sor", sor)):
        path = ws.write(f"in/{vendor}.csv", HEADER + rows)
        status, out, err = ws.invoke("import", "sales", str(path), "--vendor", vendor)
        assert status == 0, out + err


def _keys_posted(sb) -> list[str]:
    posted = [r for r in fiken_posts(sb) if r.path.endswith("generalJournalEntries")]
    return [r.body["journalEntries"][0]["description"].split("[settlement:")[1].rstrip("]") for r in posted]


def test_catch_up_posts_oldest_first_and_records_closed_days_as_empty(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, _receipt("N1", "2026-11-01") + _receipt("N2", "2026-11-02") + _receipt("N4", "2026-11-04"),
           _receipt("S3", "2026-11-03"),
           closed={"nord": ["2026-11-03", "2026-11-05"], "sor": ["2026-11-02", "2026-11-04", "2026-11-05"]})
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-05")
    assert status == 0, out + err
    # 2026-11-01 is before enabled_since: never settled, although it has sales.
    assert _keys_posted(sb) == ["nord:2026-11-02:v1", "nord:2026-11-04:v1", "sor:2026-11-03:v1"]
    status, out, _ = ws.invoke("status", "--json")
    rows = {row["vendor"]: row for row in json.loads(out)}
    nord = {d["date"]: d["status"] for d in rows["nord"]["days"]}
    assert nord == {"2026-11-02": "documented", "2026-11-03": "empty", "2026-11-04": "documented", "2026-11-05": "empty"}
    assert rows["nord"]["last_settled"] == "2026-11-05"
    assert "[#" not in err  # no progress bar when not on a terminal (tests/test_posting_catchup_progress.py)

    before = len(sb.requests)
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-05")
    assert status == 0 and len(sb.requests) == before, "settled days cost no Fiken request"


def test_a_blocked_day_stops_its_vendor_and_not_the_others(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, _receipt("N2", "2026-11-02") + _receipt("N3", "2026-11-03", payment="bitcoin") + _receipt("N4", "2026-11-04"),
           _receipt("S2", "2026-11-02") + _receipt("S4", "2026-11-04"), closed={"sor": ["2026-11-03"]})
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 1
    assert "nord: stopped at 2026-11-03 (blocked): payment code 'bitcoin' has no mapping" in out
    assert _keys_posted(sb) == ["nord:2026-11-02:v1", "sor:2026-11-02:v1", "sor:2026-11-04:v1"]

    status, out, _ = ws.invoke("status")
    assert "nord 2026-11-03 BLOCKED: payment code 'bitcoin' has no mapping" in out
    row = json.loads(ws.invoke("status", "--json")[1])[0]
    assert row["waiting"][:2] == ["2026-11-03", "2026-11-04"]  # and every closed day after them

    # The accountant maps the code; the next catch-up posts the blocked day and the one that waited.
    with (ws.chart / "mapping.csv").open("a", encoding="utf-8") as mapping:
        mapping.write("payment;bitcoin;payment_card\n")
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 0, out + err
    assert _keys_posted(sb)[3:] == ["nord:2026-11-03:v1", "nord:2026-11-04:v1"]


def test_dry_run_sends_nothing_and_says_what_would_happen(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, _receipt("N2", "2026-11-02"), "", closed={"nord": ["2026-11-03"], "sor": ["2026-11-02", "2026-11-03"]})
    status, out, err = ws.invoke("catch-up", "--dry-run", "--through", "2026-11-03")
    assert status == 0, out + err
    assert "nord 2026-11-02: would post 125.00 NOK debit/credit" in out
    assert "nord 2026-11-03: would record as empty (closed: closed_dates)" in out
    assert sb.requests == []


def test_days_before_enabled_since_or_not_closed_are_refused(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, _receipt("N1", "2026-11-01"), "")
    status, out, err = ws.invoke("run", "--vendor", "nord", "--date", "2026-11-01")
    assert status == 1 and "before enabled_since 2026-11-02; never settled" in err
    # Before nord's 20:00 closing today is not closed (the closing rule: tests/test_closing.py).
    with freeze_time(datetime(2026, 11, 6, 19, 55, tzinfo=ZoneInfo("Europe/Oslo")), tick=True):
        today = datetime.now(ZoneInfo("Europe/Oslo")).date()
        status, out, err = ws.invoke("run", "--vendor", "nord", "--date", today.isoformat())
        assert status == 1 and "has not closed yet" in err
        status, out, err = ws.invoke("catch-up", "--vendor", "nord", "--dry-run")
    assert today.isoformat() not in out and (today - timedelta(days=1)).isoformat() in out
    assert sb.requests == []
    assert date(2026, 11, 1).isoformat() not in out


def test_a_long_catch_up_reads_the_ids_of_its_postings_once_and_attaches_each_report_once(posting_ws):
    """Issue 16's 2.1 requests per vendor-day: the days are posted, one paged read of the journal
    entries gives their ids, then each report is attached to its own entry; a lost answer to one
    upload does not attach it twice."""
    ws, sb = posting_ws, posting_ws.sandbox
    days = [f"2026-11-{n:02d}" for n in range(2, 9)]
    _setup(ws, "".join(_receipt(f"N{n}", day) for n, day in enumerate(days)),
           "".join(_receipt(f"S{n}", day) for n, day in enumerate(days)))
    sb.faults.commit_then_drop(1, method="POST", path_contains="attachments")  # the first upload's answer is lost
    before = len(sb.requests)
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-08", "--json")
    assert status == 0, out + err
    found = [(row["vendor"], row["date"], row["status"]) for row in json.loads(out) if row["kind"] == "day"]
    assert found == [(v, d, "documented") for v in ("nord", "sor") for d in days]  # in the days' order

    made = sb.requests[before:]
    assert sum(r.method == "POST" and r.path.endswith("/generalJournalEntries") for r in made) == 14
    # The lost answer was looked up (a GET below), not uploaded again.
    assert sum(r.method == "POST" and r.path.endswith("/attachments") for r in made) == 14
    assert not [r for r in made if "/transactions/" in r.path]  # no read-back a day
    # Each entry carries exactly its own day's report, and the report names the entry's number.
    entries = {e["journalEntryId"]: e for e in sb.journal_entries("demo-as")}
    attached = sb.attachments("demo-as")
    assert sorted(Counter(owner for _, owner, _, _ in attached).values()) == [1] * 14
    for _, owner, filename, data in attached:
        entry = entries[owner]
        vendor, day = filename.removeprefix("dagsoppgjor-").removesuffix("-v1.pdf").split("-", 1)
        assert f"[settlement:{vendor}:{day}:v1]" in entry["description"], (filename, entry["description"])
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert re.search(rf"Posted Fiken voucher {entry['journalEntryNumber']}\b", text), text
    # Besides: one read of the entries per store's seven days, the company once (the report names
    # it), and the entry whose upload answer was lost, looked at once.
    others = Counter((r.method, r.path.removeprefix("/api/v2/companies/demo-as")) for r in made
                     if "generalJournalEntries" not in r.path and not r.path.endswith("attachments"))
    assert others == {("GET", "/journalEntries"): 2, ("GET", ""): 1, ("GET", "/journalEntries/5200001"): 1}
