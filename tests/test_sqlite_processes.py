"""Several `settlement` processes on one SQLite database: claims and the Fiken gate across processes.

Two or three `catch-up` processes at once, and `serve` plus a manual `catch-up`, against the Fiken
sandbox with latency: every vendor-day is in Fiken exactly once with one attachment, the sandbox
never sees two requests of the token at once (it would answer 429) nor more than four starts in a
second, and no process prints a traceback. A vendor claimed by a live process is named with its
holder (exit 5); a claim left by a process killed with SIGKILL is taken over at once. A vendor whose
settling raises (429s during the recovery lookup) stops only itself. `run`, `catch-up` and `serve`
without a Fiken credential (after `disconnect`) say so plainly (exit 4), without a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.fixtures_posting import live_keys

from settlement.fiken_sandbox import FikenSandbox
from settlement.posting.claims import FileClaims
from tests.fixtures_pg import chain_days, write_chain
from tests.test_fiken_client_connect import connect_by_paste, oauth_ws  # noqa: F401 (a fixture)
from tests.test_serve import Serve

KEY_PREFIX = "[settlement:"
EXIT_CREDENTIAL, EXIT_CLAIMED = 4, 5


@pytest.fixture
def chain_ws(workspace, fiken_contract):
    """A workspace with a chain of 4 stores × 2 closed days of receipts imported, and a sandbox that
    holds every request 50 ms (so requests of different processes would overlap if they could)."""
    sandbox = FikenSandbox.start(port=0, max_seconds=300)
    sandbox.faults.latency(0.05)
    workspace.extra_env.update(SETTLEMENT_FIKEN_TOKEN=sandbox.personal_token, SETTLEMENT_FIKEN_BASE_URL=sandbox.base_url)
    workspace.sandbox = sandbox
    days = chain_days(datetime.now(timezone.utc), count=2)
    files = write_chain(workspace.path, 4, days)
    for vendor, path in files.items():
        status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", vendor)
        assert status == 0, out + err
    workspace.expected = {(v, d.isoformat()) for v in files for d in days}
    workspace.vendors = list(files)
    workspace.days = days
    started: list[subprocess.Popen] = []
    workspace.started = started
    try:
        yield workspace
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        sandbox.stop()
    fiken_contract.assert_sandbox(sandbox)


def start(ws, *args: str, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`settlement ARGS` as a background process; its stdout and stderr go to NAME.out/NAME.err."""
    out, err = (ws.path / f"{name}.out").open("wb"), (ws.path / f"{name}.err").open("wb")
    try:
        proc = subprocess.Popen([sys.executable, "-m", "settlement", *args], cwd=ws.path, env={**ws.env, **(env or {})},
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    finally:
        out.close()
        err.close()
    ws.started.append(proc)
    return proc


def output(ws, name: str) -> tuple[str, str]:
    return (ws.path / f"{name}.out").read_text(errors="replace"), (ws.path / f"{name}.err").read_text(errors="replace")


def statuses(ws) -> dict[tuple[str, str], str]:
    with sqlite3.connect(ws.path / "data" / "settlement.db") as db:
        return {(v, d): s for v, d, s in db.execute("SELECT vendor, business_day, status FROM settlement_day")}


def assert_exactly_once(ws) -> None:
    """Every vendor-day documented, one live entry per key, one attachment per entry, and Fiken's
    rules kept: no overlapping requests, no 429, at most 4 request arrivals in any second."""
    sb = ws.sandbox
    keys = live_keys(sb)
    wanted = {f"[settlement:{v}:{d}:v1]" for v, d in ws.expected}
    assert set(keys) == wanted, f"missing {wanted - set(keys)}, unexpected {set(keys) - wanted}"
    assert [k for k, n in keys.items() if n != 1] == [], "a vendor-day was posted more than once"
    entries = {e["journalEntryId"] for e in sb.journal_entries("demo-as") if KEY_PREFIX in (e.get("description") or "")}
    owners = Counter(owner for kind, owner, _name, _data in sb.attachments("demo-as"))
    assert set(owners) == entries and set(owners.values()) == {1}, f"attachments per entry: {owners}"
    assert all(statuses(ws).get(k) == "documented" for k in ws.expected), statuses(ws)
    assert sb.overlaps() == [], "Fiken saw two requests of the token at the same time"
    assert [r for r in sb.requests if r.status == 429] == [], "the sandbox refused a request"
    arrivals = sorted(r.arrived for r in sb.requests if r.token)
    bursts = [round(arrivals[i + 4] - arrivals[i], 3) for i in range(len(arrivals) - 4) if arrivals[i + 4] - arrivals[i] < 0.98]
    assert bursts == [], f"more than 4 requests started within a second: {bursts}"


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text


@pytest.mark.parametrize("processes", [2, 3])
def test_simultaneous_catch_ups_settle_every_day_exactly_once(chain_ws, processes):
    ws = chain_ws
    procs = [start(ws, "catch-up", name=f"catch-up-{i}") for i in range(processes)]
    codes = [proc.wait(timeout=120) for proc in procs]
    outs = [output(ws, f"catch-up-{i}") for i in range(processes)]
    assert_no_traceback(*(out + err for out, err in outs))
    # 0, or 5 when a vendor was still being settled by another run at the end (it said by whom).
    assert set(codes) <= {0, EXIT_CLAIMED}, outs
    for code, (out, err) in zip(codes, outs):
        if code == EXIT_CLAIMED:
            assert " is being settled by pid " in err and "; skipped" in err, err
    assert_exactly_once(ws)
    # The runs shared the work or waited for each other: each vendor's days were posted by one of them.
    posted = sum(int(out.split(" day(s) checked, ")[1].split(" posted")[0]) for out, _err in outs)
    assert posted == len(ws.expected), outs


def test_serve_plus_a_manual_catch_up_settle_every_day_exactly_once(chain_ws):
    ws = chain_ws
    serve = Serve(ws, env={"SETTLEMENT_SERVE_WORKERS": "2"}, max_seconds=120)
    ws.started.append(serve.proc)
    manual = start(ws, "catch-up", name="manual")
    code = manual.wait(timeout=120)
    out, err = output(ws, "manual")
    assert code in (0, EXIT_CLAIMED), out + err
    deadline = time.monotonic() + 90
    while not all(statuses(ws).get(k) == "documented" for k in ws.expected):
        assert time.monotonic() < deadline, f"not all documented: {statuses(ws)}\n{serve.log}"
        time.sleep(0.3)
    # The catch-up that comes back once serve is done finds everything settled: no request at all.
    before = len(ws.sandbox.requests)
    assert ws.run("catch-up").returncode == 0
    assert len(ws.sandbox.requests) == before
    assert serve.stop() == 0
    assert_no_traceback(out, err, serve.log)
    assert_exactly_once(ws)


HOLD = """
import sys, time
from pathlib import Path
from settlement.posting.claims import FileClaims
with FileClaims(Path(sys.argv[1]))(sys.argv[2]) as claimed:
    print("claimed" if claimed else "refused", flush=True)
    time.sleep(120)
"""


def test_a_claimed_vendor_names_its_holder_and_a_killed_holder_is_taken_over(chain_ws):
    ws = chain_ws
    first, rest = ws.vendors[0], ws.vendors[1:]
    locks = ws.path / "data" / "settlement.db.locks"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(locks), first], cwd=ws.path, env=ws.env,
                              stdout=subprocess.PIPE, text=True)
    ws.started.append(holder)
    assert holder.stdout.readline().strip() == "claimed"

    # `run` on the claimed vendor: says who holds it, sends nothing, exit 5.
    day = ws.days[0].isoformat()
    result = ws.run("run", "--vendor", first, "--date", day)
    assert result.returncode == EXIT_CLAIMED, result.stdout + result.stderr
    assert f"{first} is being settled by pid {holder.pid} on host " in result.stderr
    assert f"; {day} skipped" in result.stderr
    assert [r for r in ws.sandbox.requests if r.method == "POST"] == []
    # `catch-up` settles the others, skips the claimed one (named), exit 5.
    result = ws.run("catch-up")
    assert result.returncode == EXIT_CLAIMED, result.stdout + result.stderr
    assert f"{first} is being settled by pid {holder.pid}" in result.stderr
    assert "1 skipped (being settled by another process)" in result.stdout
    assert {v for v, _d in statuses(ws)} == set(rest)

    # SIGKILL: the kernel drops the lock, the next run takes the vendor over at once.
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=10) == -signal.SIGKILL
    result = ws.run("catch-up")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert_exactly_once(ws)


