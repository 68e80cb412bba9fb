"""Settling one vendor-day in its ledger, exactly once, and documenting it.

The rule that makes this exactly-once: the local state is set to `posting` and committed before a
part of the booking is sent, and a vendor-day found in `posting` (a crash, a timeout, a dropped
connection) is first looked up in the ledger by its settlement key; what is found is adopted, and
only what is not found is sent. No ledger offers an idempotency key we can rely on, so the key in
the booking is how our postings are recognised (see each target, e.g. docs/fiken.md).

Written against the port only (settlement.posting.ledger): which ledger a vendor posts to is the
context's `targets(vendor)`; the voucher, the vendor's ledger accounts and the report come from
callables the composition root (settlement.wiring) provides.

The steps (begin_part, send_part_once, adopt_parts, reverse_posted) read and write only the state,
the ledger target and `ctx.state`, so a payout's posting (settlement.posting.payouts) uses them as
they are, with a PayoutState for the DayState.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from settlement.domain.chart import LedgerRow
from settlement.domain.keys import settlement_key
from settlement.domain.posting_rules import (
    APPROVED, BLOCKED, CORRECTION_BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, HELD, MISSING, NEEDS_ATTENTION,
    POSTED, POSTING,
    DayState, Step, next_step, settled_status, voucher_digest,
)
from settlement.domain.text import N_, tr
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.posting.faults import crash_point
from settlement.posting.ledger import (
    Booking, BookingPart, CredentialRefused, LedgerAmbiguous, LedgerError, LedgerRefused, LedgerTarget, describe_ref,
)
from settlement.store.posting_state import PostingState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one vendor-day in this run."""

    vendor: str
    day: date
    status: str
    message: str = ""
    credential_refused: bool = False  # stopped because the ledger has no usable credential
    holds_vendor: bool = False  # a missing day of a vendor with strict_days = true
    report_due: bool = False  # posted with report_later: report_posted attaches its report

    @property
    def stops_vendor(self) -> bool:
        """Later days of the vendor wait until this one is settled."""
        return self.status in NEEDS_ATTENTION or self.holds_vendor


# The message of a day found settled already (catch-up counts the days it did not post by it).
ALREADY_SETTLED = N_("already settled")


def no_claim(vendor_id: str) -> AbstractContextManager[bool]:
    """The claim for a single process: always granted."""
    return nullcontext(True)


# The settlement report of a posted day: (vendor, state, voucher, booking, generated_at) → PDF bytes.
ReportRenderer = Callable[[Vendor, DayState, Voucher, Booking, datetime], bytes]


def no_confirmation(vendor: Vendor, day: date) -> str | None:
    """No source confirms a day without sales (see PostingContext.confirmed_empty)."""
    return None


def missing_reason(vendor: Vendor, day: date) -> str:
    """Why an open day with no data waits, and what ends the wait."""
    reason = tr("no sales data for {day}, a day {vendor} is open (open_days, closed_dates, holidays): import the "
                "day's export, or if the shop was closed: settlement day close --vendor {vendor} --date {date} "
                "--reason \"...\"", day=day, vendor=vendor.id, date=day.isoformat())
    return reason + tr("; later days wait (strict_days)") if vendor.strict_days else reason


def held_reason(vendor: Vendor, state: DayState) -> str:
    """Why a changed posted day waits, and what ends the wait."""
    return tr("data changed after posting; corrections = \"hold\": nothing is reversed until settlement approve "
              "--vendor {vendor} --date {date} (then the next run reverses {key} and posts v{version})",
              vendor=vendor.id, date=state.business_day.isoformat(), key=state.settlement_key,
              version=state.version + 1)


@dataclass
class PostingContext:
    """Everything settling needs, built by settlement.wiring.posting_context.

    vouchers(vendor, day): the day's voucher, read from the store once per settling.
    ledgers(vendor): the vendor's effective ledger accounts (chart of accounts).
    targets(vendor): the ledger the vendor posts to.
    report(vendor, state, voucher, booking, generated_at): the settlement report's PDF, made from
        the voucher and the booking that was sent (never recomputed from the store).
    claim(vendor_id): a context manager yielding True while this process alone may settle that
        vendor's days (False: another process or replica is at it).
    """

    vouchers: Callable[[Vendor, date], Voucher]
    ledgers: Callable[[Vendor], Mapping[str, LedgerRow]]
    targets: Callable[[Vendor], LedgerTarget]
    report: ReportRenderer
    state: PostingState
    report_dir: Path
    generated_at: datetime
    claim: Callable[[str], AbstractContextManager[bool]] = field(default=no_claim)
    # Why the source itself says a vendor-day had no sales (e.g. a Z report of zero), or None; such
    # an open day with no data is settled empty instead of missing.
    confirmed_empty: Callable[[Vendor, date], str | None] = field(default=no_confirmation)

    def booking(self, vendor: Vendor, voucher: Voucher, key: str) -> Booking:
        """What the vendor's ledger would be sent for the voucher under `key` (nothing is sent)."""
        return self.targets(vendor).render(vendor, voucher, self.ledgers(vendor), key)


