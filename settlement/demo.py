"""`make demo`: import the bundled sample receipts for two vendors and print their daily vouchers.

Runs on the repository's vendors.toml and chart_of_accounts/ with a fresh database under
data/demo/, so it never touches a real installation's data.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from settlement.app import App
from settlement.cli.common import print_problems
from settlement.cli.preview import render_table
from settlement.csvfile import decode
from settlement.daily import voucher_for_day
from settlement.settings import Settings
from settlement.sources.generic_csv import SOURCE, parse_sales_csv

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    settings = Settings(
        database_url=f"sqlite:///{DEMO_DIR / 'settlement.db'}",
        chart_of_accounts=ROOT / "chart_of_accounts",
        vendors=ROOT / "vendors.toml",
    )
    app = App.load(settings).require_valid()
    status = 0
    for vendor in app.vendors.values():
        sample = ROOT / "samples" / f"{vendor.id}.csv"
        lines, problems = parse_sales_csv(decode(sample.read_bytes()), str(sample.relative_to(ROOT)), vendor)
        print_problems(problems, sys.stdout)
        result = app.sales.replace_receipts(vendor.id, SOURCE, lines)
        print(f"Imported {result.receipts} receipts ({result.lines} lines) for {vendor.name} from {sample.name}")
        for day in app.sales.days_with_sales(vendor.id):
            voucher = voucher_for_day(app, vendor.id, day)
            print()
            print(render_table(voucher, vendor.name))
            status |= int(voucher.blocked)
        print()
    print(f"Demo database: {DEMO_DIR / 'settlement.db'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
