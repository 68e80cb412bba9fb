"""How each day state is shown: a label in the installed language and a colour class per known
state; any other state string the status function gives is shown as it is, in a neutral colour."""

from __future__ import annotations

from settlement.domain.text import N_, tr
from settlement.posting.status import STATE_LABELS

# The states the page knows, each with what a person does about it; its label is the CLI's
# (settlement.posting.status.STATE_LABELS). The CSS has one colour per key (st-<state>).
HINTS = {
    "posted": N_("posted, the voucher not attached yet"),
    "documented": N_("posted with the daily settlement attached"),
    "empty": N_("no sales: nothing to post"),
    "waiting": N_("closed day not settled yet"),
    "open": N_("the day is not over yet"),
    "posting": N_("interrupted while it was sent: the next run finds it again"),
    "blocked": N_("the data has errors: must be fixed"),
    "failed": N_("the ledger refused the voucher"),
    "correction-failed": N_("the reversal was refused"),
    "changed": N_("the data changed after posting: the next run corrects it"),
    "missing": N_("open day without data: import it or close the day"),
    "held": N_("changed after posting: waiting for approval"),
    "approved": N_("the correction is approved: the next run makes it"),
    "closed": N_("closed day"),
}
KNOWN = tuple(HINTS)
NEEDS_A_PERSON = ("blocked", "failed", "correction-failed", "posting", "missing", "held", "changed")


def label(state: str) -> str:
    """The state's word in the installed language (English too: the page's labels are words)."""
    if state in HINTS:
        return tr(STATE_LABELS[state])
    return state or "—"


def hint(state: str) -> str:
    return tr(HINTS[state]) if state in HINTS else ""


def css_class(state: str) -> str:
    """The colour class: st-<state> for a known state, st-other for any other (never the raw string,
    so a state can never inject a class name)."""
    return f"st-{state}" if state in KNOWN else "st-other" if state else "st-none"
