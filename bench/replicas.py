"""Replicas on PostgreSQL: a chain of stores × 3 days settled by 1 and by 3 `settlement serve` replicas.

Starts a PostgreSQL server from the installed binaries (as tests/fixtures_pg.py does) and the Fiken
sandbox with Fiken's own limits (one request at a time per credential, 4 per second), imports the
chain, then for each replica count settles everything on a fresh database and a fresh sandbox and
prints: wall time, Fiken requests and requests per second, per vendor-day latency (from the first
request of the run until the day was documented), and the floor Fiken's rules set (requests ÷ 4/s).

    .venv/bin/python bench/replicas.py                 # 300 stores × 3 days, 1 and 3 replicas
    .venv/bin/python bench/replicas.py --stores 60 --replicas 3
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from settlement.fiken_sandbox import FikenSandbox  # noqa: E402
from tests.fixtures_pg import (  # noqa: E402
    chain_days, import_chain, query_rows, settlement_env, start_postgres, start_replica, write_chain,
)

PER_SECOND = 4


def documented_times(database_url: str) -> dict[tuple[str, str], datetime]:
    """{(vendor, day): when it was documented} from the audit log."""
    rows = query_rows(database_url, "SELECT vendor, business_day, at FROM audit_log WHERE action = 'documented'")
    return {(v, d.isoformat()): at if at.tzinfo else at.replace(tzinfo=timezone.utc) for v, d, at in rows}


def run(server, work: Path, stores: int, replicas: int, timeout: float) -> dict:
    url = server.url(server.create_database())
    sandbox = FikenSandbox.start(port=0, max_seconds=timeout + 120, rate_limit_per_second=PER_SECOND)
    try:
        env = settlement_env(work, url, SETTLEMENT_FIKEN_TOKEN=sandbox.personal_token,
                             SETTLEMENT_FIKEN_BASE_URL=sandbox.base_url, SETTLEMENT_LOG_LEVEL="WARNING")
        import_chain(files_for(work, stores), env)
        expected = stores * 3
        started = datetime.now(timezone.utc)
        t0 = time.monotonic()
        procs = [start_replica(work, env, i, max_seconds=timeout) for i in range(replicas)]
        try:
            while True:
                done = documented_times(url)
                if len(done) >= expected or time.monotonic() - t0 > timeout:
                    break
                time.sleep(0.5)
            wall = time.monotonic() - t0
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=120)
        api = [r for r in sandbox.requests if r.token == sandbox.personal_token]
        first = min((r.arrived for r in api), default=0.0)
        last = max((r.finished for r in api), default=0.0)
        latencies = sorted((at - started).total_seconds() for at in done.values())
        return {
            "replicas": replicas, "days": len(done), "expected": expected, "wall": wall,
            "requests": len(api), "busy": last - first, "overlaps": len(sandbox.overlaps()),
            "refused": sum(r.status == 429 for r in api),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
            "max": latencies[-1] if latencies else float("nan"),
        }
    finally:
        sandbox.stop()


_files: dict[int, dict] = {}


def files_for(work: Path, stores: int) -> dict:
    if stores not in _files:
        _files[stores] = write_chain(work, stores, chain_days(datetime.now(timezone.utc)))
    return _files[stores]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--timeout", type=float, default=1800, help="give up on one run after this many seconds")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="settlement-pg-"))
    work = Path(tempfile.mkdtemp(prefix="settlement-bench-"))
    shutil.copytree(ROOT / "chart_of_accounts", work / "chart_of_accounts")
    try:
        server = start_postgres(root)
    except BaseException as exc:  # pytest.skip when no server binaries are installed
        print(f"cannot start PostgreSQL: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"{args.stores} stores × 3 days, Fiken sandbox limited to one request at a time and {PER_SECOND}/s")
        print(f"{'replicas':>8} {'days':>9} {'wall s':>8} {'requests':>8} {'req/s':>6} {'floor s':>8} "
              f"{'vs floor':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'overlap':>7} {'429':>4}")
        for count in args.replicas:
            r = run(server, work, args.stores, count, args.timeout)
            floor = r["requests"] / PER_SECOND
            print(f"{r['replicas']:>8} {r['days']:>4}/{r['expected']:<4} {r['wall']:>8.1f} {r['requests']:>8} "
                  f"{r['requests'] / r['wall']:>6.2f} {floor:>8.1f} {r['wall'] / floor:>7.2f}x "
                  f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f} {r['overlaps']:>7} {r['refused']:>4}", flush=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