def settle_day(ctx: PostingContext, vendor: Vendor, day: date, report_later: bool = False) -> Outcome:
    """Bring one closed vendor-day to `documented` (or `empty`), or say why it cannot be.

    report_later: a day it posts stops at `posted` (Outcome.report_due) without its ids read back;
    prefetch_ids() and report_posted() then make and attach its report together with other days'
    (a catch-up's saving of one request a day; nothing about sending it changes).
    """
    state = ctx.state.get(vendor.id, day)
    voucher = ctx.vouchers(vendor, day)
    if voucher.blocked:
        reason = "; ".join(p.format(with_severity=False) for p in voucher.errors)
        if state.reason != reason or state.status not in (BLOCKED, POSTED, DOCUMENTED, HELD, APPROVED):
            if state.status not in (POSTED, DOCUMENTED, HELD, APPROVED):
                state.status = BLOCKED
            # A posted day keeps its status and ids: what the ledger holds is unchanged, and the
            # correction happens once the new data is valid.
            state.reason = reason
            ctx.state.save(state, "blocked", reason)
        return Outcome(vendor.id, day, BLOCKED, reason)

    target = ctx.targets(vendor)
    digest = voucher_digest(voucher, vendor.posting)
    closed = vendor.closed_reason(day)
    # Asked once (it reads the store): why the source says the day had no sales, if it does.
    confirmed = ctx.confirmed_empty(vendor, day) if closed is None and voucher.is_empty else None
    expected = closed is None and voucher.is_empty and confirmed is None
    step = next_step(state, voucher, digest, expected=expected, hold=vendor.corrections == "hold")
    if state.status in (HELD, APPROVED) and step in (Step.SETTLED_ALREADY, Step.DOCUMENT):
        # The data went back to what was posted: nothing to correct any more.
        state.status, state.reason = settled_status(state), ""
        ctx.state.save(state, "unchanged", tr("the data is again what was posted: no correction needed"))
    if step == Step.SETTLED_ALREADY:
        return Outcome(vendor.id, day, state.status, tr(ALREADY_SETTLED))
    if step == Step.DOCUMENT:
        return _document(ctx, target, vendor, state, voucher, _sent_booking(ctx, vendor, state, voucher), resumed=True)
    if step == Step.MISSING:
        reason = missing_reason(vendor, day)
        if state.status != MISSING or state.reason != reason:  # one audit row when it becomes missing
            state.status, state.reason = MISSING, reason
            ctx.state.save(state, "missing", reason)
        return Outcome(vendor.id, day, MISSING, reason, holds_vendor=vendor.strict_days)
    if step == Step.HOLD:
        reason = held_reason(vendor, state)
        if state.status != HELD or state.reason != reason:
            state.status, state.reason = HELD, reason
            ctx.state.save(state, "held", reason)
        return Outcome(vendor.id, day, HELD, reason)
    if step == Step.CORRECT:
        lock = target.locked(vendor, day)
        if lock is not None:
            # The ledger would refuse the reversal (and the new version): send nothing, say why.
            reason = tr("the data changed after posting, but {ledger} has locked {day} ({lock}); nothing was sent: "
                        "reopen the period in {ledger} or correct by hand, then run again",
                        ledger=target.title, day=day, lock=lock)
            if state.status != CORRECTION_BLOCKED or state.reason != reason:
                state.status, state.reason = CORRECTION_BLOCKED, reason
                ctx.state.save(state, "correction-blocked", reason)
            return Outcome(vendor.id, day, CORRECTION_BLOCKED, reason)
        try:
            reverse_posted(ctx, target, vendor, state, why=f"data for {day.isoformat()} changed after posting")
        except LedgerError as exc:
            # The posted version stays in the ledger untouched; nothing new is posted until it is reversed.
            state.status = CORRECTION_FAILED
            state.reason = tr("the data changed after posting, but {ledger} did not reverse {key} ({problem}); "
                              "reopen the period in {ledger} or correct by hand, then run again",
                              ledger=target.title, key=state.settlement_key, problem=str(exc))
            ctx.state.save(state, "reverse-failed", state.reason)
            return Outcome(vendor.id, day, CORRECTION_FAILED, state.reason)
        # After the reversal a day without data is what the changed data says: settled empty.
        step = next_step(state, voucher, digest)
    if step == Step.RECORD_EMPTY:
        # Why there is nothing: closed by the calendar, or the source said so (a correction that
        # left the day without sales is the source saying so too).
        if closed:
            message = tr("closed ({why}): nothing to post", why=closed)
        elif confirmed:
            message = tr("no sales ({why}): nothing to post", why=confirmed)
        else:
            message = tr("no sales: nothing to post")
        state.status, state.digest, state.reason, state.mode = EMPTY, digest, "", vendor.posting
        ctx.state.save(state, "empty", message)
        return Outcome(vendor.id, day, EMPTY, message)
    # A closed day with sales is reported at once, so its warning stays with its outcome.
    outcome = _post(ctx, target, vendor, state, voucher, digest, report_later and closed is None)
    if closed is not None and outcome.status in (POSTED, DOCUMENTED):
        # Settled as the data says, but a person should know the calendar and the data disagree.
        warning = tr("{vendor} {day} is a closed day ({closed}) but has sales; settled as usual",
                     vendor=vendor.id, day=day, closed=closed)
        log.warning("%s", warning)
        ctx.state.save(state, "closed-day-data", warning)
        return replace(outcome, message=tr("{message}; warning: {warning}", message=outcome.message, warning=warning))
    return outcome


