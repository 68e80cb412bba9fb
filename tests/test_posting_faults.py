"""Exactly once under faults: the process killed at every step of a posting, connections dropped
after Fiken committed, 5xx and 429 bursts, a locked database while recording. After recovery the
day is in Fiken once, documented once, and the local state names what Fiken holds."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from settlement.posting.faults import POINTS
from tests.fixtures_posting import fiken_posts, ledger_effect

GOLDEN = Path(__file__).parent / "golden" / "voucher"
VENDOR, DAY, SLUG = "bergen-bryggen", "2026-11-02", "demo-as"
KEY = f"[settlement:{VENDOR}:{DAY}:v1]"


def _prepare(ws) -> None:
    status, out, err = ws.invoke("import", "sales", str(GOLDEN / "normal_day.csv"), "--vendor", VENDOR)
    assert status == 0, out + err


def _live_entries(sb, key: str = KEY) -> list[dict]:
    return [e for e in sb.journal_entries(SLUG)
            if key in (e.get("description") or "") and not e.get("offsetTransactionId")]


def _local_day(ws) -> dict:
    status, out, _ = ws.invoke("status", "--vendor", VENDOR, "--json")
    assert status == 0
    return next(d for d in json.loads(out)[0]["days"] if d["date"] == DAY)


def _assert_posted_exactly_once(ws, sb) -> None:
    entries = _live_entries(sb)
    assert len(entries) == 1, f"{len(entries)} live entries for {KEY}"
    assert [r for r in fiken_posts(sb) if r.path.endswith("generalJournalEntries")], "nothing was posted"
    assert len(sb.attachments(SLUG)) == 1, "the report is attached exactly once"
    day = _local_day(ws)
    assert day["status"] == "documented"
    assert day["journal_entry_id"] == entries[0]["journalEntryId"]
    assert day["transaction_id"] == entries[0]["transactionId"]
    effect = ledger_effect(sb, SLUG, KEY)
    assert effect.get("1901", 0) == 0 and sum(effect.values()) == 0


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_every_step_then_restarted(posting_ws, point):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    ws.extra_env["SETTLEMENT_CRASH_AT"] = point
    killed = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del ws.extra_env["SETTLEMENT_CRASH_AT"]

    restarted = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    _assert_posted_exactly_once(ws, sb)
    status, out, _ = ws.invoke("audit", "--vendor", VENDOR, "--date", DAY)
    actions = [line.split()[4] for line in out.splitlines()]
    if point == "after_send":
        # Fiken had it, we did not know: the restart looked it up and adopted it.
        assert "adopted" in actions and actions.count("sending") == 1
    if point == "after_attach":
        assert actions[-1] == "documented" and "already attached" in out.splitlines()[-1]
    # A third run has nothing to do and asks Fiken nothing.
    before = len(sb.requests)
    assert ws.run("run", "--vendor", VENDOR, "--date", DAY).returncode == 0
    assert len(sb.requests) == before


def test_connection_dropped_after_fiken_committed_the_entry(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    sb.faults.commit_then_drop(1, method="POST", path_contains="generalJournalEntries")
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0, out + err
    _assert_posted_exactly_once(ws, sb)
    status, out, _ = ws.invoke("audit", "--vendor", VENDOR, "--date", DAY)
    assert "unclear" in out and "adopted" in out


def test_connection_dropped_after_the_attachment_was_stored(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    sb.faults.commit_then_drop(1, method="POST", path_contains="attachments")
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0, out + err
    _assert_posted_exactly_once(ws, sb)


def test_server_errors_and_429_bursts_are_ridden_out(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    sb.faults.burst_429(3, retry_after=0).error_rate(0.4, seed=7)
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    sb.faults.clear()
    if status != 0:  # the retries ran out on this seed: the next run must finish the job
        status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0, out + err
    _assert_posted_exactly_once(ws, sb)
    assert any(r.status >= 500 for r in sb.requests) and any(r.status == 429 for r in sb.requests)


def test_fiken_down_leaves_the_day_waiting_and_a_later_run_posts_it(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    sb.faults.error_rate(1.0, statuses=(503,))
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 3, out + err  # the ledger unavailable: try again later (settlement.cli.exit_codes)
    assert _local_day(ws)["status"] == "posting" and not _live_entries(sb)
    sb.faults.clear()
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0, out + err
    _assert_posted_exactly_once(ws, sb)


def test_database_locked_while_recording_the_posting(posting_ws):
    """Fiken accepts the entry, then the local database stays locked longer than we wait for it:
    the process stops without recording the ids. The next run finds the entry by its key."""
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    database = ws.path / "data" / "settlement.db"
    ws.extra_env["SETTLEMENT_DATABASE_URL"] = f"sqlite:///{database}?timeout=1"
    sb.faults.latency(1.5)  # Fiken is slow: time enough to lock the database while it works
    locked = threading.Event()

    def lock_once_sending() -> None:
        reader = sqlite3.connect(database, timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if reader.execute("SELECT 1 FROM audit_log WHERE action = 'sending'").fetchone():
                break
            time.sleep(0.01)
        reader.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(4)
        reader.rollback()
        reader.close()

    locker = threading.Thread(target=lock_once_sending)
    locker.start()
    failed = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    locker.join()
    sb.faults.clear()
    assert locked.is_set()
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "database is locked" in failed.stderr and "Traceback" not in failed.stderr
    assert len(_live_entries(sb)) == 1, "Fiken has the entry; we could not record it"
    assert _local_day(ws)["status"] == "posting"

    del ws.extra_env["SETTLEMENT_DATABASE_URL"]
    restarted = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    _assert_posted_exactly_once(ws, sb)
    status, out, _ = ws.invoke("audit", "--vendor", VENDOR, "--date", DAY)
    assert "adopted" in out


def test_disk_full_while_keeping_the_report(posting_ws):
    """The report cannot be written (the kernel answers ENOSPC, as on a full disk): the day stays
    posted, nothing is attached yet, and the next run attaches the report without posting again."""
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("/dev/full is not available on this system")
    folder = ws.path / "data" / "reports" / VENDOR
    folder.mkdir(parents=True)
    target = folder / f"dagsoppgjor-{VENDOR}-{DAY}-v1.pdf"
    target.symlink_to(full)
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0 and "posted" in out and "No space left on device" in out
    assert len(_live_entries(sb)) == 1 and sb.attachments(SLUG) == []
    assert _local_day(ws)["status"] == "posted"
    status, out, _ = ws.invoke("catch-up", "--vendor", VENDOR, "--dry-run", "--through", DAY)
    assert f"{DAY}: would attach the report to {KEY}" in out

    target.unlink()  # space freed
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", DAY)
    assert status == 0, out + err
    _assert_posted_exactly_once(ws, sb)
    assert target.read_bytes().startswith(b"%PDF")
