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
from settlement.cli.common import add_json_option, audit_time, iso_date, load_app, print_json
from settlement.domain.text import language, ntr, show_day, tr

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
    from settlement.posting.status import state_word

    if outcome.message:
        print(tr("{vendor} {day}: {status} ({message})", vendor=outcome.vendor, day=outcome.day,
                 status=state_word(outcome.status), message=outcome.message))
    else:
        print(tr("{vendor} {day}: {status}", vendor=outcome.vendor, day=outcome.day, status=state_word(outcome.status)))


def run_day(args: argparse.Namespace) -> int:
    from settlement.posting.catchup import credential_refused, settle_guarded
    from settlement.posting.claims import claim_holder
    from settlement.domain.posting_rules import POSTING, SETTLED
    from settlement.wiring import credential_problems, posting_context, send_run_alerts

    app = load_app()
    vendor = app.vendor(args.vendor)
    if args.date < vendor.enabled_since:
        print(tr("{vendor} {day}: before enabled_since {since}; never settled", vendor=vendor.id, day=args.date,
                 since=vendor.enabled_since), file=sys.stderr)
        return 1
    if not vendor.is_closed(args.date, now_utc()):
        print(tr("{vendor} {day}: the business day has not closed yet", vendor=vendor.id, day=args.date),
              file=sys.stderr)
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
            print(tr("{vendor} is being settled by {holder}; {day} skipped, try again later", vendor=vendor.id,
                     holder=holder, day=args.date), file=sys.stderr)
            return EXIT_CLAIMED
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    _print_outcome(outcome)
    send_run_alerts(app, [vendor], [outcome])  # once per condition, remembered in the store
    if credential_refused(outcome):
        return EXIT_CREDENTIAL
    if outcome.status == POSTING:
        # The ledger could not be reached or did not answer (down, rate limited, after the
        # retries): nothing is lost, the next run looks the day up before sending anything.
        print(tr("{vendor} {day}: the ledger is unavailable; try again later", vendor=vendor.id, day=args.date),
              file=sys.stderr)
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
        print(tr("settlement: {problem} (vendors {names}: not settled)", problem=problem, names=names),
              file=sys.stderr)
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
    from settlement.posting.settle import ALREADY_SETTLED
    from settlement.posting.status import state_word
    from settlement.wiring import payouts_after_days  # payment providers' payouts, after the days

    payouts = payouts_after_days(app, vendors, targets=ctx.targets)
    if payouts:
        booked = sum(o.status == DOCUMENTED and not o.message.endswith(tr(ALREADY_SETTLED)) for o in payouts)
        say(tr("payouts: {checked} checked, {posted} posted", checked=len(payouts), posted=booked))
    send_run_alerts(app, everyone, outcomes)  # once per condition, remembered in the store
    failed = [o for o in outcomes if o.stops_vendor]
    for outcome in failed:
        say(tr("{vendor}: stopped at {day} ({status}): {message}; later days wait", vendor=outcome.vendor,
               day=outcome.day, status=state_word(outcome.status), message=outcome.message))
    for vendor, holder in skipped:
        print(tr("{vendor} is being settled by {holder}; skipped", vendor=vendor, holder=holder), file=sys.stderr)
    waiting = _waiting_for_a_person(outcomes, say)
    from settlement.posting.alerts import payout_outcome_stuck

    stuck = [o for o in payouts if payout_outcome_stuck(o)]  # not booked: a person decides (payouts status)
    for outcome in stuck:
        say(tr("{vendor}: payout not booked ({status}): {message}", vendor=outcome.vendor,
               status=state_word(outcome.status), message=outcome.message))
    posted = sum(o.status == DOCUMENTED and o.message != tr(ALREADY_SETTLED) for o in outcomes)
    done = tr("catch-up done: {checked}, {posted}, {stopped}",
              checked=ntr("{n} day(s) checked", "{n} day(s) checked", len(outcomes)),
              posted=tr("{n} posted or documented", n=posted),
              stopped=ntr("{n} vendor(s) stopped", "{n} vendor(s) stopped", len(failed)))
    if skipped:
        done += tr(", {n} skipped (being settled by another process)", n=len(skipped))
    if waiting:
        done += ntr(", {n} day(s) missing or held", ", {n} day(s) missing or held", len(waiting))
    say(done)
    results += [result_json("day", o.vendor, o.day, o.status, o.message) for o in outcomes]
    results += [result_json("payout", o.vendor, o.day, o.status, o.message) for o in payouts]
    results += [result_json("skipped", vendor, None, "skipped", f"being settled by {holder}") for vendor, holder in skipped]
    if args.json:
        print_json(results)
    if (failed or unusable) and all(credential_refused(o) for o in failed):
        if failed:
            print(tr("the ledger refused a credential (see above): fix it (for Fiken: SETTLEMENT_FIKEN_TOKEN or "
                     "`settlement connect`), then run again"), file=sys.stderr)
        return EXIT_CREDENTIAL
    if failed and not waiting and not stuck and all(o.status == POSTING and not o.credential_refused for o in failed):
        # Every vendor that stopped did so because its ledger could not be reached (or did not
        # answer): nothing is lost, the next run looks those days up first.
        print(tr("the ledger was unavailable (see above): try again later"), file=sys.stderr)
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
                by_vendor.setdefault(outcome.vendor, []).append(show_day(outcome.day))
        for vendor, days in by_vendor.items():
            if status == MISSING:
                say(ntr("{vendor}: {n} day(s) missing (no data for a day it is open: import it or "
                        "`settlement day close`): {days}",
                        "{vendor}: {n} day(s) missing (no data for a day it is open: import it or "
                        "`settlement day close`): {days}", len(days), vendor=vendor, days=", ".join(days)))
            else:
                say(ntr("{vendor}: {n} day(s) held (changed after posting: waits for `settlement approve`): {days}",
                        "{vendor}: {n} day(s) held (changed after posting: waits for `settlement approve`): {days}",
                        len(days), vendor=vendor, days=", ".join(days)))
    return waiting