def test_a_run_killed_mid_posting_leaves_a_claim_the_next_run_takes_over(chain_ws):
    """SIGKILL after Fiken accepted the entry and before the state knew its id, while holding the
    vendor's claim: the next catch-up is not refused and adopts the entry instead of posting again."""
    ws = chain_ws
    vendor, day = ws.vendors[0], ws.days[0].isoformat()
    proc = start(ws, "run", "--vendor", vendor, "--date", day, name="killed", env={"SETTLEMENT_CRASH_AT": "after_send"})
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert statuses(ws)[(vendor, day)] == "posting"
    lock = ws.path / "data" / "settlement.db.locks" / f"claim-{vendor}.lock"
    assert str(proc.pid) in lock.read_text(), "the dead holder's name stays in the file"
    result = ws.run("catch-up")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stdout + result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert_exactly_once(ws)


def test_a_vendor_whose_settling_raises_does_not_stop_the_next_vendor(chain_ws):
    ws = chain_ws
    first, day = ws.vendors[0], ws.days[0].isoformat()
    # The first vendor's day is left in `posting` (killed before sending), so the next run must look
    # its key up in Fiken first; that lookup meets nothing but 429s.
    proc = start(ws, "run", "--vendor", first, "--date", day, name="killed", env={"SETTLEMENT_CRASH_AT": "before_send"})
    assert proc.wait(timeout=60) == -signal.SIGKILL
    before = len(ws.sandbox.requests)
    ws.sandbox.faults.burst_429(2, retry_after=0)
    ws.extra_env["SETTLEMENT_FIKEN_RETRY_ATTEMPTS"] = "2"
    result = ws.run("catch-up")
    assert result.returncode == 3, result.stdout + result.stderr  # the ledger unavailable: try again later
    assert_no_traceback(result.stdout, result.stderr)
    assert [r.status for r in ws.sandbox.requests[before:before + 2]] == [429, 429]
    assert f"{first}: stopped at {day} (" in result.stdout and "RateLimited" in result.stdout, result.stdout
    assert "1 vendor(s) stopped" in result.stdout
    now = statuses(ws)
    assert now[(first, day)] == "posting", "the day stays where the next run resolves it"
    assert all(now.get((v, d.isoformat())) == "documented" for v in ws.vendors[1:] for d in ws.days)
    status_json = json.loads(ws.run("status", "--json", "--vendor", first).stdout)
    assert "RateLimited" in status_json[0]["blocked"][0]["reason"]

    del ws.extra_env["SETTLEMENT_FIKEN_RETRY_ATTEMPTS"]
    result = ws.run("catch-up")
    assert result.returncode == 0, result.stdout + result.stderr
    keys = live_keys(ws.sandbox)
    assert set(keys.values()) == {1} and len(keys) == len(ws.expected)


