"""Posting a payout's voucher in the vendor's ledger, exactly once, and documenting it.

The same engine as a day's (settlement.posting.settle): the subject is a vendor's share of a payout
instead of a vendor-day, kept as a PayoutState (a DayState with the payout's provider and id), so
the day's own steps do the work unchanged: record `posting` before anything is sent, send each
part once, after an unclear answer or an interrupted run find the part by its key and adopt it,
complete the ids, and reverse a posted version visibly before a changed payout is posted again as
the next version. The rules deciding the next step are the day's (posting_rules.next_step).

What is payout-specific is here: which payouts are due, the key (payout_key), the voucher
(settlement.domain.payout_voucher), and the report attached (the payout's items and the days they
cover). A payout voucher is always a journal entry, also for a vendor whose days are cash sales.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from settlement.domain.chart import LedgerRow
from settlement.domain.payout_config import PayoutAccount
from settlement.domain.payout_voucher import PayoutState, build_payout_voucher, key_id, share_of, voucher_key
from settlement.domain.payouts import Payout
from settlement.domain.posting_rules import (
    BLOCKED, CORRECTION_BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, POSTED, POSTING, Step, next_step, voucher_digest,
)
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.posting.ledger import Booking, LedgerError, LedgerTarget, describe_ref
# The day's steps, shared: they read and write only the state, the ledger target and ctx.state.
from settlement.posting.settle import Outcome, keep_and_attach, no_claim, reverse_posted, send_booking
from settlement.store.payouts import PayoutPostingState

log = logging.getLogger(__name__)

MODE = "journal"

# The payout report's PDF: (vendor, state, payout share, voucher, booking, generated_at) → bytes.
PayoutReportRenderer = Callable[[Vendor, PayoutState, Payout, Voucher, Booking, datetime], bytes]


@dataclass
class PayoutPostingContext:
    """Everything posting payouts needs, built by settlement.wiring.payout_posting_context.

    payouts(vendor): the stored payouts of the vendor's provider accounts, each with its account.
    today(vendor): the vendor's date now; a payout is due once its bank date has come.
    """

    payouts: Callable[[Vendor], list[tuple[Payout, PayoutAccount]]]
    ledgers: Callable[[Vendor], Mapping[str, LedgerRow]]
    targets: Callable[[Vendor], LedgerTarget]
    report: PayoutReportRenderer
    state: PayoutPostingState
    report_dir: Path
    generated_at: datetime
    today: Callable[[Vendor], date]
    claim: Callable[[str], AbstractContextManager[bool]] = field(default=no_claim)


def due(vendor: Vendor, payout: Payout, today: date) -> bool:
    """Whether a payout is posted now: its bank date has come and is not before the vendor's first
    settled day (an older payout settles sales this product never booked on the clearing account)."""
    return vendor.enabled_since <= payout.paid_on <= today


def post_payouts(ctx: PayoutPostingContext, vendor: Vendor) -> list[Outcome]:
    """Post every due payout of the vendor that is not settled yet (in bank-date order)."""
    outcomes = []
    today = ctx.today(vendor)
    with ctx.claim(vendor.id) as granted:
        if not granted:
            return [Outcome(vendor.id, today, "", tr("another process is settling this vendor"))]
        for payout, account in ctx.payouts(vendor):
            if due(vendor, payout, today):
                outcomes.append(settle_payout(ctx, vendor, payout, account))
    return outcomes


def _journal(vendor: Vendor) -> Vendor:
    return vendor if vendor.posting == MODE else replace(vendor, posting=MODE)


def settle_payout(ctx: PayoutPostingContext, vendor: Vendor, payout: Payout, account: PayoutAccount) -> Outcome:
    """Bring a vendor's share of one payout to `documented`, or say why it cannot be."""
    vendor = _journal(vendor)
    share = share_of(payout, account)
    voucher = build_payout_voucher(vendor.id, share, account, ctx.ledgers(vendor))
    state = ctx.state.get(payout.provider, payout.payout_id, vendor.id, share.paid_on)
    what = tr("{provider} payout {payout}", provider=payout.provider, payout=payout.payout_id)
    if voucher.blocked:
        reason = "; ".join(p.format(with_severity=False) for p in voucher.errors)
        if state.reason != reason:
            if state.status not in (POSTED, DOCUMENTED):
                state.status = BLOCKED
            state.reason = reason
            ctx.state.save(state, "blocked", reason)
        # The voucher's errors name the payout already ("stripe payout po_1: ledger key …").
        return Outcome(vendor.id, share.paid_on, BLOCKED, reason if reason.startswith(what) else tr("{what}: {reason}", what=what, reason=reason))
    target = ctx.targets(vendor)
    digest = voucher_digest(voucher, MODE)
    step = next_step(state, voucher, digest)
    if step == Step.SETTLED_ALREADY:
        return Outcome(vendor.id, state.business_day, state.status, tr("{what}: already settled", what=what))
    if step == Step.DOCUMENT:
        return _document(ctx, target, vendor, state, share, voucher, Booking.from_json(state.booking), resumed=True)
    if step == Step.CORRECT:
        lock = target.locked(vendor, state.business_day) if hasattr(target, "locked") else None
        if lock is not None:
            reason = tr("{what} changed after posting, but {ledger} has locked {day} ({lock}); nothing was sent: "
                        "reopen the period or correct by hand, then run again", what=what, ledger=target.title,
                        day=state.business_day, lock=lock)
            if state.status != CORRECTION_BLOCKED or state.reason != reason:
                state.status, state.reason = CORRECTION_BLOCKED, reason
                ctx.state.save(state, "correction-blocked", reason)
            return Outcome(vendor.id, state.business_day, CORRECTION_BLOCKED, reason)
        try:
            reverse_posted(ctx, target, vendor, state, why=f"{what} changed after posting")
        except LedgerError as exc:
            state.status = CORRECTION_FAILED
            state.reason = tr("{what} changed after posting, but {ledger} did not reverse {key} ({problem}); "
                              "correct by hand, then run again", what=what, ledger=target.title,
                              key=state.settlement_key, problem=str(exc))
            ctx.state.save(state, "reverse-failed", state.reason)
            return Outcome(vendor.id, state.business_day, CORRECTION_FAILED, state.reason)
        step = next_step(state, voucher, digest)
    if step == Step.RECORD_EMPTY:
        state.status, state.digest, state.reason, state.mode = EMPTY, digest, "", MODE
        message = tr("{what}: nothing to book", what=what)
        ctx.state.save(state, "empty", message)
        return Outcome(vendor.id, share.paid_on, EMPTY, message)
    return _post(ctx, target, vendor, state, share, account, voucher, digest)


