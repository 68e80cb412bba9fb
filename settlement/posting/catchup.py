"""Which vendor-days are due, and settling them oldest first.

A failure while settling one day (the ledger refusing the credential, 429s that would not stop, a bug)
becomes that day's outcome, status `error`, with a plain message: the vendor's later days wait, the
other vendors go on, and the day stays in the state it had reached (`posting` is looked up in the ledger
by the next run, `posted` gets its report then), so the next run resolves it. The traceback goes to
the log at DEBUG level, never to the user's terminal. Only the local database failing (locked,
unreachable) ends the whole run: every vendor needs it, and the CLI reports it as such.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Hashable, TextIO

from sqlalchemy.exc import OperationalError

from settlement.posting.ledger import CredentialRefused, LedgerError
from settlement.posting.claims import claim_holder
from settlement.posting.settle import Outcome, PostingContext, prefetch_ids, report_posted, settle_day
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor

log = logging.getLogger(__name__)
ERROR = "error"  # the status of a day whose settling raised (see settle_guarded)
# At most this many posted days wait for their reports, attached together (see _settle_vendor).
REPORT_BATCH = 50


def closed_days(vendor: Vendor, now: datetime, through: date | None = None) -> list[date]:
    """Every business day from enabled_since that has closed by `now` (its vendor's closing time,
    Vendor.closes_at, and is not after `through`, when given), oldest first."""
    last = vendor.last_closed_day(now)
    if through is not None:
        last = min(last, through)
    days, day = [], vendor.enabled_since
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


class Progress:
    """A progress bar on a terminal (stderr); nothing when not on one (cron, logs), unless
    `always` (the demo, which shows one line per day)."""

    def __init__(self, total: int, stream: TextIO | None = None, always: bool = False):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.quiet = not self.tty and not always

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        if self.quiet:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        from settlement.posting.settle import ALREADY_SETTLED
        from settlement.posting.status import shown_state

        already = tr(ALREADY_SETTLED)
        what = already if outcome.message == already else shown_state(outcome.status)
        text = f"[{bar}] {self.done}/{self.total} {outcome.vendor} {outcome.day} {what}"
        if self.tty:
            print("\r" + text.ljust(100), end="" if self.done < self.total else "\n", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        """End the bar's line when fewer days were checked than counted (a vendor stopped or skipped)."""
        if self.tty and 0 < self.done < self.total:
            print(file=self.stream, flush=True)


@dataclass(frozen=True)
class ErrorOutcome(Outcome):
    """A day whose settling raised; the vendor's later days wait for the next run."""

    @property
    def stops_vendor(self) -> bool:
        return True


def credential_refused(outcome: Outcome) -> bool:
    """Whether the day stopped because the ledger has no usable credential (none configured, not
    connected, revoked or expired)."""
    return outcome.stops_vendor and outcome.credential_refused


def settle_guarded(ctx: PostingContext, vendor: Vendor, day: date, report_later: bool = False) -> Outcome:
    """settle_day, with any exception turned into the day's outcome (see the module docstring)."""
    return _guarded(ctx, vendor, day, lambda: settle_day(ctx, vendor, day, report_later))


def _report_guarded(ctx: PostingContext, vendor: Vendor, days: list[date]) -> list[Outcome]:
    """The reports of days posted with report_later, made and attached together (one read of
    their ids), each day's failure that day's outcome as in settle_guarded."""
    try:
        prefetch_ids(ctx, vendor, days)
    except OperationalError:
        raise
    except Exception:  # a bug in reading ahead: each report reads its own ids
        log.debug("%s: reading the ids of %d postings raised", vendor.id, len(days), exc_info=True)
    return [_guarded(ctx, vendor, day, lambda day=day: report_posted(ctx, vendor, day)) for day in days]


def _guarded(ctx: PostingContext, vendor: Vendor, day: date, settle: Callable[[], Outcome]) -> Outcome:
    try:
        return settle()
    except OperationalError:
        raise  # the local database cannot be used: the same for every vendor (exit 3, see cli)
    except Exception as exc:  # one day's failure must not stop the others; the reason is kept
        log.debug("%s %s: settling raised", vendor.id, day, exc_info=True)
        if isinstance(exc, LedgerError):
            message = tr("{ledger}: {problem}; the next run picks the day up where it stopped",
                         ledger=ctx.targets(vendor).title, problem=exc.reason)
        else:
            message = tr("unexpected error {error}: {problem}; the next run tries again (this is a bug: "
                         "SETTLEMENT_LOG_LEVEL=DEBUG shows where)", error=type(exc).__name__, problem=str(exc))
        _remember(ctx, vendor, day, message)
        return ErrorOutcome(vendor.id, day, ERROR, message, isinstance(exc, CredentialRefused))


