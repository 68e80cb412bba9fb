"""How each day state is shown: a label in the installed language and a colour class per known
state; any other state string the status function gives is shown as it is, in a neutral colour."""

from __future__ import annotations

from settlement.domain.text import N_, tr

# state → (label, what a person does about it). The CSS has one colour per key (st-<state>).
KNOWN = {
    "posted": (N_("Posted"), N_("posted, the voucher not attached yet")),
    "documented": (N_("Posted with voucher"), N_("posted with the daily settlement attached")),
    "empty": (N_("Empty day"), N_("no sales: nothing to post")),
    "waiting": (N_("Waiting"), N_("closed day not settled yet")),
    "open": (N_("Open"), N_("the day is not over yet")),
    "posting": (N_("Sending"), N_("interrupted while it was sent: the next run finds it again")),
    "blocked": (N_("Blocked"), N_("the data has errors: must be fixed")),
    "failed": (N_("Failed"), N_("the ledger refused the voucher")),
    "correction-failed": (N_("Correction failed"), N_("the reversal was refused")),
    "changed": (N_("Changed"), N_("the data changed after posting: the next run corrects it")),
    "missing": (N_("Missing"), N_("open day without data: import it or close the day")),
    "held": (N_("Held"), N_("changed after posting: waiting for approval")),
    "approved": (N_("Approved"), N_("the correction is approved: the next run makes it")),
    "closed": (N_("Closed"), N_("closed day")),
}
NEEDS_A_PERSON = ("blocked", "failed", "correction-failed", "posting", "missing", "held", "changed")


def label(state: str) -> str:
    if state in KNOWN:
        return tr(KNOWN[state][0])
    return state or "—"


def hint(state: str) -> str:
    return tr(KNOWN[state][1]) if state in KNOWN else ""


def css_class(state: str) -> str:
    """The colour class: st-<state> for a known state, st-other for any other (never the raw string,
    so a state can never inject a class name)."""
    return f"st-{state}" if state in KNOWN else "st-other" if state else "st-none"
