"""Vendor claims across processes on a real PostgreSQL server (advisory locks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from settlement.posting.claims import AdvisoryClaims, claims_for
from settlement.posting.settle import no_claim
from settlement.store import open_engine

# Claims a vendor, says so, and holds it until killed or told to stop (a bounded wait).
HOLDER = """
import sys
from settlement.posting.claims import AdvisoryClaims
from settlement.store import open_engine
claims = AdvisoryClaims(open_engine(sys.argv[1]))
with claims(sys.argv[2]) as claimed:
    print("claimed" if claimed else "refused", flush=True)
    sys.stdin.readline()  # hold until the test writes a line, closes stdin or kills this process
"""


def _holder(url: str, vendor: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, vendor], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line == "claimed", proc.stderr.read() if proc.poll() is not None else line
    return proc


def test_only_one_process_gets_a_vendor_until_it_lets_go(pg_url):
    claims = AdvisoryClaims(open_engine(pg_url))
    holder = _holder(pg_url, "oslo-sentrum")
    try:
        with claims("oslo-sentrum") as claimed:
            assert claimed is False
        with claims("bergen-bryggen") as claimed:
            assert claimed is True, "a claim on one vendor leaves the others free"
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
        with claims("oslo-sentrum") as claimed:
            assert claimed is True
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_killed_replica_releases_its_claim(pg_url):
    claims = AdvisoryClaims(open_engine(pg_url))
    holder = _holder(pg_url, "oslo-sentrum")
    with claims("oslo-sentrum") as claimed:
        assert claimed is False
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    # PostgreSQL notices the dropped connection and ends the session; the lock goes with it.
    for _ in range(100):
        with claims("oslo-sentrum") as claimed:
            if claimed:
                break
        time.sleep(0.1)
    assert claimed is True


def test_a_claim_is_released_when_the_work_ends_even_on_error(pg_url):
    engine = open_engine(pg_url)
    claims = AdvisoryClaims(engine)
    try:
        with claims("oslo-sentrum") as claimed:
            assert claimed
            raise RuntimeError("the settle loop failed")
    except RuntimeError:
        pass
    holder = _holder(pg_url, "oslo-sentrum")  # another process can take it at once
    holder.kill()
    holder.wait(timeout=30)


def test_two_claims_in_one_process_do_not_share_the_lock(pg_url):
    claims = AdvisoryClaims(open_engine(pg_url))
    with claims("oslo-sentrum") as first:
        with claims("oslo-sentrum") as second:
            assert (first, second) == (True, False)


def test_sqlite_claims_are_file_locks_and_in_memory_needs_none(tmp_path):
    from settlement.posting.claims import FileClaims

    claims = claims_for(open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    assert isinstance(claims, FileClaims) and claims.folder == (tmp_path / "db.sqlite.locks").resolve()
    assert claims_for(open_engine("sqlite:///:memory:")) is no_claim