def _post(ctx: PayoutPostingContext, target: LedgerTarget, vendor: Vendor, state: PayoutState, share: Payout,
          account: PayoutAccount, voucher: Voucher, digest: str) -> Outcome:
    key = voucher_key(share, account, vendor.id, state.version)
    what = tr("{provider} payout {payout}", provider=share.provider, payout=share.payout_id)
    uncertain = state.status == POSTING and state.settlement_key == key
    if not uncertain:
        state.business_day = voucher.day  # the date it is booked on, and looked up by
    booking = target.render(vendor, replace(voucher, day=state.business_day), ctx.ledgers(vendor), key)
    stopped = send_booking(ctx, target, vendor, state, booking, MODE, digest, uncertain, tr("the posting of {what}", what=what), _ids)
    return stopped or _document(ctx, target, vendor, state, share, voucher, booking)


def report_filename(state: PayoutState) -> str:
    """'utbetaling-stripe-po_123-v1.pdf' (the id made safe for a file name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", state.payout_id)
    return f"utbetaling-{state.provider}-{safe}-v{state.version}.pdf"


def _document(ctx: PayoutPostingContext, target: LedgerTarget, vendor: Vendor, state: PayoutState, share: Payout,
              voucher: Voucher, booking: Booking, resumed: bool = False) -> Outcome:
    """Keep the payout's report locally and attach it to the posting (once: after an interrupted
    run, an attachment already there is taken for it)."""
    pdf = ctx.report(vendor, state, share, voucher, booking, ctx.generated_at)
    local = ctx.report_dir / vendor.id / "payouts" / report_filename(state)
    return keep_and_attach(ctx.state, target, vendor, state, pdf, local, resumed, _ids)


def _ids(state: PayoutState) -> str:
    described = describe_ref(state.ref)
    key = tr("{subject}: key {key}", subject=state.subject, key=state.settlement_key)
    return f"{key}, {described}" if described else key


__all__ = ["PayoutPostingContext", "due", "post_payouts", "settle_payout", "key_id"]