def _remember(ctx: PostingContext, vendor: Vendor, day: date, message: str) -> None:
    """Keep the reason with a day that has a state (status and `audit` show it); the status stays."""
    try:
        state = ctx.state.get(vendor.id, day)
        if state.status:
            state.reason = message
            ctx.state.save(state, "error", message)
    except Exception:  # the database itself failing: the outcome still says what happened
        log.debug("%s %s: the reason could not be recorded", vendor.id, day, exc_info=True)


def catch_up(
    ctx: PostingContext,
    vendors: list[Vendor],
    now: datetime,
    on_outcome: Callable[[Outcome], None] | None = None,
    through: date | None = None,
    on_claimed: Callable[[str, str], None] | None = None,
    claim_wait: float = 0.0,
    group_by: Callable[[Vendor], Hashable] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """Settle every closed day of every vendor, oldest first. A vendor stops at its first blocked
    (or failing) day (later days wait); other vendors go on.

    group_by: what the vendors' ledger requests queue behind (their ledger and credential). Vendors
    of different groups are settled at the same time, one thread per group, since each credential
    has its own pacing and one-request-at-a-time rule; within a group they go one after another.

    A vendor claimed by another process (or replica) is skipped and tried again after the others,
    once, and then until `claim_wait` seconds have passed; a vendor still claimed by then is passed
    to `on_claimed(vendor_id, holder)` (holder: who has it, in words) and its days are left to the
    process holding it.

    stop: asked before each new day; once it says True no further day is begun (the reports of
    days already posted are still attached), so a stopping `serve` ends between two days.
    """
    groups: dict[Hashable, list[Vendor]] = {}
    for vendor in vendors:
        groups.setdefault(group_by(vendor) if group_by else None, []).append(vendor)
    if len(groups) > 1:
        return _in_parallel(ctx, list(groups.values()), now, on_outcome, through, on_claimed, claim_wait, stop)
    outcomes: list[Outcome] = []
    holders: dict[str, str] = {}
    waiting = [v for v in vendors if not _settle_vendor(ctx, v, now, through, outcomes, on_outcome, holders, stop)]
    deadline = time.monotonic() + claim_wait
    while waiting:
        waiting = [v for v in waiting if not _settle_vendor(ctx, v, now, through, outcomes, on_outcome, holders, stop)]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    for vendor in waiting:
        if on_claimed:
            on_claimed(vendor.id, holders.get(vendor.id, tr("another process")))
    return outcomes


def _in_parallel(ctx, groups, now, on_outcome, through, on_claimed, claim_wait, stop) -> list[Outcome]:
    """catch_up of each group in a thread of its own; outcomes in the order they came, the callbacks
    called one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def told(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)

    def claimed(vendor_id: str, holder: str) -> None:
        with lock:
            if on_claimed:
                on_claimed(vendor_id, holder)

    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="catch-up") as pool:
        futures = [pool.submit(catch_up, ctx, group, now, told, through, claimed, claim_wait, None, stop)
                   for group in groups]
        for future in futures:
            future.result()  # a database failure in any group ends the run, as it does alone
    return outcomes


def _settle_vendor(ctx, vendor, now, through, outcomes, on_outcome, holders, stop=None) -> bool:
    """Settle one vendor's closed days under its claim; False if another process holds it."""
    with ctx.claim(vendor.id) as claimed:
        if not claimed:
            holders[vendor.id] = claim_holder(ctx.claim, vendor.id)
            return False
        # Days posted in a row have their reports attached together (settle.report_posted): one
        # read of the ledger's ids serves up to REPORT_BATCH days. The outcomes keep the days' order.
        due: list[date] = []

        def tell(outcome: Outcome) -> None:
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)

        def attach_due() -> None:
            for outcome in _report_guarded(ctx, vendor, due):
                tell(outcome)
            due.clear()

        for day in closed_days(vendor, now, through):
            if stop is not None and stop():
                break  # asked to stop: no new day; the posted days' reports are still attached
            outcome = settle_guarded(ctx, vendor, day, report_later=True)
            if outcome.report_due:
                due.append(day)
                if len(due) >= REPORT_BATCH:
                    attach_due()
                continue
            attach_due()
            tell(outcome)
            if outcome.stops_vendor:
                break
        attach_due()
    return True
