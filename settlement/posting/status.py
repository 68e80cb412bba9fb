"""Where every vendor stands with its ledger: one function for `settlement status` (text and
--json), `/metrics` and the web page, so that they cannot tell different stories.

A vendor's standing is read from the posting state when it is asked for, so it is right even for
days another process settled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from settlement.domain.posting_rules import HELD, MISSING, NEEDS_ATTENTION, SETTLED, DayState
from settlement.domain import text
from settlement.domain.text import N_, tr
from settlement.domain.vendors import Vendor
from settlement.posting.catchup import closed_days
from settlement.store.posting_state import PostingState

# The reference keys `status --json` has always shown for every day (None when the ledger's
# reference has no such entry), kept so that scripts reading it go on working.
JSON_REF_KEYS = ("sale_id", "transaction_id", "journal_entry_id")

CHANGED = "changed"
CHANGED_REASON = N_("data changed after posting: the next run corrects it")

# A state's word for a person, in the CLI and on the web page (settlement.web.states) alike:
# "blocked" → "Stoppet" in bokmål. The last few only the CLI shows.
STATE_LABELS = {
    "posted": N_("Posted"), "documented": N_("Posted with voucher"), "empty": N_("Empty day"),
    "waiting": N_("Waiting"), "open": N_("Open"), "posting": N_("Sending"), "blocked": N_("Blocked"),
    "failed": N_("Failed"), "correction-failed": N_("Correction failed"), "changed": N_("Changed"),
    "missing": N_("Missing"), "held": N_("Held"), "approved": N_("Approved"), "closed": N_("Closed"),
    "correction-blocked": N_("Correction blocked"), "error": N_("Error"), "settled": N_("Settled"),
    "ledger credential": N_("Ledger credential"),
}


# What each audit action (the log of a day) is called on the web page's day log in bokmål; in
# English the action itself is shown, as the CLI's `audit` and --json name it.
AUDIT_LABELS = {
    "sending": N_("Sending"), "sent": N_("Sent"), "posted": N_("Posted"), "documented": N_("Posted with voucher"),
    "adopted": N_("Found in the ledger"), "approved": N_("Approved"), "attach-failed": N_("Attachment failed"),
    "blocked": N_("Blocked"), "closed-day-data": N_("Sales on a closed day"),
    "correction-blocked": N_("Correction blocked"), "day-closed": N_("Day closed"), "empty": N_("Empty day"),
    "error": N_("Error"), "held": N_("Held"), "interrupted": N_("Interrupted"), "looked-up": N_("Looked up"),
    "lookup-failed": N_("Lookup failed"), "missing": N_("Missing"), "refused": N_("Refused by the ledger"),
    "report-not-kept": N_("Report not kept"), "reverse-failed": N_("Reversal failed"), "reversed": N_("Reversed"),
    "unchanged": N_("Unchanged"), "unclear": N_("Unclear"),
    # Written by the web page's actions (settlement.web.actions, checks_view).
    "web-retry": N_("Retry from the web page"), "web-reattach": N_("Re-attach from the web page"),
    "web-test-connection": N_("Connection test from the web page"),
}


def shown_action(action: str) -> str:
    """An audit action as a person reads it: the action itself in English, its label in bokmål
    ("reversed" → "Tilbakeført"); an action no one named is shown as it is."""
    if text.language().code == "en" or action not in AUDIT_LABELS:
        return action
    return tr(AUDIT_LABELS[action])


def shown_state(status: str) -> str:
    """A day's state as a person reads it: the state itself in English (as it always was, and as
    --json names it), the web page's label in bokmål ("blocked" → "Stoppet"); a state no one named
    is shown as it is."""
    if text.language().code == "en" or status not in STATE_LABELS:
        return status
    return tr(STATE_LABELS[status])


def state_word(status: str) -> str:
    """A state inside a sentence: the state itself in English, the label in lower case in bokmål."""
    return status if text.language().code == "en" else shown_state(status).lower()

# The digest of a vendor-day's voucher as the store holds it now (voucher_digest), or None when it
# cannot be told; passed in so that this module reads no sales.
Digests = Callable[[Vendor, date], str | None]


@dataclass(frozen=True)
class Attention:
    """A day that needs a person (or a later run) before the vendor's later days can go on."""

    day: date
    status: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class Changed:
    """A settled day (posted, documented or empty) whose data now differs from what was settled."""

    day: date
    status: str
    reason: str = CHANGED_REASON


@dataclass(frozen=True)
class Correction:
    """A day posted again after its data changed: `count` reversals, now `version` under `key`."""

    day: date
    version: int
    key: str
    count: int


