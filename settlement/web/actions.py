"""What an operator may do from the web page, each under the vendor's claim (never racing a run)
and each written to the store's audit log naming the user.

retry and reattach run the same use case as `settlement run` (settle_guarded): for a failed day it
posts again, for a posted day whose report was not attached it attaches it. approve and close say
a person's word as `settlement approve` and `settlement day close` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain.posting_rules import (
    CORRECTION_BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, HELD, MISSING, POSTED, POSTING,
)
from settlement.domain.text import tr
from settlement.store.posting_state import PostingState

RETRYABLE = frozenset({FAILED, CORRECTION_FAILED, CORRECTION_BLOCKED, POSTING})


@dataclass(frozen=True)
class Done:
    """What an action did: ok, and a sentence for the page."""

    ok: bool
    message: str


def available(status: str, shown: str) -> list[str]:
    """The actions that make sense for a day in `status` (shown as `shown` on the page)."""
    found = []
    if status in RETRYABLE:
        found.append("retry")
    if status == POSTED:
        found.append("reattach")
    if status == HELD or (shown == "changed" and status in (POSTED, DOCUMENTED)):
        found.append("approve")
    if status in ("", MISSING) and shown in ("missing", "waiting"):
        found.append("close")
    return found


def _claims(app):
    from settlement.posting.claims import claims_for

    return claims_for(app.engine)


def settle_again(app, vendor_id: str, day: date, user: str, action: str) -> Done:
    """retry / reattach: audit who asked, then settle the day as `settlement run` does."""
    from settlement.posting.catchup import settle_guarded
    from settlement.wiring import credential_problems, posting_context, send_run_alerts

    vendor = app.vendor(vendor_id)
    state = PostingState(app.engine)
    current = state.get(vendor.id, day)
    wanted = RETRYABLE if action == "retry" else {POSTED}
    if current.status not in wanted:
        if current.status:
            return Done(False, tr("{action}: not possible when the day is {status}", action=action, status=current.status))
        return Done(False, tr("{action}: not possible when the day is not settled", action=action))
    problem = credential_problems(app, [vendor]).get(vendor.id)
    if problem:
        return Done(False, f"{action}: {problem}")
    ctx = posting_context(app)
    with ctx.claim(vendor.id) as claimed:
        if not claimed:
            return Done(False, _claimed_elsewhere(vendor.id))
        # The audit log's detail is written in the installed language, as settlement.posting.person does.
        detail = (tr("retry asked by {user} on the web page", user=user) if action == "retry"
                  else tr("re-attach the report asked by {user} on the web page", user=user))
        state.save(current, f"web-{action}", detail)
        outcome = settle_guarded(ctx, vendor, day)
    send_run_alerts(app, [vendor], [outcome])
    return Done(outcome.status in (POSTED, DOCUMENTED, EMPTY),
                f"{outcome.status}" + (f": {outcome.message}" if outcome.message else ""))


def _on_the_page(user: str) -> str:
    """Who decided, as the audit log's detail names them ("approved by anna on the web page: ...")."""
    return tr("{user} on the web page", user=user)


def _claimed_elsewhere(vendor_id: str) -> str:
    return tr("{vendor} is being settled by another process now; try again shortly", vendor=vendor_id)


def approve(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement approve`: the next run reverses the posted version and posts the day again."""
    from settlement.posting import person

    vendor = app.vendor(vendor_id)
    decision = person.approve(PostingState(app.engine), _claims(app), vendor, day, app.voucher(vendor.id, day),
                              _on_the_page(user), reason)
    if decision.kind == person.CLAIMED:
        return Done(False, _claimed_elsewhere(vendor.id))
    if decision.kind == person.ALREADY:
        return Done(True, tr("already approved; the next run corrects the day"))
    if decision.kind != person.DONE:
        if decision.status:
            return Done(False, tr("nothing to approve ({status})", status=decision.status))
        return Done(False, tr("nothing to approve (not settled)"))
    return Done(True, decision.detail)


def close_day(app, vendor_id: str, day: date, user: str, reason: str) -> Done:
    """As `settlement day close`: an open day without data is settled empty, with the reason."""
    from settlement.posting import person

    vendor = app.vendor(vendor_id)
    decision = person.close_day(PostingState(app.engine), _claims(app), vendor, day, app.voucher(vendor.id, day),
                                _on_the_page(user), reason)
    if decision.kind == person.DONE:
        return Done(True, decision.detail)
    if decision.kind == person.CLAIMED:
        return Done(False, _claimed_elsewhere(vendor.id))
    if decision.kind == person.NO_REASON:
        return Done(False, tr("write why the day has no sales"))
    if decision.kind == person.BEFORE_ENABLED:
        return Done(False, tr("before enabled_since {enabled_since}", enabled_since=vendor.enabled_since))
    if decision.kind == person.HAS_DATA:
        return Done(False, tr("the day has sales data: closing is for a day without data"))
    if decision.kind == person.NOT_APPLICABLE:
        return Done(False, tr("the day is {status}: only a missing day can be closed", status=decision.status))
    raise KeyError(decision.kind)
