"""`make demo`: the whole nightly job on the bundled samples, against a local Fiken sandbox.

It starts the Fiken sandbox on 127.0.0.1, imports the sample receipts of the vendors in the
repository's vendors.toml, settles their first week (catch-up, oldest day first), then shows what a
late receipt does to a posted day (a visible correction), the status table and where the PDF
reports are. Everything lives under data/demo/, so a real installation's data is never touched.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from settlement.wiring import App, app_from, posting_context
from settlement.cli.common import print_problems
from settlement.cli.posting import print_status
from settlement.cli.preview import render_table
from settlement.fiken_sandbox import FikenSandbox
from settlement.posting.catchup import Progress, catch_up, closed_days

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"
WEEK_END = date(2026, 11, 8)  # the samples cover the week of Monday 2 November 2026
LATE_RECEIPT = """receipt_id;timestamp;type;code;vat_code;amount;vat
BB-LATE-1;2026-11-03T19:45:00;sale;high;3;250,00;50,00
BB-LATE-1;2026-11-03T19:45:00;payment;vipps;;250,00;
"""


def _import(app: App, vendor_id: str, path: Path) -> None:
    from settlement.sources.generic_csv import CsvSource
    from settlement.sources.importing import import_file

    vendor = app.vendor(vendor_id)
    outcome = import_file(app.sales, app.vendors, CsvSource(), path, vendor=vendor, line_limit=app.max_line_ore)
    print_problems(outcome.problems, sys.stdout)
    result = outcome.vendors[vendor.id]
    print(f"Imported {result.receipts} receipts ({result.lines} lines) for {vendor.name} from {path.name}")


def _catch_up(app: App, now: datetime) -> None:
    ctx = posting_context(app)
    vendors = list(app.vendors.values())
    progress = Progress(sum(len(closed_days(v, now, WEEK_END)) for v in vendors), sys.stdout)
    for outcome in catch_up(ctx, vendors, now, on_outcome=progress.step, through=WEEK_END):
        if outcome.stops_vendor:
            print(f"  {outcome.vendor} stopped at {outcome.day}: {outcome.message}")


def main(demo_dir: Path = DEMO_DIR) -> int:
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir(parents=True)
    sandbox = FikenSandbox.start(port=0, max_seconds=600)
    try:
        app = app_from(
            database_url=f"sqlite:///{demo_dir / 'settlement.db'}",
            chart_of_accounts=ROOT / "chart_of_accounts",
            vendors=ROOT / "vendors.toml",
            report_dir=demo_dir / "reports",
            fiken_base_url=sandbox.base_url,
            fiken_token=sandbox.personal_token,
        ).require_valid()
        print(f"Fiken sandbox running at {sandbox.base_url} (company demo-as)\n")
        for vendor in app.vendors.values():
            _import(app, vendor.id, ROOT / "samples" / f"{vendor.id}.csv")
        first = next(iter(app.vendors.values()))
        first_day = min(app.sales.days_with_sales(first.id))
        print(f"\nThe daily voucher of {first.name} on {first_day}, as it will be posted:\n")
        print(render_table(app.voucher(first.id, first_day), first.name))

        now = datetime.now(timezone.utc)
        print(f"\nCatch-up: every closed day from enabled_since through {WEEK_END}, oldest first")
        _catch_up(app, now)

        print("\nA late receipt arrives for bergen-bryggen on 2026-11-03; the next run corrects the posted day:")
        late = demo_dir / "late-receipt.csv"
        late.write_text(LATE_RECEIPT, encoding="utf-8")
        _import(app, "bergen-bryggen", late)
        _catch_up(app, now)

        print("\nStatus:")
        print_status(app, list(app.vendors))
        reports = sorted((demo_dir / "reports").rglob("*.pdf"))
        print(f"\nSettlement reports (PDF, also attached in Fiken): {len(reports)} in {demo_dir / 'reports'}")
        for report in reports[:3]:
            print(f"  {report}")
        writes = [r for r in sandbox.requests if r.method in ("POST", "PATCH")]
        print(f"\nFiken sandbox: {len(sandbox.requests)} requests, {len(writes)} of them writes; "
              f"{len(sandbox.journal_entries('demo-as'))} journal entries in demo-as")
        print(f"Demo database: {demo_dir / 'settlement.db'}")
        return 0
    finally:
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
