"""`settlement serve` as a real process against the Fiken sandbox: the start-up run imports the drop
folder and posts, a failing vendor does not stop the others, the HTTP endpoints answer, JSON logs
name vendor, day and key, and SIGTERM finishes the posting in flight before exiting 0."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from settlement.domain.businessday import last_closed_day

OSLO = ZoneInfo("Europe/Oslo")


def _last_closed(closing: str) -> date:
    """The latest business day closed now for a vendor below closing at `closing` (day_start 00:00)."""
    return last_closed_day(datetime.now(timezone.utc), OSLO, clock(0, 0), clock.fromisoformat(closing))


DAY2 = _last_closed("20:00")  # bergen-bryggen's last closed day: today from 20:00 on, else yesterday
START = DAY2 - timedelta(days=2)  # enabled_since: three closed days to catch up, whatever the hour
DAY1 = DAY2 - timedelta(days=1)


def oslo_waiting() -> int:
    """oslo-sentrum's closed days since START now, all waiting (it closes at 22:30: 2 from 20:00 to
    22:30, else 3). Asked around each check: 22:30 may pass while the test runs."""
    return (_last_closed("22:30") - START).days + 1


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def vendors_toml(*, bergen_closing: str = "20:00", extra: str = "", oslo_extra: str = "") -> str:
    return f"""
[[vendors]]
id = "oslo-sentrum"
name = "Oslo Sentrum"
closing_time = "22:30"
enabled_since = {START.isoformat()}
fiken_company = "demo-as"
{oslo_extra}

