"""Benchmark: posting 200 vendors × 1 day to the Fiken sandbox, with Fiken's pacing.

Imports a small day of receipts for every vendor, then runs catch-up through the same library
functions as `settlement catch-up`, against the sandbox enforcing Fiken's rules (one request in
flight per token, slowed above 4 requests a second). Prints the Fiken requests per vendor-day
(target: at most 3 in the normal path: post, read back the ids, attach) and the wall time against
the floor that 4 requests a second sets.

    .venv/bin/python bench/posting.py [--vendors 200]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from settlement.wiring import App  # noqa: E402
from settlement.cli.posting import posting_context  # noqa: E402
from settlement.fiken_sandbox import FikenSandbox  # noqa: E402
from settlement.posting.catchup import catch_up  # noqa: E402
from settlement.settings import Settings  # noqa: E402
from settlement.sources.generic_csv import SOURCE, parse_sales_csv  # noqa: E402

DAY = date(2026, 11, 2)
RATE = 4  # Fiken: requests a second before it slows a caller


def _receipts(vendor: int) -> str:
    rows = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for n in range(20):
        gross = 1000 + 37 * n + vendor
        vat = gross * 25 // 125
        method = ("card", "vipps", "cash")[n % 3]
        amount = f"{gross // 100},{gross % 100:02d}"
        rows.append(f"R{vendor}-{n};{DAY}T{9 + n % 10:02d}:15:00;sale;high;3;{amount};{vat // 100},{vat % 100:02d}")
        rows.append(f"R{vendor}-{n};{DAY}T{9 + n % 10:02d}:15:00;payment;{method};;{amount};")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-posting-"))
    sandbox = FikenSandbox.start(port=0, max_seconds=3600, rate_limit_per_second=RATE)
    try:
        shutil.copytree(ROOT / "chart_of_accounts", work / "chart_of_accounts")
        (work / "vendors.toml").write_text("".join(
            f'[[vendors]]\nid = "store-{n:03d}"\nname = "Store {n}"\nclosing_time = "20:00"\n'
            f'enabled_since = {DAY}\nfiken_company = "demo-as"\n\n' for n in range(args.vendors)), encoding="utf-8")
        settings = Settings(
            database_url=f"sqlite:///{work / 'settlement.db'}", chart_of_accounts=work / "chart_of_accounts",
            vendors=work / "vendors.toml", report_dir=work / "reports",
            fiken_base_url=sandbox.base_url, fiken_token=sandbox.personal_token,
        )
        app = App.load(settings).require_valid()
        for n, vendor in enumerate(app.vendors.values()):
            lines, problems = parse_sales_csv(_receipts(n), f"store-{n:03d}.csv", vendor)
            assert not [p for p in problems if p.is_error], problems
            app.sales.replace_receipts(vendor.id, SOURCE, lines)

        latencies: list[float] = []
        last = [time.perf_counter()]

        def timed(outcome) -> None:
            now = time.perf_counter()
            latencies.append(now - last[0])
            last[0] = now

        started = time.perf_counter()
        last[0] = started
        outcomes = catch_up(posting_context(app), list(app.vendors.values()), datetime.now(timezone.utc),
                            on_outcome=timed, through=DAY)
        wall = time.perf_counter() - started
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)

    statuses = Counter(o.status for o in outcomes)
    requests = sandbox.requests
    kinds = Counter(f"{r.method} {r.path.rsplit('/', 1)[-1] if not r.path.rsplit('/', 1)[-1].isdigit() else r.path.rsplit('/', 2)[-2]}"
                    for r in requests)
    floor = len(requests) / RATE
    print(f"vendor-days: {len(outcomes)} ({dict(statuses)})")
    print(f"Fiken requests: {len(requests)} = {len(requests) / len(outcomes):.2f} per vendor-day (target ≤ 3)")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<32} {count}")
    print(f"overlapping requests seen by the sandbox: {len(sandbox.overlaps())}")
    print(f"wall time: {wall:.1f} s; floor at {RATE} requests/s: {floor:.1f} s; ratio {wall / floor:.2f}")
    print(f"requests per second: {len(requests) / wall:.2f}")
    print(f"per vendor-day: median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s")
    return 0 if statuses.get("documented") == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
