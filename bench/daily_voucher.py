"""Benchmark: one business day of 1,000,000 receipt lines and payments over 100 vendors.

Generates generic receipt CSV files (one per vendor), imports them through the same functions as
`settlement import sales`, then builds every vendor's voucher as `settlement preview` does. Each
phase runs in its own process so its peak memory (max RSS) is its own.

    .venv/bin/python bench/daily_voucher.py [--lines 1000000] [--vendors 100]

Targets (2-core machine): aggregation under 2 s, import under 60 s, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 2)
GROUPS = [("high", "3", 25), ("food", "31", 15), ("low", "33", 12)]
METHODS = ["cash", "card", "vipps", "klarna", "giftcard"]


def _vendors_toml(count: int) -> str:
    return "".join(
        f'[[vendors]]\nid = "store-{n:03d}"\nname = "Store {n}"\nclosing_time = "22:00"\n'
        f'enabled_since = 2026-11-01\nfiken_company = "demo-as"\n\n'
        for n in range(count)
    )


def generate(folder: Path, lines: int, vendors: int) -> None:
    """Write vendors.toml and one CSV per vendor; about 4 lines per receipt (3 sales + 1 payment)."""
    rng = random.Random(42)
    (folder / "vendors.toml").write_text(_vendors_toml(vendors), encoding="utf-8")
    per_vendor = lines // vendors
    for n in range(vendors):
        out = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
        receipt = 0
        while len(out) - 1 < per_vendor:
            receipt += 1
            minute = receipt % 600
            ts = f"2026-11-02T{8 + minute // 60:02d}:{minute % 60:02d}:00"
            total = 0
            for _ in range(min(3, per_vendor - (len(out) - 1) - 1) or 1):
                code, vat_code, pct = rng.choice(GROUPS)
                gross = rng.randint(100, 100_000)
                vat = gross * pct // (100 + pct)
                out.append(f"R{receipt};{ts};sale;{code};{vat_code};{gross // 100},{gross % 100:02d};{vat // 100},{vat % 100:02d}")
                total += gross
            out.append(f"R{receipt};{ts};payment;{rng.choice(METHODS)};;{total // 100},{total % 100:02d};")
        (folder / f"store-{n:03d}.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def _app(folder: Path):
    from settlement.wiring import App
    from settlement.settings import Settings

    return App.load(
        Settings(
            database_url=f"sqlite:///{folder / 'bench.db'}",
            chart_of_accounts=ROOT / "chart_of_accounts",
            vendors=folder / "vendors.toml",
        )
    ).require_valid()


def phase_import(folder: Path) -> None:
    from settlement.domain.csvfile import decode
    from settlement.sources.generic_csv import SOURCE, parse_sales_csv

    app = _app(folder)
    app.engine  # create the schema outside the timing
    started = time.perf_counter()
    total = 0
    for vendor in app.vendors.values():
        path = folder / f"{vendor.id}.csv"
        lines, problems = parse_sales_csv(decode(path.read_bytes()), str(path), vendor)
        assert not [p for p in problems if p.is_error], problems[:3]
        total += app.sales.replace_receipts(vendor.id, SOURCE, lines).lines
    elapsed = time.perf_counter() - started
    print(f"import:      {total:>9,} lines in {elapsed:6.2f} s ({total / elapsed:,.0f} lines/s), "
          f"peak memory {_peak_mb():,.0f} MB")


def phase_aggregate(folder: Path) -> None:

    app = _app(folder)
    app.engine
    started = time.perf_counter()
    vouchers = [app.voucher(vendor_id, DAY) for vendor_id in app.vendors]
    elapsed = time.perf_counter() - started
    assert all(v.total_debit == v.total_credit and not v.blocked for v in vouchers)
    lines = sum(line.lines for v in vouchers for line in v.lines)
    print(f"aggregation: {len(vouchers)} vouchers from {lines:,} lines in {elapsed:6.2f} s, "
          f"peak memory {_peak_mb():,.0f} MB")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=100)
    parser.add_argument("--phase", choices=["import", "aggregate"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "import":
        return phase_import(args.folder)
    if args.phase == "aggregate":
        return phase_aggregate(args.folder)
    with tempfile.TemporaryDirectory(prefix="settlement-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(folder, args.lines, args.vendors)
        print(f"generated {args.lines:,} lines for {args.vendors} vendors in {time.perf_counter() - started:.1f} s")
        for phase in ("import", "aggregate"):
            subprocess.run([sys.executable, __file__, "--phase", phase, "--folder", str(folder)], check=True)


if __name__ == "__main__":
    main()