def _sent_booking(ctx: PostingContext, vendor: Vendor, state: DayState, voucher: Voucher) -> Booking:
    """The booking that was sent for the day's current version; rendered again (from the same
    voucher, whose digest matches) for a day posted before bookings were kept."""
    if state.booking:
        return Booking.from_json(state.booking)
    return ctx.booking(vendor, voucher, state.settlement_key)


def _post(ctx: PostingContext, target: LedgerTarget, vendor: Vendor, state: DayState, voucher: Voucher,
          digest: str, report_later: bool = False) -> Outcome:
    key = settlement_key(vendor.id, state.business_day, state.version)
    booking = ctx.booking(vendor, voucher, key)
    uncertain = state.status == POSTING and state.settlement_key == key
    stopped = send_booking(ctx, target, vendor, state, booking, vendor.posting, digest, uncertain, tr("the posting"), _ids,
                           complete=not report_later)
    if stopped:
        return stopped
    if report_later:
        return Outcome(vendor.id, state.business_day, POSTED, _ids(state), report_due=True)
    return _document(ctx, target, vendor, state, voucher, booking)


def prefetch_ids(ctx: PostingContext, vendor: Vendor, days: list[date]) -> None:
    """Before the reports of several days posted with report_later are made: ask the ledger once
    for the ids of them all (LedgerTarget.prefetch). Should that fail, each report reads its own."""
    if len(days) < 2:
        return  # one day's ids are one read of its own either way
    try:
        ctx.targets(vendor).prefetch(vendor, min(days), max(days))
    except LedgerError as exc:
        log.info("%s: the ids of %d postings could not be read at once (%s); reading each", vendor.id,
                 len(days), exc.reason)


def report_posted(ctx: PostingContext, vendor: Vendor, day: date) -> Outcome:
    """Make and attach the report of a day this run posted with report_later. A day whose state
    or data moved on since is settled again, as settle_day would."""
    state, voucher = ctx.state.get(vendor.id, day), ctx.vouchers(vendor, day)
    if state.status != POSTED or voucher.blocked or voucher_digest(voucher, vendor.posting) != state.digest:
        return settle_day(ctx, vendor, day)
    # Not resumed: this run posted it a moment ago, so no attachment can be there yet.
    return _document(ctx, ctx.targets(vendor), vendor, state, voucher, _sent_booking(ctx, vendor, state, voucher))


