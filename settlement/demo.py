"""`make demo`: the whole nightly job on the bundled samples, against local ledger sandboxes.

It starts the Fiken, Tripletex and PowerOffice Go sandboxes on 127.0.0.1, imports the sample receipts
of the vendors in the repository's vendors.toml (on Fiken) and of two more stores, one on Tripletex
and one on PowerOffice Go, settles their first week (catch-up, oldest day first, the three ledgers
at the same time), then shows what a late receipt does to a posted day (a visible correction), the
status table, where each day went and where the PDF reports are. Everything lives under data/demo/,
so a real installation's data is never touched.
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
from settlement.poweroffice_sandbox import PowerOfficeSandbox
from settlement.tripletex_sandbox import TripletexSandbox

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"
# The samples cover Monday 2 to Wednesday 4 November 2026; the stores are closed on Sundays. Thursday
# has no data yet: it shows as missing (an open day without data is never settled as empty).
WEEK_END = date(2026, 11, 5)
# Two more stores, one in each of the other ledgers, selling what bergen-bryggen's sample sells.
OTHER_LEDGERS = """
[[vendors]]
id = "trondheim-torg"
name = "Trondheim Torg"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-01
ledger = "tripletex"
department = "10"
open_days = ["man", "tir", "ons", "tor", "fre", "lør"]
holidays = "NO"

[[vendors]]
id = "stavanger-sentrum"
name = "Stavanger Sentrum"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-01
ledger = "poweroffice"
department = "20"
open_days = ["man", "tir", "ons", "tor", "fre", "lør"]
holidays = "NO"
"""
SAMPLE_OF = {"trondheim-torg": "bergen-bryggen", "stavanger-sentrum": "bergen-bryggen"}
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
    progress = Progress(sum(len(closed_days(v, now, WEEK_END)) for v in vendors), sys.stdout, always=True)
    for outcome in catch_up(ctx, vendors, now, on_outcome=progress.step, through=WEEK_END,
                            group_by=lambda v: (v.ledger, v.credential)):
        if outcome.stops_vendor:
            print(f"  {outcome.vendor} stopped at {outcome.day}: {outcome.message}")


def main(demo_dir: Path = DEMO_DIR) -> int:
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir(parents=True)
    sandbox = FikenSandbox.start(port=0, max_seconds=600)
    tripletex = TripletexSandbox.start(port=0, max_seconds=600)
    poweroffice = PowerOfficeSandbox.start(port=0, max_seconds=600)
    try:
        vendors_file = demo_dir / "vendors.toml"
        vendors_file.write_text((ROOT / "vendors.toml").read_text(encoding="utf-8") + OTHER_LEDGERS, encoding="utf-8")
        app = app_from(
            database_url=f"sqlite:///{demo_dir / 'settlement.db'}",
            chart_of_accounts=ROOT / "chart_of_accounts",
            vendors=vendors_file,
            report_dir=demo_dir / "reports",
            fiken_base_url=sandbox.base_url,
            fiken_token=sandbox.personal_token,
            **_settings(tripletex.settings_lines(0)),
            **_settings(poweroffice.settings_lines(0)),
        ).require_valid()
        print(f"Fiken sandbox running at {sandbox.base_url} (company demo-as)")
        print(f"Tripletex sandbox running at {tripletex.base_url}")
        print(f"PowerOffice Go sandbox running at {poweroffice.base_url}\n")
        for vendor in app.vendors.values():
            _import(app, vendor.id, ROOT / "samples" / f"{SAMPLE_OF.get(vendor.id, vendor.id)}.csv")
        first = next(iter(app.vendors.values()))
        first_day = min(app.sales.days_with_sales(first.id))
        print(f"\nThe daily voucher of {first.name} on {first_day}, as it will be posted:\n")
        voucher = app.voucher(first.id, first_day)
        print(render_table(voucher, first.name, app.booking_for(first, voucher), app.target_for(first).title))

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
        print(f"\nSettlement reports (PDF, also attached to each voucher in its ledger): {len(reports)} in {demo_dir / 'reports'}")
        for report in reports[:3]:
            print(f"  {report}")
        writes = [r for r in sandbox.requests if r.method in ("POST", "PATCH")]
        print("\nWhere each day went:")
        print(f"  Fiken sandbox: {len(sandbox.requests)} requests, {len(writes)} of them writes; "
              f"{len(sandbox.journal_entries('demo-as'))} journal entries in demo-as")
        for title, other in (("Tripletex", tripletex), ("PowerOffice Go", poweroffice)):
            booked = [v for v in other.booked(0) if not v["reversed"] and not v["is_reversal"]]
            print(f"  {title} sandbox: {len(other.requests)} requests; {len(booked)} live vouchers, "
                  f"{sum(v['attachments'] for v in booked)} with the report attached"
                  + (f", e.g. voucher {booked[0]['number']} on {booked[0]['date']}" if booked else ""))
        print(f"Demo database: {demo_dir / 'settlement.db'}")
        _print_web(demo_dir)
        return 0
    finally:
        sandbox.stop()
        tripletex.stop()
        poweroffice.stop()


def _print_web(demo_dir: Path) -> None:
    """How to open the web page on the demo's days: its settings in a file to source, a user to add."""
    env = demo_dir / "web.env"
    users = demo_dir / "web-users.toml"
    env.write_text("".join(f"{name}={value}\n" for name, value in (
        ("SETTLEMENT_DATABASE_URL", f"sqlite:///{demo_dir / 'settlement.db'}"),
        ("SETTLEMENT_VENDORS", demo_dir / "vendors.toml"),
        ("SETTLEMENT_CHART_OF_ACCOUNTS", ROOT / "chart_of_accounts"),
        ("SETTLEMENT_REPORT_DIR", demo_dir / "reports"),
        ("SETTLEMENT_WEB_USERS", users),
    )), encoding="utf-8")
    print("\nThe web page with the demo's days (the ledgers' sandboxes have stopped, so it is for looking):")
    print(f"  set -a; . {env}; set +a")
    print(f"  .venv/bin/settlement web adduser demo --role operator   # asks for a password, writes {users.name}")
    print("  .venv/bin/settlement web                                  # Ctrl-C stops it")
    print("  then open http://127.0.0.1:8090/?from=2026-11-01&to=2026-11-14 and log in as demo")


def _settings(lines: list[str]) -> dict[str, str]:
    """`SETTLEMENT_X=value` lines (a sandbox's settings to paste) as Settings field values."""
    pairs = (line.split("=", 1) for line in lines)
    return {name.removeprefix("SETTLEMENT_").lower(): value for name, value in pairs}


if __name__ == "__main__":
    sys.exit(main())