@dataclass(frozen=True)
class VendorStatus:
    """One vendor's standing at `now`.

    last_settled: the newest closed day that is settled (posted, documented or empty), if any.
    waiting: the closed days from enabled_since that are not settled, oldest first.
    attention: the days needing attention (blocked, failed, interrupted while posting, a
        correction that failed), by day.
    corrections: the days corrected at least once, by day.
    days: every day the posting state knows for the vendor, by day.
    changed: the settled closed days whose data changed after posting (empty when the current
        digests were not asked for), by day.
    missing: the closed days the vendor was open with no data (status `missing`, recorded by the
        run that found them), by day: each waits for its export or `settlement day close`.
    held: the posted days whose data changed and that wait for `settlement approve` (a vendor
        with corrections = "hold"), by day.
    """

    vendor: str
    last_settled: date | None
    waiting: tuple[date, ...]
    attention: tuple[Attention, ...]
    corrections: tuple[Correction, ...]
    days: tuple[DayState, ...]
    changed: tuple[Changed, ...] = ()
    missing: tuple[Attention, ...] = ()
    held: tuple[Attention, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The vendor as `settlement status --json` prints it."""
        return {
            "vendor": self.vendor,
            "last_settled": self.last_settled.isoformat() if self.last_settled else None,
            "waiting": [d.isoformat() for d in self.waiting],
            "blocked": [
                {"date": a.day.isoformat(), "status": str(a.status), "reason": a.reason, "attempts": a.attempts}
                for a in self.attention
            ],
            "changed": [
                {"date": c.day.isoformat(), "status": str(c.status), "reason": c.reason} for c in self.changed
            ],
            "missing": [{"date": a.day.isoformat(), "reason": a.reason} for a in self.missing],
            "held": [{"date": a.day.isoformat(), "reason": a.reason} for a in self.held],
            "corrections": [
                {"date": c.day.isoformat(), "version": c.version, "key": c.key, "count": c.count}
                for c in self.corrections
            ],
            "days": [
                {
                    "date": s.business_day.isoformat(), "status": str(s.status), "key": s.settlement_key,
                    "mode": s.mode, "target": s.target, **{name: s.ref.get(name) for name in JSON_REF_KEYS},
                    "attachment": s.attachment or None, "version": s.version, "attempts": s.attempts,
                    "reason": s.reason or None,
                }
                for s in self.days
            ],
        }


def vendor_status(vendor: Vendor, days: Iterable[DayState], now: datetime,
                  digests: Digests | None = None) -> VendorStatus:
    """The standing of `vendor` from the states of its days (any order).

    digests: the current digest of a day; asked only for the settled closed days, to find those
    changed after posting (none are looked for without it).
    """
    known = {s.business_day: s for s in days}
    ordered = tuple(known[d] for d in sorted(known))
    closed = closed_days(vendor, now)
    settled = {d for d in closed if d in known and known[d].status in SETTLED}
    return VendorStatus(
        vendor=vendor.id,
        last_settled=max(settled, default=None),
        waiting=tuple(d for d in closed if d not in settled),
        attention=tuple(Attention(s.business_day, s.status, s.reason, s.attempts)
                        for s in ordered if s.status in NEEDS_ATTENTION),
        corrections=tuple(Correction(s.business_day, s.version, s.settlement_key, s.corrections)
                          for s in ordered if s.corrections),
        days=ordered,
        changed=tuple(Changed(d, known[d].status, tr(CHANGED_REASON)) for d in sorted(settled)
                      if digests is not None and _differs(digests(vendor, d), known[d].digest)),
        missing=tuple(Attention(s.business_day, s.status, s.reason, s.attempts)
                      for s in ordered if s.status == MISSING),
        held=tuple(Attention(s.business_day, s.status, s.reason, s.attempts) for s in ordered if s.status == HELD),
    )


def _differs(current: str | None, settled: str) -> bool:
    return current is not None and current != settled


def vendor_statuses(state: PostingState, vendors: Iterable[Vendor], now: datetime,
                    digests: Digests | None = None) -> list[VendorStatus]:
    """The standing of each of `vendors`, in their order, read from the posting state in one query
    (and, with `digests`, the current data of their settled days; see vendor_status)."""
    vendors = list(vendors)
    rows = state.all(vendors[0].id) if len(vendors) == 1 else state.all()
    by_vendor: dict[str, list[DayState]] = {}
    for row in rows:
        by_vendor.setdefault(row.vendor, []).append(row)
    return [vendor_status(vendor, by_vendor.get(vendor.id, ()), now, digests) for vendor in vendors]


@dataclass(frozen=True)
class CheckProblem:
    """One line of `status --check`: something that needs a person (vendor and day None for the
    ledger credential)."""

    vendor: str | None
    day: date | None
    status: str
    reason: str

    def line(self) -> str:
        status = state_word(self.status)
        if self.vendor and self.day:
            if self.reason:
                return tr("{vendor} {day} {status}: {reason}", vendor=self.vendor, day=self.day, status=status,
                          reason=self.reason)
            return tr("{vendor} {day} {status}", vendor=self.vendor, day=self.day, status=status)
        return tr("{status}: {reason}", status=status, reason=self.reason) if self.reason else status

    def to_json(self) -> dict[str, Any]:
        return {"vendor": self.vendor, "date": self.day.isoformat() if self.day else None,
                "status": str(self.status), "reason": self.reason or None}


def check_problems(statuses: Iterable[VendorStatus]) -> list[CheckProblem]:
    """What `status --check` reports of the vendors' standing, per vendor by day: the days needing
    attention, the missing and held days and the days changed after posting. Days waiting are not
    problems (yet)."""
    problems = []
    for row in statuses:
        found = [CheckProblem(row.vendor, a.day, str(a.status), a.reason) for a in row.attention]
        found += [CheckProblem(row.vendor, a.day, str(a.status), a.reason) for a in row.missing + row.held]
        found += [CheckProblem(row.vendor, c.day, CHANGED, c.reason) for c in row.changed]
        problems += sorted(found, key=lambda p: p.day or date.min)
    return problems