def send_booking(ctx, target: LedgerTarget, vendor: Vendor, state: DayState, booking: Booking, mode: str,
                 digest: str, uncertain: bool, what: str, ids: Callable[[DayState], str],
                 complete: bool = True) -> Outcome | None:
    """Send a booking exactly once (a day's or a payout's) and record it `posted`; None when it is,
    else the Outcome that stops here. `uncertain`: an earlier run began sending this key, so its
    parts are looked up in the ledger first. `what` names the posting in a refusal. `complete`:
    read back the ids the answers lacked now (else the report's making does, see _document)."""
    key = booking.key
    if uncertain:
        try:
            adopt_parts(ctx, target, vendor, state, booking)
        except LedgerError as exc:
            # Nothing is sent while we cannot tell what the ledger holds; the state stays `posting`.
            state.reason = tr("could not look {key} up in {ledger}: {problem}", key=key, ledger=target.title,
                              problem=exc.reason)
            ctx.state.save(state, "lookup-failed", state.reason)
            return Outcome(vendor.id, state.business_day, POSTING, state.reason, isinstance(exc, CredentialRefused))
    state.settlement_key, state.mode, state.digest = key, mode, digest
    state.target, state.booking = target.name, booking.to_json()
    try:
        for part in booking.parts:
            if state.ref.get(part.ref_key) is None:
                begin_part(ctx, state, part.name)
                state.ref.update(send_part_once(ctx, target, vendor, state, booking, part))
        if complete:
            state.ref = dict(target.complete(vendor, booking, state.ref))
    except LedgerRefused as exc:
        state.status, state.reason = FAILED, tr("{ledger} refused {what}: {problem}", ledger=target.title,
                                                 what=what, problem=str(exc))
        ctx.state.save(state, "refused", state.reason)
        return Outcome(vendor.id, state.business_day, FAILED, state.reason)
    except LedgerError as exc:
        # The state stays `posting`: the next run looks the key up before sending anything.
        state.reason = exc.reason
        ctx.state.save(state, "interrupted", state.reason)
        return Outcome(vendor.id, state.business_day, POSTING, state.reason, isinstance(exc, CredentialRefused))
    state.status, state.reason = POSTED, ""
    ctx.state.save(state, "posted", ids(state))
    crash_point("after_record")
    return None


def begin_part(ctx: PostingContext, state: DayState, what: str) -> None:
    """Record `posting` (and count the attempt) before anything is sent."""
    state.status = POSTING
    state.attempts += 1
    ctx.state.save(state, "sending", tr("{what} attempt {n}", what=what, n=state.attempts))
    crash_point("before_send", what)


def send_part_once(ctx: PostingContext, target: LedgerTarget, vendor: Vendor, state: DayState, booking: Booking,
                   part: BookingPart) -> dict:
    """Send one part; after an unclear answer, look the key up instead of sending again."""
    try:
        ref = target.send(vendor, booking, part)
    except LedgerAmbiguous as exc:
        ctx.state.save(state, "unclear", tr("{part}: {problem}; looking the key up in {ledger}", part=part.name,
                                            problem=str(exc), ledger=target.title))
        found = target.find(vendor, booking, part, state.business_day)
        if found is None:
            raise
        ctx.state.save(state, "adopted", tr("{part} {id} found in {ledger} after an unclear answer", part=part.name,
                                            id=found[part.ref_key], ledger=target.title))
        return found
    crash_point("after_send", part.name)
    ctx.state.save(state, "sent", f"{part.name} {ref[part.ref_key]}")
    return ref


def adopt_parts(ctx: PostingContext, target: LedgerTarget, vendor: Vendor, state: DayState, booking: Booking) -> None:
    """After an interrupted run, take over whatever of this key the ledger already has."""
    for part in booking.parts:
        if state.ref.get(part.ref_key) is not None:
            continue
        found = target.find(vendor, booking, part, state.business_day)
        if found is not None:
            state.ref.update(found)
            what = "transaction" if part.ref_key == "transaction_id" else part.name
            ctx.state.save(state, "adopted", tr("{part} {id} found in {ledger}", part=what, id=found[part.ref_key],
                                                ledger=target.title))
    ctx.state.save(state, "looked-up", tr("after an interrupted run: {ids}", ids=_ids(state)))