def _dry_run(app: App, vendors, now: datetime, through: date | None, only: date | None = None,
             as_json: bool = False) -> int:
    """What a run would do with each closed day (only `only`, when given); nothing is stored or sent.
    1 when a day is blocked, missing or held (it needs a person), else 0. With as_json the days are
    printed as one JSON list (result_json, kind "day", status the step) instead of lines."""
    from settlement.domain.money import format_nok
    from settlement.domain.posting_rules import Step, next_step, voucher_digest
    from settlement.posting.catchup import closed_days
    from settlement.posting.status import state_word
    from settlement.store.posting_state import PostingState

    state = PostingState(app.engine)
    found: list[dict] = []

    def say(vendor, day, status: str, text: str) -> None:
        found.append(result_json("day", vendor.id, day, status, text))
        if not as_json:
            print(tr("{vendor} {day}: {text}", vendor=vendor.id, day=day, text=text))

    needs_person = 0
    for vendor in vendors:
        for day in [only] if only else closed_days(vendor, now, through):
            current = state.get(vendor.id, day)
            voucher = app.voucher(vendor.id, day)
            if voucher.blocked:
                say(vendor, day, "blocked", tr("blocked: {problem}; later days wait",
                                               problem=voucher.errors[0].format(with_severity=False)))
                needs_person += 1
                break
            closed = vendor.closed_reason(day)
            confirmed = app.confirmed_empty(vendor, day) if closed is None and voucher.is_empty else None
            expected = closed is None and confirmed is None
            step = next_step(current, voucher, voucher_digest(voucher, vendor.posting),
                             expected=expected, hold=vendor.corrections == "hold")
            if step == Step.SETTLED_ALREADY:
                if only:
                    say(vendor, day, "settled", tr("already settled ({status}); nothing to do",
                                                   status=state_word(current.status)))
                continue
            if step == Step.MISSING:
                say(vendor, day, "missing", tr("missing: no data for a day it is open; later days wait (strict_days)")
                    if vendor.strict_days else tr("missing: no data for a day it is open"))
                needs_person += 1
                if vendor.strict_days:
                    break
                continue
            if step == Step.HOLD:
                say(vendor, day, "held", tr("held: the data changed after posting {key}; waits for settlement approve "
                                            "--vendor {vendor} --date {date}", key=current.settlement_key,
                                            vendor=vendor.id, date=day.isoformat()))
                needs_person += 1
                continue
            if step == Step.DOCUMENT:
                status, action = "would-document", tr("would attach the report to {key}", key=current.settlement_key)
            elif step == Step.CORRECT and voucher.is_empty:
                status, action = "would-reverse", tr("would reverse {key} (the day has no sales any more)",
                                                     key=current.settlement_key)
            elif step == Step.CORRECT:
                status = "would-correct"
                action = tr("would correct (reverse {key}, post v{version})", key=current.settlement_key,
                            version=current.version + 1)
            elif step == Step.RECORD_EMPTY:
                status = "would-record-empty"
                action = (tr("would record as empty (closed: {why})", why=closed) if closed
                          else tr("would record as empty (no sales: {why})", why=confirmed) if confirmed
                          else tr("would record as empty (no sales)"))
            else:
                total = voucher.total_debit
                status = "would-post"
                # Kroner as English has always shown them (1234.50); in bokmål as amounts are written (1 234,50).
                amount = f"{total // 100}.{total % 100:02d}" if language().code == "en" else format_nok(total)
                action = ntr("would post {amount} NOK debit/credit in {n} lines",
                             "would post {amount} NOK debit/credit in {n} lines", len(voucher.lines), amount=amount)
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
    from settlement.posting.status import JSON_REF_KEYS, shown_state, state_word

    out = out or sys.stdout
    rows = _status_rows(app, vendor_ids)
    # Each column as wide as its heading in the language shown (at least as wide as in English).
    headings = [(tr("vendor"), 20), (tr("last settled"), 12), (tr("waiting"), 7), (tr("missing"), 7),
                (tr("blocked"), 7), (tr("held"), 4), (tr("corrections"), 11)]
    widths = [max(width, len(heading)) for heading, width in headings]
    print(" ".join([headings[0][0].ljust(widths[0]), headings[1][0].ljust(widths[1])]
                   + [heading.rjust(width) for (heading, _), width in zip(headings[2:], widths[2:])]), file=out)
    for row in rows:
        counts = (len(row.waiting), len(row.missing), len(row.attention), len(row.held), len(row.corrections))
        print(" ".join([row.vendor.ljust(widths[0]), (show_day(row.last_settled) if row.last_settled else "-").ljust(widths[1])]
                       + [str(count).rjust(width) for count, width in zip(counts, widths[2:])]), file=out)
    for row in rows:
        for day in row.days:
            if day.status in (DOCUMENTED, POSTED, EMPTY):
                # Fiken's ids in the order status has always shown them, then any other ledger's.
                names = JSON_REF_KEYS + tuple(k for k in day.ref if k not in JSON_REF_KEYS)
                ids = ", ".join(f"{k} {day.ref[k]}" for k in names if day.ref.get(k))
                why = f" ({day.reason})" if day.status == EMPTY and day.reason else ""
                status = shown_state(day.status)
                print(f"  {row.vendor} {show_day(day.business_day)} {status:<10} {day.settlement_key} {ids}".rstrip()
                      + why, file=out)
        if row.missing:
            print("  " + ntr("{vendor} MISSING {n} day(s): {days}", "{vendor} MISSING {n} day(s): {days}",
                             len(row.missing), vendor=row.vendor, days=", ".join(show_day(m.day) for m in row.missing)),
                  file=out)
        for missing in row.missing:
            print("  " + tr("{vendor} {day} MISSING: {reason}", vendor=row.vendor, day=missing.day,
                            reason=missing.reason), file=out)
        for held in row.held:
            print("  " + tr("{vendor} {day} HELD: {reason}", vendor=row.vendor, day=held.day, reason=held.reason),
                  file=out)
        for blocked in row.attention:
            attempts = (ntr(" (after {n} attempt(s))", " (after {n} attempt(s))", blocked.attempts)
                        if blocked.status in (FAILED, POSTING) else "")
            print(f"  {row.vendor} {show_day(blocked.day)} {shown_state(blocked.status).upper()}{attempts}: "
                  f"{blocked.reason}", file=out)
        for correction in row.corrections:
            print("  " + tr("{vendor} {day} corrected {count}x, now {key}", vendor=row.vendor, day=correction.day,
                            count=correction.count, key=correction.key), file=out)
        for changed in row.changed:
            print("  " + tr("{vendor} {day} CHANGED (was {status}): {reason}", vendor=row.vendor, day=changed.day,
                            status=state_word(changed.status), reason=changed.reason), file=out)


def show_audit(args: argparse.Namespace) -> int:
    from settlement.store.posting_state import PostingState

    app = load_app()
    rows = PostingState(app.engine).audit(args.vendor, args.date)
    if args.json:
        print_json([{"at": row.at.isoformat(), "vendor": row.vendor, "date": row.business_day.isoformat(),
                     "action": row.action, "key": row.settlement_key, "detail": row.detail} for row in rows])
        return 0
    for row in rows:
        at = audit_time(app, row.vendor, row.at)
        print(f"{at} {row.vendor} {show_day(row.business_day)} {row.action:<12} {row.settlement_key} {row.detail}")
    return 0
