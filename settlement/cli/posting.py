"""`settlement run`, `catch-up`, `status` and `audit`: posting vouchers to Fiken and seeing where
every vendor-day stands."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, TextIO

from settlement.cli import EXIT_CLAIMED, EXIT_CONFIGURATION, EXIT_CREDENTIAL, EXIT_UNAVAILABLE
from settlement.cli.common import add_json_option, iso_date, load_app, print_json

# The handlers import the engine, the store and the ledger client themselves, so that registering
# these commands (`settlement --help`) loads none of them.
if TYPE_CHECKING:
    from settlement.posting.settle import Outcome
    from settlement.wiring import App


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="settle one vendor-day in Fiken")
    run.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    run.add_argument("--date", required=True, type=iso_date, help="the business day YYYY-MM-DD")
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="if another process is settling the vendor, wait up to SECONDS for it "
                          f"(default %(default)g: say who holds it and exit {EXIT_CLAIMED})")
    run.add_argument("--dry-run", action="store_true", help="show what the run would do; store and send nothing")
    run.set_defaults(handler=run_day)

    catch = subparsers.add_parser("catch-up", help="settle every unposted closed day from enabled_since, oldest first")
    catch.add_argument("--vendor", help="only this vendor (default: all)")
    catch.add_argument("--dry-run", action="store_true", help="show what would be posted; send nothing")
    catch.add_argument("--through", type=iso_date, metavar="DATE",
                       help="settle closed days up to and including DATE only (default: every closed day)")
    catch.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                       help="wait up to SECONDS for vendors another process is settling (default %(default)g: they are "
                            f"tried once more after the others, then skipped, exit {EXIT_CLAIMED})")
    add_json_option(catch, "results {kind (day, payout, skipped, credential), vendor, date, status, message}")
    catch.set_defaults(handler=run_catch_up)

    status = subparsers.add_parser("status", help="where every vendor-day stands with Fiken")
    status.add_argument("--vendor", help="only this vendor (default: all)")
    status.add_argument("--json", action="store_true", help="print JSON instead of the table (shape in the README)")
    status.add_argument("--check", action="store_true",
                        help="print only what needs a person, one line each; exit 0 all well, 1 a day needs a "
                             f"person, {EXIT_CONFIGURATION} the configuration or the ledger credential is broken")
    status.set_defaults(handler=show_status)

    audit = subparsers.add_parser("audit", help="the audit log of posting attempts, lookups, reversals")
    audit.add_argument("--vendor", help="only this vendor (default: all)")
    audit.add_argument("--date", type=iso_date, help="only this business day YYYY-MM-DD (default: all)")
    add_json_option(audit, "audit rows {at, vendor, date, action, key, detail}")
    audit.set_defaults(handler=show_audit)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _print_outcome(outcome: Outcome) -> None:
    print(f"{outcome.vendor} {outcome.day}: {outcome.status}" + (f" ({outcome.message})" if outcome.message else ""))


def run_day(args: argparse.Namespace) -> int:
    from settlement.posting.catchup import credential_refused, settle_guarded
    from settlement.posting.claims import claim_holder
    from settlement.domain.posting_rules import POSTING, SETTLED
    from settlement.wiring import credential_problems, posting_context, send_run_alerts

    app = load_app()
    vendor = app.vendor(args.vendor)
    if args.date < vendor.enabled_since:
        print(f"{vendor.id} {args.date}: before enabled_since {vendor.enabled_since}; never settled", file=sys.stderr)
        return 1
    if not vendor.is_closed(args.date, now_utc()):
        print(f"{vendor.id} {args.date}: the business day has not closed yet", file=sys.stderr)
        return 1
    if args.dry_run:
        return _dry_run(app, [vendor], now_utc(), None, only=args.date)
    problem = credential_problems(app, [vendor]).get(vendor.id)
    if problem:  # said before anything is done: nothing was posted
        print(f"settlement: {problem}", file=sys.stderr)
        send_run_alerts(app, [vendor])
        return EXIT_CREDENTIAL
    ctx = posting_context(app)
    deadline = time.monotonic() + max(args.wait, 0.0)
    while True:
        with ctx.claim(vendor.id) as claimed:
            if claimed:
                outcome = settle_guarded(ctx, vendor, args.date)
                break
            holder = claim_holder(ctx.claim, vendor.id)
        if time.monotonic() >= deadline:
            print(f"{vendor.id} is being settled by {holder}; {args.date} skipped, try again later", file=sys.stderr)
            return EXIT_CLAIMED
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    _print_outcome(outcome)
    send_run_alerts(app, [vendor], [outcome])  # once per condition, remembered in the store
    if credential_refused(outcome):
        return EXIT_CREDENTIAL
    if outcome.status == POSTING:
        # The ledger could not be reached or did not answer (down, rate limited, after the
        # retries): nothing is lost, the next run looks the day up before sending anything.
        print(f"{vendor.id} {args.date}: the ledger is unavailable; try again later", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return 0 if outcome.status in SETTLED else 1


def run_catch_up(args: argparse.Namespace) -> int:
    from settlement.posting.catchup import Progress, catch_up, closed_days, credential_refused
    from settlement.domain.posting_rules import DOCUMENTED, POSTING
    from settlement.wiring import credential_problems, posting_context, send_run_alerts

    app = load_app()
    vendors = [app.vendor(args.vendor)] if args.vendor else list(app.vendors.values())
    now = now_utc()
    if args.dry_run:
        return _dry_run(app, vendors, now, args.through, as_json=args.json)
    # With --json, stdout holds the JSON list alone; what is said otherwise goes to stderr.
    say = functools.partial(print, file=sys.stderr) if args.json else print
    # A vendor whose ledger credential cannot be used is said first and left out; the others go on.
    unusable = {vendor: str(problem) for vendor, problem in credential_problems(app, vendors).items()}
    for problem in dict.fromkeys(unusable.values()):
        names = ", ".join(v for v, p in unusable.items() if p == problem)
        print(f"settlement: {problem} (vendors {names}: not settled)", file=sys.stderr)
    results = [result_json("credential", vendor, None, "credential", problem) for vendor, problem in unusable.items()]
    everyone, vendors = vendors, [v for v in vendors if v.id not in unusable]
    if unusable and not vendors:
        send_run_alerts(app, everyone)
        if args.json:
            print_json(results)
        return EXIT_CREDENTIAL
    ctx = posting_context(app)
    progress = Progress(sum(len(closed_days(v, now, args.through)) for v in vendors))
    skipped: list[tuple[str, str]] = []
    outcomes = catch_up(ctx, vendors, now, on_outcome=progress.step, through=args.through,
                        on_claimed=lambda vendor, holder: skipped.append((vendor, holder)),
                        claim_wait=max(args.wait, 0.0), group_by=lambda v: (v.ledger, v.credential))
    progress.finish()
    from settlement.wiring import payouts_after_days  # payment providers' payouts, after the days

    payouts = payouts_after_days(app, vendors, targets=ctx.targets)
    if payouts:
        say(f"payouts: {len(payouts)} checked, {sum(o.status == DOCUMENTED and 'already' not in o.message for o in payouts)} posted")
    send_run_alerts(app, everyone, outcomes)  # once per condition, remembered in the store
    failed = [o for o in outcomes if o.stops_vendor]
    for outcome in failed:
        say(f"{outcome.vendor}: stopped at {outcome.day} ({outcome.status}): {outcome.message}; later days wait")
    for vendor, holder in skipped:
        print(f"{vendor} is being settled by {holder}; skipped", file=sys.stderr)
    waiting = _waiting_for_a_person(outcomes, say)
    from settlement.posting.alerts import payout_outcome_stuck

    stuck = [o for o in payouts if payout_outcome_stuck(o)]  # not booked: a person decides (payouts status)
    for outcome in stuck:
        say(f"{outcome.vendor}: payout not booked ({outcome.status}): {outcome.message}")
    posted = sum(o.status == DOCUMENTED and o.message != "already settled" for o in outcomes)
    say(f"catch-up done: {len(outcomes)} day(s) checked, {posted} posted or documented, {len(failed)} vendor(s) stopped"
          + (f", {len(skipped)} skipped (being settled by another process)" if skipped else "")
          + (f", {len(waiting)} day(s) missing or held" if waiting else ""))
    results += [result_json("day", o.vendor, o.day, o.status, o.message) for o in outcomes]
    results += [result_json("payout", o.vendor, o.day, o.status, o.message) for o in payouts]
    results += [result_json("skipped", vendor, None, "skipped", f"being settled by {holder}") for vendor, holder in skipped]
    if args.json:
        print_json(results)
    if (failed or unusable) and all(credential_refused(o) for o in failed):
        if failed:
            print("the ledger refused a credential (see above): fix it (for Fiken: SETTLEMENT_FIKEN_TOKEN or "
                  "`settlement connect`), then run again", file=sys.stderr)
        return EXIT_CREDENTIAL
    if failed and not waiting and not stuck and all(o.status == POSTING and not o.credential_refused for o in failed):
        # Every vendor that stopped did so because its ledger could not be reached (or did not
        # answer): nothing is lost, the next run looks those days up first.
        print("the ledger was unavailable (see above): try again later", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return 1 if failed or waiting or stuck else EXIT_CLAIMED if skipped else 0


def result_json(kind: str, vendor: str, day: date | None, status: str, message: str) -> dict:
    """One entry of `catch-up --json`: kind "day" (a vendor-day settled or tried, or with --dry-run
    what a run would do), "payout", "skipped" (another process settles the vendor) or "credential"
    (the vendor's ledger credential cannot be used); the vendor, the day (YYYY-MM-DD or null), its
    status (as `status --json` names it, or with --dry-run the step: would-post, ...) and why."""
    return {"kind": kind, "vendor": vendor, "date": day.isoformat() if day else None, "status": status,
            "message": message}


def _waiting_for_a_person(outcomes: list[Outcome], say=print) -> list[Outcome]:
    """Say the days that wait for a person without stopping their vendor (missing, held)."""
    from settlement.domain.posting_rules import HELD, MISSING

    waiting = [o for o in outcomes if o.status in (MISSING, HELD) and not o.stops_vendor]
    for status in (MISSING, HELD):
        by_vendor: dict[str, list[str]] = {}
        for outcome in waiting:
            if outcome.status == status:
                by_vendor.setdefault(outcome.vendor, []).append(outcome.day.isoformat())
        for vendor, days in by_vendor.items():
            what = ("no data for a day it is open: import it or `settlement day close`" if status == MISSING
                    else "changed after posting: waits for `settlement approve`")
            say(f"{vendor}: {len(days)} day(s) {status} ({what}): {', '.join(days)}")
    return waiting


def _dry_run(app: App, vendors, now: datetime, through: date | None, only: date | None = None,
             as_json: bool = False) -> int:
    """What a run would do with each closed day (only `only`, when given); nothing is stored or sent.
    1 when a day is blocked, missing or held (it needs a person), else 0. With as_json the days are
    printed as one JSON list (result_json, kind "day", status the step) instead of lines."""
    from settlement.domain.posting_rules import Step, next_step, voucher_digest
    from settlement.posting.catchup import closed_days
    from settlement.store.posting_state import PostingState

    state = PostingState(app.engine)
    found: list[dict] = []

    def say(vendor, day, status: str, text: str) -> None:
        found.append(result_json("day", vendor.id, day, status, text))
        if not as_json:
            print(f"{vendor.id} {day}: {text}")

    needs_person = 0
    for vendor in vendors:
        for day in [only] if only else closed_days(vendor, now, through):
            current = state.get(vendor.id, day)
            voucher = app.voucher(vendor.id, day)
            if voucher.blocked:
                say(vendor, day, "blocked", f"blocked: {voucher.errors[0].format(with_severity=False)}; later days wait")
                needs_person += 1
                break
            closed = vendor.closed_reason(day)
            step = next_step(current, voucher, voucher_digest(voucher, vendor.posting),
                             expected=closed is None, hold=vendor.corrections == "hold")
            if step == Step.SETTLED_ALREADY:
                if only:
                    say(vendor, day, "settled", f"already settled ({current.status}); nothing to do")
                continue
            if step == Step.MISSING:
                later = "; later days wait (strict_days)" if vendor.strict_days else ""
                say(vendor, day, "missing", f"missing: no data for a day it is open{later}")
                needs_person += 1
                if vendor.strict_days:
                    break
                continue
            if step == Step.HOLD:
                say(vendor, day, "held", f"held: the data changed after posting {current.settlement_key}; "
                                         f"waits for settlement approve --vendor {vendor.id} --date {day}")
                needs_person += 1
                continue
            if step == Step.DOCUMENT:
                status, action = "would-document", f"would attach the report to {current.settlement_key}"
            elif step == Step.CORRECT and voucher.is_empty:
                status, action = "would-reverse", f"would reverse {current.settlement_key} (the day has no sales any more)"
            elif step == Step.CORRECT:
                status = "would-correct"
                action = f"would correct (reverse {current.settlement_key}, post v{current.version + 1})"
            elif step == Step.RECORD_EMPTY:
                status = "would-record-empty"
                action = f"would record as empty (closed: {closed})" if closed else "would record as empty (no sales)"
            else:
                total = voucher.total_debit
                status = "would-post"
                action = f"would post {total // 100}.{total % 100:02d} NOK debit/credit in {len(voucher.lines)} lines"
            say(vendor, day, status, action)
    if as_json:
        print_json(found)
    return 1 if needs_person else 0


def _status_rows(app: App, vendor_ids: list[str]):
    """The standing of each vendor (settlement.posting.status, as /metrics reads it too), with the
    days changed after posting."""
    from settlement.posting.status import vendor_statuses
    from settlement.store.posting_state import PostingState
    from settlement.wiring import current_digests

    return vendor_statuses(PostingState(app.engine), [app.vendor(v) for v in vendor_ids], now_utc(),
                           current_digests(app))


def show_status(args: argparse.Namespace) -> int:
    app = load_app()
    vendor_ids = [app.vendor(args.vendor).id] if args.vendor else list(app.vendors)
    if args.check:
        return check_status(app, vendor_ids, as_json=args.json)
    if args.json:
        print(json.dumps([row.to_json() for row in _status_rows(app, vendor_ids)], indent=2, ensure_ascii=False))
        return 0
    print_status(app, vendor_ids)
    return 0


def check_status(app: App, vendor_ids: list[str], *, as_json: bool = False) -> int:
    """`status --check`, for cron and monitoring: one line per problem (nothing when all is well);
    exit 0 all well, 1 a day needs a person, 2 the ledger credential cannot be used."""
    from settlement.posting.status import CheckProblem, check_problems
    from settlement.wiring import ledger_credential_problem

    problems = check_problems(_status_rows(app, vendor_ids))
    credential = ledger_credential_problem(app)
    if credential:
        problems.insert(0, CheckProblem(None, None, "ledger credential", credential))
    code = EXIT_CONFIGURATION if credential else 1 if problems else 0
    if as_json:
        print(json.dumps({"ok": code == 0, "exit_code": code, "problems": [p.to_json() for p in problems]},
                         indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem.line())
    return code


def print_status(app: App, vendor_ids: list[str], out: TextIO | None = None) -> None:
    """The status table: one row per vendor, then the settled, blocked and corrected days."""
    from settlement.domain.posting_rules import DOCUMENTED, EMPTY, FAILED, POSTED, POSTING
    from settlement.posting.status import JSON_REF_KEYS

    out = out or sys.stdout
    rows = _status_rows(app, vendor_ids)
    print(f"{'vendor':<20} {'last settled':<12} {'waiting':>7} {'missing':>7} {'blocked':>7} {'held':>4} "
          f"{'corrections':>11}", file=out)
    for row in rows:
        print(f"{row.vendor:<20} {row.last_settled.isoformat() if row.last_settled else '-':<12} "
              f"{len(row.waiting):>7} {len(row.missing):>7} {len(row.attention):>7} {len(row.held):>4} "
              f"{len(row.corrections):>11}", file=out)
    for row in rows:
        for day in row.days:
            if day.status in (DOCUMENTED, POSTED, EMPTY):
                # Fiken's ids in the order status has always shown them, then any other ledger's.
                names = JSON_REF_KEYS + tuple(k for k in day.ref if k not in JSON_REF_KEYS)
                ids = ", ".join(f"{k} {day.ref[k]}" for k in names if day.ref.get(k))
                why = f" ({day.reason})" if day.status == EMPTY and day.reason else ""
                print(f"  {row.vendor} {day.business_day} {day.status:<10} {day.settlement_key} {ids}".rstrip() + why,
                      file=out)
        if row.missing:
            print(f"  {row.vendor} MISSING {len(row.missing)} day(s): {', '.join(m.day.isoformat() for m in row.missing)}",
                  file=out)
        for missing in row.missing:
            print(f"  {row.vendor} {missing.day} MISSING: {missing.reason}", file=out)
        for held in row.held:
            print(f"  {row.vendor} {held.day} HELD: {held.reason}", file=out)
        for blocked in row.attention:
            attempts = f" (after {blocked.attempts} attempt(s))" if blocked.status in (FAILED, POSTING) else ""
            print(f"  {row.vendor} {blocked.day} {blocked.status.upper()}{attempts}: {blocked.reason}", file=out)
        for correction in row.corrections:
            print(f"  {row.vendor} {correction.day} corrected {correction.count}x, now {correction.key}", file=out)
        for changed in row.changed:
            print(f"  {row.vendor} {changed.day} CHANGED (was {changed.status}): {changed.reason}", file=out)


def show_audit(args: argparse.Namespace) -> int:
    from settlement.store.posting_state import PostingState

    app = load_app()
    rows = PostingState(app.engine).audit(args.vendor, args.date)
    if args.json:
        print_json([{"at": row.at.isoformat(), "vendor": row.vendor, "date": row.business_day.isoformat(),
                     "action": row.action, "key": row.settlement_key, "detail": row.detail} for row in rows])
        return 0
    for row in rows:
        print(f"{row.at:%Y-%m-%d %H:%M:%S} {row.vendor} {row.business_day} {row.action:<12} {row.settlement_key} {row.detail}")
    return 0
