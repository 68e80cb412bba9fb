"""Benchmark: requests per vendor-day and wall time for each ledger, and two credentials against one.

For every ledger (Fiken, Tripletex, PowerOffice Go) it settles N vendor-days (default 200: 100
stores × 2 days; --days-per-store 50 makes it 4 stores × 50 days, a long catch-up) through the same library functions as `settlement catch-up` against that ledger's
sandbox, keeping the ledger's own rate rule, and prints the requests per vendor-day, the wall time,
and the floor the rate rule sets (requests / allowed rate). Then the same Fiken run with the stores
split over two credentials (two companies, two tokens): since each credential has its own pacing
and catch-up settles credentials at the same time, the wall time should be about half of one.

    .venv/bin/python bench/ledgers.py [--vendor-days 200] [--days-per-store 2] [--only fiken,tripletex,poweroffice,fiken-2]

The rates: Fiken 4 requests a second per token (the sandbox slows callers above it), Tripletex the
client's own SETTLEMENT_TRIPLETEX_REQUESTS_PER_SECOND (5; Tripletex publishes no number),
PowerOffice 10 a second per subscription key (the sandbox answers 429 above it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from settlement.fiken_sandbox import FikenSandbox  # noqa: E402
from settlement.posting.catchup import catch_up  # noqa: E402
from settlement.poweroffice_sandbox import PowerOfficeSandbox  # noqa: E402
from settlement.settings import Settings  # noqa: E402
from settlement.sources.generic_csv import CsvSource  # noqa: E402
from settlement.sources.importing import import_file  # noqa: E402
from settlement.tripletex_sandbox import TripletexSandbox  # noqa: E402
from settlement.wiring import App, posting_context  # noqa: E402

FIRST = date(2026, 9, 1)  # early enough that 50 days per store have closed
RATES = {"fiken": 4, "tripletex": 5, "poweroffice": 10}


def _receipts(store: int, days: list[date]) -> str:
    rows = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for day in days:
        for n in range(10):
            gross = 1000 + 37 * n + store
            vat = gross * 25 // 125
            amount = f"{gross // 100},{gross % 100:02d}"
            receipt = f"R{store}-{day:%m%d}-{n}"
            rows.append(f"{receipt};{day}T{9 + n % 10:02d}:15:00;sale;high;3;{amount};{vat // 100},{vat % 100:02d}")
            rows.append(f"{receipt};{day}T{9 + n % 10:02d}:15:00;payment;{('card', 'vipps', 'cash')[n % 3]};;{amount};")
    return "\n".join(rows) + "\n"


def _settings_of(lines: list[str]) -> dict[str, str]:
    return {k.removeprefix("SETTLEMENT_").lower(): v for k, v in (line.split("=", 1) for line in lines)}


def run(ledger: str, vendor_days: int, credentials: int = 1, days_per_store: int = 2) -> dict:
    """Settle `vendor_days` on `ledger` (stores split over `credentials` companies); the figures."""
    stores = max(vendor_days // days_per_store, 1)
    days = [FIRST + timedelta(days=n) for n in range(days_per_store)]
    work = Path(tempfile.mkdtemp(prefix=f"bench-{ledger}-"))
    if ledger == "fiken":
        sandbox = FikenSandbox.start(port=0, max_seconds=3600, rate_limit_per_second=RATES["fiken"])
        settings = {"fiken_base_url": sandbox.base_url, "fiken_token": sandbox.personal_token}
        extra_env = {"SETTLEMENT_FIKEN_SECOND_TOKEN": sandbox.other_personal_token}
        companies = ["demo-as", "annen-bruker-as"]
    elif ledger == "tripletex":
        sandbox = TripletexSandbox.start(port=0, max_seconds=3600, rate_limit=None)
        settings, extra_env = _settings_of(sandbox.settings_lines(0)), {}
    else:
        sandbox = PowerOfficeSandbox.start(port=0, max_seconds=3600, rate_limit_per_second=RATES["poweroffice"])
        settings, extra_env = _settings_of(sandbox.settings_lines(0)), {}
    import os

    saved = dict(os.environ)
    os.environ.update(extra_env)
    try:
        shutil.copytree(ROOT / "chart_of_accounts", work / "chart_of_accounts")
        toml = []
        for n in range(stores):
            second = credentials > 1 and n % 2 == 1
            keys = (f'fiken_company = "{companies[1 if second else 0]}"' + ('\ncredential = "second"' if second else "")
                    if ledger == "fiken" else f'ledger = "{ledger}"')
            toml.append(f'[[vendors]]\nid = "store-{n:03d}"\nname = "Store {n}"\nclosing_time = "20:00"\n'
                        f'enabled_since = {FIRST}\n{keys}\n')
        (work / "vendors.toml").write_text("\n".join(toml), encoding="utf-8")
        app = App.load(Settings(database_url=f"sqlite:///{work / 'settlement.db'}",
                                chart_of_accounts=work / "chart_of_accounts", vendors=work / "vendors.toml",
                                report_dir=work / "reports", **settings)).require_valid()
        for n, vendor in enumerate(app.vendors.values()):
            path = work / f"store-{n:03d}.csv"
            path.write_text(_receipts(n, days), encoding="utf-8")
            outcome = import_file(app.sales, app.vendors, CsvSource(), path, vendor=vendor, line_limit=app.max_line_ore)
            assert not [p for p in outcome.problems if p.is_error], outcome.problems
        started = time.perf_counter()
        outcomes = catch_up(posting_context(app), list(app.vendors.values()), datetime.now(timezone.utc),
                            through=days[-1], group_by=lambda v: (v.ledger, v.credential))
        wall = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
    requests = [r for r in sandbox.requests if "token" not in r.path.lower()]
    statuses = Counter(o.status for o in outcomes)
    # The floor: each credential's requests at its rate, credentials in parallel (PowerOffice's
    # rate is per subscription key, which every client shares).
    per_credential = Counter(r.token for r in requests)
    floor = max(per_credential.values(), default=0) / RATES[ledger] or float("nan")
    return {"ledger": ledger + (f" ×{credentials} credentials" if credentials > 1 else ""),
            "vendor_days": len(outcomes), "documented": statuses.get("documented", 0), "requests": len(requests),
            "per_day": len(requests) / max(len(outcomes), 1), "wall": wall, "floor": floor,
            "kinds": Counter(f"{r.method} {_shape(r.path)}" for r in requests),
            "status429": sum(r.status == 429 for r in requests)}


def _shape(path: str) -> str:
    """A request path with its ids taken out, to count requests by kind."""
    parts = [("{id}" if p.isdigit() or len(p) == 36 and p.count("-") == 4 else p) for p in path.split("/")]
    return "/".join(parts[-3:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor-days", type=int, default=200)
    parser.add_argument("--days-per-store", type=int, default=2)
    parser.add_argument("--only", default="fiken,tripletex,poweroffice,fiken-2")
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        ledger, _, count = name.partition("-")
        rows.append(run(ledger, args.vendor_days, int(count or 1), args.days_per_store))
        row = rows[-1]
        print(f"{row['ledger']}: {row['documented']}/{row['vendor_days']} documented, {row['requests']} requests "
              f"({row['per_day']:.2f} per vendor-day), {row['status429']} answered 429, wall {row['wall']:.1f} s, "
              f"floor {row['floor']:.1f} s (ratio {row['wall'] / row['floor']:.2f})", flush=True)
        for kind, count in sorted(row["kinds"].items()):
            print(f"    {kind:<44} {count}")
    print()
    print(f"{'ledger':<28} {'vendor-days':>11} {'req/day':>8} {'wall s':>8} {'floor s':>8} {'wall/floor':>10}")
    for row in rows:
        print(f"{row['ledger']:<28} {row['vendor_days']:>11} {row['per_day']:>8.2f} {row['wall']:>8.1f} "
              f"{row['floor']:>8.1f} {row['wall'] / row['floor']:>10.2f}")
    one = next((r for r in rows if r["ledger"] == "fiken"), None)
    two = next((r for r in rows if r["ledger"].startswith("fiken ×2")), None)
    if one and two:
        print(f"\ntwo Fiken credentials: wall {two['wall']:.1f} s against {one['wall']:.1f} s with one "
              f"({two['wall'] / one['wall']:.2f} of it; goal about 0.5)")
    return 0 if all(r["documented"] == r["vendor_days"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