def test_run_and_catch_up_after_disconnect_say_so_plainly(oauth_ws):  # noqa: F811
    ws = oauth_ws
    connect_by_paste(ws)
    status, out, err = ws.invoke("disconnect")
    assert status == 0 and "Disconnected" in out
    for args in (("catch-up",), ("run", "--vendor", "oslo-sentrum", "--date", "2026-11-02")):
        result = ws.run(*args)
        assert result.returncode == EXIT_CREDENTIAL, result.stdout + result.stderr
        assert "not connected to Fiken" in result.stderr and "run `settlement connect`" in result.stderr
        assert_no_traceback(result.stdout, result.stderr)
    # Without any credential configured at all.
    for name in ("SETTLEMENT_FIKEN_CLIENT_ID", "SETTLEMENT_FIKEN_CLIENT_SECRET"):
        del ws.extra_env[name]
    result = ws.run("catch-up")
    assert result.returncode == EXIT_CREDENTIAL
    assert "no Fiken credential: set SETTLEMENT_FIKEN_TOKEN" in result.stderr
    assert_no_traceback(result.stdout, result.stderr)


def test_catch_up_with_a_revoked_grant_exits_with_the_credential_status(oauth_ws):  # noqa: F811
    ws = oauth_ws
    token = connect_by_paste(ws)
    ws.write("day.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                        "R1;2026-11-02T12:00:00;sale;high;3;125,00;25,00\nR1;2026-11-02T12:00:00;payment;card;;125,00;\n")
    assert ws.invoke("import", "sales", "day.csv", "--vendor", "oslo-sentrum")[0] == 0
    ws.sandbox.revoke(token["access_token"])
    result = ws.run("catch-up", "--vendor", "oslo-sentrum", "--through", "2026-11-02")
    assert result.returncode == EXIT_CREDENTIAL, result.stdout + result.stderr
    assert "run `settlement connect`" in result.stdout + result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert [e for e in ws.sandbox.journal_entries("demo-as") if KEY_PREFIX in (e.get("description") or "")] == []


def test_serve_after_disconnect_logs_the_reason_without_a_traceback(oauth_ws):  # noqa: F811
    ws = oauth_ws
    ws.extra_env["SETTLEMENT_HTTP_PORT"] = "0"
    serve = Serve(ws, max_seconds=30)
    try:
        serve.wait_for(r"run failed: ReconnectRequired: not connected to Fiken .*run `settlement connect`")
        code, body = serve.http("/readyz")
        assert code == 503 and "not connected to Fiken" in body
    finally:
        assert serve.stop() == 0
    assert_no_traceback(serve.log)


def test_the_lock_folder_is_beside_the_database_whatever_the_working_directory(tmp_path):
    """Two processes that reach the database through different relative paths share one lock."""
    from settlement.store.file_locks import lock_folder

    (tmp_path / "a" / "data").mkdir(parents=True)
    os.symlink(tmp_path / "a", tmp_path / "link")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path / "a")
        here = lock_folder("sqlite:///data/settlement.db?timeout=5")
    finally:
        os.chdir(cwd)
    assert here == (tmp_path / "a" / "data" / "settlement.db.locks").resolve()
    assert lock_folder(f"sqlite:///{tmp_path / 'link' / 'data' / 'settlement.db'}") == here
    assert lock_folder("sqlite:///:memory:") is None and lock_folder("sqlite://") is None
    assert lock_folder("postgresql+psycopg://u@127.0.0.1/db") is None
    claims = FileClaims(here)
    with claims("oslo-sentrum") as first, claims("oslo-sentrum") as second:
        assert (first, second) == (True, False)  # two claims in one process exclude each other too
        assert f"pid {os.getpid()} on host " in claims.holder("oslo-sentrum")
    with claims("oslo-sentrum") as again:
        assert again
    assert claims.holder("oslo-sentrum") == "another process"  # released: the file names nobody