def reverse_posted(ctx: PostingContext, target: LedgerTarget, vendor: Vendor, state: DayState, why: str) -> None:
    """Reverse a posted version visibly, then make room for the next version of the key."""
    target.reverse(vendor, state.ref, f"Korrigering: {why}; erstattes av v{state.version + 1} {state.settlement_key}")
    detail = tr("reversed {ids}: {why}", ids=_ids(state), why=why)
    state.version += 1
    state.corrections += 1
    state.status, state.ref, state.booking = "", {}, None
    state.attachment, state.attempts, state.digest = "", 0, ""
    ctx.state.save(state, "reversed", detail)
    log.info("%s %s: %s", vendor.id, state.business_day, detail)


def _document(ctx: PostingContext, target: LedgerTarget, vendor: Vendor, state: DayState, voucher: Voucher,
              booking: Booking, resumed: bool = False) -> Outcome:
    """Render the settlement report of what was booked, keep it locally and attach it to the posting.

    `resumed`: an earlier run posted the day; it may have attached the report before it stopped.
    The ids the ledger's answers lacked are read back first when posting left that to the report
    (report_later), since the report names the ledger's voucher number.
    """
    try:
        completed = dict(target.complete(vendor, booking, state.ref))
    except LedgerError as exc:
        # The posting stands; the next run reads the ids back and attaches the report then.
        state.reason = tr("posted, but the report could not be attached: {problem}", problem=exc.reason)
        ctx.state.save(state, "attach-failed", state.reason)
        return Outcome(vendor.id, state.business_day, POSTED, state.reason)
    if completed != state.ref:
        state.ref = completed
        ctx.state.save(state, "looked-up", _ids(state))
    pdf = ctx.report(vendor, state, voucher, booking, ctx.generated_at)
    filename = f"dagsoppgjor-{vendor.id}-{state.business_day.isoformat()}-v{state.version}.pdf"
    return keep_and_attach(ctx.state, target, vendor, state, pdf, ctx.report_dir / vendor.id / filename, resumed,
                           _ids)


def keep_and_attach(store, target: LedgerTarget, vendor: Vendor, state: DayState, pdf: bytes, local: Path,
                    resumed: bool, ids: Callable[[DayState], str]) -> Outcome:
    """Keep a posting's report at `local` and attach it to the posting (a day's or a payout's):
    `documented`, or `posted` with the reason when it could not be kept or attached. `resumed`: an
    earlier run posted it and may have attached the report before it stopped (looked for first).
    `ids`: the posting described for the outcome."""
    filename = local.name
    try:
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(pdf)
    except OSError as exc:
        # A full disk or a read-only volume: the posting stands; the report is made again and
        # attached on the next run.
        state.reason = tr("posted, but the report could not be kept at {path}: {problem}", path=str(local),
                          problem=exc.strerror or str(exc))
        store.save(state, "report-not-kept", state.reason)
        return Outcome(vendor.id, state.business_day, POSTED, state.reason)
    try:
        if resumed and state.posted_somewhere:
            existing = target.find_attachment(vendor, state.ref)
            if existing is not None:
                state.status, state.attachment, state.reason = DOCUMENTED, existing, ""
                store.save(state, "documented", tr("report already attached in {ledger} ({location})",
                                                   ledger=target.title, location=existing))
                return Outcome(vendor.id, state.business_day, DOCUMENTED, ids(state))
        try:
            location = target.attach(vendor, state.ref, filename, pdf)
        except LedgerAmbiguous as exc:
            store.save(state, "unclear", tr("attachment: {problem}; looking for it in {ledger}", problem=str(exc),
                                            ledger=target.title))
            location = target.find_attachment(vendor, state.ref)
            if location is None:
                raise
        if location is None:
            return Outcome(vendor.id, state.business_day, POSTED, tr("nothing to attach to"))
    except LedgerError as exc:
        # It stays `posted`: the next run looks for the attachment before uploading again.
        state.reason = tr("posted, but the report could not be attached: {problem}", problem=exc.reason)
        store.save(state, "attach-failed", state.reason)
        return Outcome(vendor.id, state.business_day, POSTED, state.reason)
    crash_point("after_attach")
    state.status, state.attachment, state.reason = DOCUMENTED, location, ""
    store.save(state, "documented", tr("{file} → {location}; kept at {path}", file=filename, location=location,
                                       path=str(local)))
    return Outcome(vendor.id, state.business_day, DOCUMENTED, ids(state))


def _ids(state: DayState) -> str:
    described = describe_ref(state.ref)
    key = tr("key {key}", key=state.settlement_key)
    return f"{key}, {described}" if described else key