[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
closing_time = "{bergen_closing}"
enabled_since = {START.isoformat()}
# Closed on the first and the last day (settled empty); sales come for DAY1 through the drop folder.
closed_dates = [{START.isoformat()}, {DAY2.isoformat()}]
fiken_company = "demo-as"
drop_folder = "drop/bergen"
{extra}
"""


def receipts_csv(day: date, receipts: int = 1, prefix: str = "R") -> str:
    rows = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for n in range(1, receipts + 1):
        rows.append(f"{prefix}-{n};{day.isoformat()}T12:{n:02d}:00;sale;high;3;125,00;25,00")
        rows.append(f"{prefix}-{n};{day.isoformat()}T12:{n:02d}:00;payment;card;;125,00;")
    return "\n".join(rows) + "\n"


def key(vendor: str, day: date, version: int = 1) -> str:
    return f"[settlement:{vendor}:{day.isoformat()}:v{version}]"


class Serve:
    """A `settlement serve` subprocess with its log in a file; stops by itself (--max-seconds)."""

    def __init__(self, ws, *, env: dict[str, str] | None = None, max_seconds: int = 120):
        self.ws = ws
        self.log_path = ws.path / f"serve-{time.monotonic_ns()}.log"
        self.env = {**ws.env, "SETTLEMENT_HTTP_PORT": "0", **(env or {})}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "settlement", "serve", "--max-seconds", str(max_seconds)],
                cwd=ws.path, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        self.port = int(self.wait_for(r"HTTP on http://127\.0\.0\.1:(\d+)").group(1))

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_for(self, pattern: str, timeout: float = 60, count: int = 1) -> re.Match:
        """The `count`-th match of `pattern` in the log, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            matches = list(re.finditer(pattern, self.log))
            if len(matches) >= count:
                return matches[count - 1]
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not in the serve log (exit {self.proc.poll()}):\n{self.log}")
            time.sleep(0.1)

    def http(self, path: str, method: str = "GET") -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        try:
            with _NO_PROXY.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def serve_ws(posting_ws):
    """The posting workspace with the vendors above; `start()` runs serve, killed at teardown."""
    posting_ws.write("vendors.toml", vendors_toml())
    started: list[Serve] = []

    def start(**kwargs) -> Serve:
        process = Serve(posting_ws, **kwargs)
        started.append(process)
        return process

    posting_ws.start = start
    yield posting_ws
    for process in started:
        process.kill()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text; fails when it is absent."""
    wanted = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else ""
    for line in text.splitlines():
        if line.startswith(name + wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{wanted} not in\n{text}")


def status_rows(ws) -> dict[str, dict]:
    code, out, err = ws.invoke("status", "--json")
    assert code == 0, err
    return {row["vendor"]: row for row in json.loads(out)}


def test_start_up_run_imports_the_drop_folder_and_posts_while_a_failing_vendor_waits(serve_ws):
    ws, sb = serve_ws, serve_ws.sandbox
    # oslo-sentrum pulls a webshop whose credentials are not configured: its run fails.
    ws.write("vendors.toml", vendors_toml(oslo_extra='woocommerce = { url = "http://127.0.0.1:9", credentials = "shop" }'))
    ws.write("drop/bergen/day1.csv", receipts_csv(DAY1, receipts=2))
    ws.write("drop/bergen/broken.csv", "receipt_id;timestamp\nX;yesterday\n")
    serve = ws.start(env={"SETTLEMENT_LOG_FORMAT": "json"})

    serve.wait_for(r'"message": "run done: 3 day\(s\) checked", "vendor": "bergen-bryggen"')
    serve.wait_for(r'"message": "WooCommerce not read: .*"vendor": "oslo-sentrum"')

    # The drop folder: imported, moved, the broken file set aside with its reasons.
    assert (ws.path / "drop/bergen/processed/day1.csv").exists()
    assert "broken.csv was not imported" in (ws.path / "drop/bergen/failed/broken.csv.error.txt").read_text()
    # Posted once, with its report attached; the empty days need no request.
    entries = [e for e in sb.journal_entries("demo-as") if key("bergen-bryggen", DAY1) in (e.get("description") or "")]
    assert len(entries) == 1
    assert sum(line["amount"] for line in entries[0]["lines"] if line["account"] == "1580") == 25000
    assert len(sb.attachments("demo-as")) == 1
    before = oslo_waiting()
    rows = status_rows(ws)
    assert rows["bergen-bryggen"]["waiting"] == [] and rows["bergen-bryggen"]["last_settled"] == DAY2.isoformat()
    assert len(rows["oslo-sentrum"]["waiting"]) in {before, oslo_waiting()}, "without its webshop data, oslo-sentrum posts nothing"

    assert serve.http("/healthz") == (200, "ok\n")
    code, body = serve.http("/readyz")
    assert code == 200 and json.loads(body)["ready"] is True
    before = oslo_waiting()
    code, text = serve.http("/metrics")
    after = oslo_waiting()
    assert code == 200
    assert metric(text, "settlement_fiken_requests_total", method="POST", status="201") == 2  # entry + attachment
    assert metric(text, "settlement_fiken_requests_total", method="GET", status="200") >= 1
    assert metric(text, "settlement_fiken_request_seconds_count") == len(sb.requests)
    assert metric(text, "settlement_fiken_request_seconds_bucket", le="+Inf") == len(sb.requests)
    assert metric(text, "settlement_imports_total", vendor="bergen-bryggen", source="csv", outcome="imported") == 1
    assert metric(text, "settlement_imports_total", vendor="bergen-bryggen", source="csv", outcome="failed") == 1
    assert metric(text, "settlement_imports_total", vendor="oslo-sentrum", source="woocommerce", outcome="failed") == 1
    last = datetime(DAY2.year, DAY2.month, DAY2.day, tzinfo=ZoneInfo("UTC")).timestamp()
    assert metric(text, "settlement_vendor_last_settled_day_timestamp_seconds", vendor="bergen-bryggen") == last
    assert metric(text, "settlement_vendor_days_waiting", vendor="bergen-bryggen") == 0
    assert metric(text, "settlement_vendor_days_waiting", vendor="oslo-sentrum") in {before, after}
    assert metric(text, "settlement_vendor_days_blocked", vendor="bergen-bryggen") == 0
    assert metric(text, "settlement_postings_total", vendor="bergen-bryggen", status="documented") == 1
    assert metric(text, "settlement_postings_total", vendor="bergen-bryggen", status="empty") == 2

    assert serve.stop() == 0
    assert not (ws.path / "data/settlement-serve.pid").exists()
    # JSON lines, each a full object; posting lines name vendor, day and key; no secret anywhere.
    records = [json.loads(line) for line in serve.log.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    posted = [r for r in records if r.get("day") == DAY1.isoformat()]
    assert posted and all(r["vendor"] == "bergen-bryggen" and r["key"] == key("bergen-bryggen", DAY1) for r in posted)
    assert any(r["message"].startswith("documented") for r in posted)
    assert all({"vendor", "day", "key"} <= set(r) for r in records if r["message"].startswith(("documented", "empty")))
    assert sb.personal_token not in serve.log
    assert records[-1]["message"] == "stopped"


def test_sigterm_finishes_the_posting_in_flight_records_it_and_exits_0(serve_ws):
    ws, sb = serve_ws, serve_ws.sandbox
    # Six days of sales (bergen-bryggen from DAY1 - 5 on, no closed days): a stop always finds days
    # not begun, whichever day is in flight when SIGTERM comes.
    first = DAY1 - timedelta(days=5)
    days = [first + timedelta(days=n) for n in range(6)]
    toml = vendors_toml().replace(f"closed_dates = [{START.isoformat()}, {DAY2.isoformat()}]\n", "")
    ws.write("vendors.toml", toml.replace(f'name = "Bergen Bryggen"\nclosing_time = "20:00"\nenabled_since = {START}',
                                          f'name = "Bergen Bryggen"\nclosing_time = "20:00"\nenabled_since = {first}'))
    ws.write("drop/bergen/six-days.csv", "".join(receipts_csv(day, prefix=f"D{n}").split("\n", 1)[1] if n else
                                                 receipts_csv(day, prefix="D0") for n, day in enumerate(days)))
    sb.faults.latency(0.8)  # every Fiken request takes a while: there is time to stop mid-way
    serve = ws.start()
    deadline = time.monotonic() + 60
    while not sb.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sb.requests, serve.log
    assert serve.stop(signal.SIGTERM) == 0
    assert "stopping: finishing the posting in flight" in serve.log
    states = {d["date"]: d["status"] for d in status_rows(ws)["bergen-bryggen"]["days"]}
    done = [day for day in days if day.isoformat() in states]
    # The days begun were finished: posted with their reports attached, nothing left `posting`;
    # the days after them wait for the next start.
    assert done == days[:len(done)] and 1 <= len(done) < len(days), (states, serve.log)
    assert all(states[day.isoformat()] == "documented" for day in done), states
    assert len(sb.journal_entries("demo-as")) == len(done) == len(sb.attachments("demo-as"))

    sb.faults.clear()
    again = ws.start()
    again.wait_for(r"vendor=bergen-bryggen run done")
    assert again.stop() == 0
    descriptions = [e.get("description") or "" for e in sb.journal_entries("demo-as")]
    assert [sum(key("bergen-bryggen", day) in d for d in descriptions) for day in days] == [1] * 6
    assert len(sb.attachments("demo-as")) == 6
    assert sb.overlaps() == []


def test_a_restart_logs_only_what_changed_not_every_settled_day(serve_ws):
    """The second start-up run finds every day settled: one summary line per vendor, no line per day."""
    ws = serve_ws
    ws.write("drop/bergen/day1.csv", receipts_csv(DAY1, receipts=1))
    first = ws.start()
    first.wait_for(r"vendor=bergen-bryggen run done")
    first.wait_for(r"vendor=oslo-sentrum run done")
    assert first.stop() == 0
    assert re.search(r"day=\S+ key=\S+ documented", first.log), "the first run logs the day it posted"
    second = ws.start()
    second.wait_for(r"vendor=bergen-bryggen run done: 3 day\(s\) checked")
    second.wait_for(r"vendor=oslo-sentrum run done")
    assert second.stop() == 0
    assert "already settled" not in second.log
    assert not re.search(r"day=\S+ key=\S+ (documented|empty)", second.log), second.log