def test_client_processes_on_one_sqlite_file_never_overlap_and_keep_to_four_per_second(tmp_path, fiken_sandbox):
    """Three processes each building a client from settings (as every command does) and sending
    reads at the same moment: the file gate keeps them one at a time and at most 4 a second."""
    from tests.test_postgres_fiken_gate import _max_in_one_second, _replicas

    fiken_sandbox.config.rate_limit_per_second = None  # measure our own pacing, not the sandbox's
    fiken_sandbox.faults.latency(0.05)
    _replicas(f"sqlite:///{tmp_path / 'db.sqlite'}", fiken_sandbox, count=3, requests_each=6)
    seen = [r for r in fiken_sandbox.requests if r.token == fiken_sandbox.personal_token]
    assert len(seen) == 18 and all(r.status == 200 for r in seen)
    assert fiken_sandbox.overlaps() == []
    assert _max_in_one_second([r.arrived for r in seen]) <= 4
    lock = next((tmp_path / "db.sqlite.locks").glob("fiken-*.lock"))
    assert fiken_sandbox.personal_token not in lock.read_text() and len(json.loads(lock.read_text())["ends"]) == 4


def test_a_token_renewed_by_another_process_is_picked_up_not_refreshed_again(oauth_ws, monkeypatch):  # noqa: F811
    """Two processes on one OAuth token file: after one renewed the token (which spends the refresh
    token, Fiken rotates it), the other takes the stored token instead of being told to reconnect."""
    from settlement.settings import Settings
    from settlement.wiring import fiken_token_source

    ws, sb = oauth_ws, oauth_ws.sandbox
    first_token = connect_by_paste(ws)
    for name, value in ws.env.items():
        monkeypatch.setenv(name, value)
    one, other = fiken_token_source(Settings()), fiken_token_source(Settings())  # as two processes build them
    assert one.authorization() == other.authorization() == f"Bearer {first_token['access_token']}"
    sb.expire(first_token["access_token"])
    assert one.refresh(f"Bearer {first_token['access_token']}")
    renewed = json.loads(ws.token_file.read_text())["access_token"]
    assert renewed != first_token["access_token"]
    assert other.refresh(f"Bearer {first_token['access_token']}")
    assert other.authorization() == f"Bearer {renewed}"
    assert len([r for r in sb.requests if r.path == "/oauth/token" and r.body["grant_type"] == "refresh_token"]) == 1
