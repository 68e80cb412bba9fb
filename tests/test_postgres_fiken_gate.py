"""Fiken's one-request-at-a-time and 4-per-second rules across processes (PostgreSQL advisory lock)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from settlement.targets.pacing import LocalGate
from settlement.store.pacing import SharedGate, credential_hash
from settlement.wiring import gate_for, gate_from_settings
from settlement.settings import Settings
from settlement.store import open_engine

# One "replica": a client built from settings (as every command builds it) sending N reads.
CLIENT = """
import sys, time
from settlement.wiring import fiken_client
from settlement.settings import Settings
settings = Settings(database_url=sys.argv[1], fiken_base_url=sys.argv[2], fiken_token=sys.argv[3])
client = fiken_client(settings)
time.sleep(max(0.0, float(sys.argv[5]) - time.time()))
for _ in range(int(sys.argv[4])):
    client.companies()
"""


def _replicas(database_url: str, sandbox, count: int, requests_each: int) -> None:
    at = time.time() + 2.0
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, database_url, sandbox.base_url, sandbox.personal_token,
                               str(requests_each), str(at)], stderr=subprocess.PIPE, text=True) for _ in range(count)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


def _max_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


def test_three_replicas_never_overlap_and_keep_to_four_per_second(pg_url, fiken_sandbox):
    fiken_sandbox.config.rate_limit_per_second = None  # measure our own pacing, not the sandbox's
    fiken_sandbox.faults.latency(0.05)  # each request stays in flight long enough to be collided with
    _replicas(pg_url, fiken_sandbox, count=3, requests_each=6)
    seen = [r for r in fiken_sandbox.requests if r.token == fiken_sandbox.personal_token]
    assert len(seen) == 18 and all(r.status == 200 for r in seen)
    assert fiken_sandbox.overlaps() == []
    assert _max_in_one_second([r.arrived for r in seen]) <= 4


def test_without_the_shared_gate_replicas_do_collide(tmp_path, fiken_sandbox):
    # The same three processes each on an in-memory SQLite (no shared gate): the sandbox sees them
    # overlap, which is exactly what the PostgreSQL gate above (and the SQLite file gate) prevents.
    fiken_sandbox.config.rate_limit_per_second = None
    fiken_sandbox.faults.latency(0.05)
    _replicas("sqlite:///:memory:", fiken_sandbox, count=3, requests_each=6)
    assert fiken_sandbox.overlaps() or any(r.status == 429 for r in fiken_sandbox.requests)


def test_pacing_row_names_the_credential_only_by_a_hash(pg_url, fiken_sandbox):
    _replicas(pg_url, fiken_sandbox, count=1, requests_each=2)
    engine = open_engine(pg_url)
    with engine.connect() as c:
        rows = c.exec_driver_sql("SELECT credential, starts FROM fiken_pacing").all()
    assert [r[0] for r in rows] == [credential_hash("personal:" + fiken_sandbox.personal_token)]
    assert fiken_sandbox.personal_token not in str(rows)


def test_a_dead_replica_does_not_hold_the_gate(pg_url):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom settlement.wiring import gate_for\n"
        "gate = gate_for(sys.argv[1], 'personal:abc')\n"
        "with gate.slot():\n    print('in', flush=True)\n    sys.stdin.readline()\n"), pg_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "in", holder.stderr.read()
        gate = gate_for(pg_url, "personal:abc")
        assert isinstance(gate, SharedGate)
        holder.kill()
        holder.wait(timeout=30)
        started = time.monotonic()
        with gate.slot():
            pass
        assert time.monotonic() - started < 10
        gate.close()
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_the_gate_is_a_lock_file_on_sqlite_and_local_in_memory(tmp_path):
    from settlement.store.pacing import FileGate

    sqlite = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert isinstance(gate_for(sqlite, "personal:abc"), FileGate)
    assert isinstance(gate_from_settings(Settings(database_url=sqlite, fiken_token="abc")), FileGate)
    assert isinstance(gate_for("sqlite:///:memory:", "personal:abc"), LocalGate)
    assert gate_from_settings(Settings(database_url="sqlite:///:memory:", fiken_token="abc")) is None


@pytest.mark.parametrize(("starts", "now", "wait"), [
    ([], 10.0, 0.0),
    ([9.0, 9.2, 9.4], 10.0, 0.0),
    ([9.5, 9.6, 9.7, 9.8], 10.0, 0.5),
    ([8.0, 9.5, 9.6, 9.7, 9.8], 10.0, 0.5),  # only the last four count
    ([8.0, 8.1, 8.2, 8.3], 10.0, 0.0),
])
def test_delay_keeps_any_one_second_window_to_four_starts(starts, now, wait, pg_url):
    gate = SharedGate(open_engine(pg_url), "personal:abc")
    assert gate.delay(starts, now) == pytest.approx(wait)
