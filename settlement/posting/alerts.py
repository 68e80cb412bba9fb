"""Telling a person when a day needs them, once per condition, and again when it is fixed.

After each run (`run`, `catch-up`, each `serve` vendor run) `send_alerts` compares the conditions that
hold now, read from the posting state and the run's outcomes, with what each alert channel was
already told (settlement.store.alerts): a new condition is announced, one that no longer holds gets
a recovery message, one already announced is left alone. Because what was told is kept in the
database, a restart, a second `catch-up` or another replica does not repeat it.

Conditions: a day `blocked`, `failed`, `correction-failed` (or `correction-blocked`), a day `missing`
past its grace, a ledger credential refused, and a payout that is not booked because it is blocked
(a ledger key it needs is not in the chart, its items do not add up), refused by the ledger or not
corrected (kind `payout`, one condition per vendor's share of a payout whatever its status). A channel that fails (a webhook answering 500, an
SMTP server down) is logged and tried again by the next run, at most MAX_ATTEMPTS times; it never
stops settling. The channels themselves (webhook, e-mail) are in settlement.alerting, made by
settlement.wiring; this module sees them only as `AlertChannel`s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from settlement.domain.posting_rules import BLOCKED, CORRECTION_FAILED, DOCUMENTED, FAILED, POSTED, DayState
from settlement.domain.vendors import Vendor
from settlement.domain.text import tr
from settlement.posting.settle import ALREADY_SETTLED, Outcome
from settlement.posting.status import state_word
from settlement.store.alerts import MAX_ATTEMPTS, RAISED, AlertBook, Due

log = logging.getLogger(__name__)

CORRECTION_BLOCKED = "correction-blocked"  # a correction into a period the ledger has locked
MISSING = "missing"
CREDENTIAL = "credential"
PAYOUT = "payout"
# The day statuses that are a condition of their own (a missing day also needs its grace to pass).
DAY_CONDITIONS = frozenset({str(BLOCKED), str(FAILED), str(CORRECTION_FAILED), CORRECTION_BLOCKED, MISSING})
# The statuses of a payout's posting that need a person (the payout is not booked, or not corrected).
PAYOUT_CONDITIONS = frozenset({str(BLOCKED), str(FAILED), str(CORRECTION_FAILED), CORRECTION_BLOCKED})


@dataclass(frozen=True)
class Condition:
    """Something that needs a person: a vendor-day in a bad state, a credential refused, or a payout
    that is not booked.

    kind: the day's status ("blocked", "failed", ...), "credential" or "payout".
    subject: the credential's label for a credential ("the Fiken credential"); for a payout
        "<provider>:<payout id>"; "" for a day.
    day: a day's date; for a payout the date it is booked on (its bank date).
    affected: for a credential, the vendors it stops.
    """

    kind: str
    reason: str
    vendor: str = ""
    day: date | None = None
    subject: str = ""
    affected: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """What makes it the same condition in every run and process."""
        if self.kind == CREDENTIAL:
            return f"{CREDENTIAL}|{self.subject}"
        if self.kind == PAYOUT:  # the same payout whatever its status (blocked, then refused)
            return f"{PAYOUT}|{self.vendor}|{self.day.isoformat() if self.day else ''}|{self.subject}"
        return f"{self.kind}|{self.vendor}|{self.day.isoformat() if self.day else ''}"


@dataclass(frozen=True)
class Alert:
    """One message for a person: a condition, or its recovery (`recovered`).

    vendor_name / ledger: the store's name and its ledger's title, for the text ("" when unknown).
    resolution: for a recovered day, its status now ("documented", "empty").
    """

    condition: Condition
    recovered: bool = False
    vendor_name: str = ""
    ledger: str = ""
    resolution: str = ""


class AlertChannel(Protocol):
    """Where alerts go (a webhook, e-mail). `name` is stable: it keys what the channel was told."""

    name: str

    def send(self, alert: Alert) -> None:
        """Deliver the alert; raise on failure (it is logged and sent again by the next run)."""
        ...


@dataclass(frozen=True)
class Scope:
    """What this run can speak for: only these conditions may be found to have cleared.

    vendors: the vendors whose day conditions were evaluated now.
    credentials_working: the credential labels this run used successfully (a ledger request went
        through): only for those is a refused credential known to be fixed.
    missing_known: whether the missing days were evaluated (else missing conditions stay as they are).
    """

    vendors: frozenset[str]
    credentials_working: frozenset[str] = frozenset()
    missing_known: bool = True

    def covers(self, key: str, kind: str, vendor: str) -> bool:
        if kind == CREDENTIAL:
            return key.removeprefix(f"{CREDENTIAL}|") in self.credentials_working
        if kind == MISSING and not self.missing_known:
            return False
        return vendor in self.vendors


def day_conditions(states: Iterable[DayState], vendors: Mapping[str, Vendor], now: datetime,
                   missing_grace: timedelta = timedelta(0)) -> list[Condition]:
    """The day conditions of `vendors` in the posting state: blocked, failed, correction-failed or
    -blocked days, and missing days whose closing (Vendor.closes_at) is `missing_grace` ago."""
    found = []
    for state in states:
        status = str(state.status)
        vendor = vendors.get(state.vendor)
        if vendor is None or status not in DAY_CONDITIONS:
            continue
        if status == MISSING and now < vendor.closes_at(state.business_day) + missing_grace:
            continue
        found.append(Condition(status, state.reason, state.vendor, state.business_day))
    return found


def payout_conditions(states: Iterable[Any], vendors: Mapping[str, Vendor]) -> list[Condition]:
    """The payouts of `vendors` whose posting needs a person (PAYOUT_CONDITIONS), from their
    posting states (settlement.store.payouts.PayoutState: vendor, business_day, provider,
    payout_id, status, reason); the reason says the status and why."""
    found = []
    for state in states:
        status = str(state.status)
        if state.vendor in vendors and status in PAYOUT_CONDITIONS:
            found.append(Condition(PAYOUT, tr("{status}: {reason}", status=state_word(status), reason=state.reason),
                                   state.vendor, state.business_day,
                                   f"{state.provider}:{state.payout_id}"))
    return found


def payout_outcome_stuck(outcome: Outcome) -> bool:
    """Whether a payout's Outcome of this run leaves it for a person (blocked, refused, not
    corrected): `catch-up` exits 1 for it."""
    return str(outcome.status) in PAYOUT_CONDITIONS


def credential_conditions(vendors: Iterable[Vendor], refused: Mapping[str, str], outcomes: Iterable[Outcome],
                          label: Callable[[Vendor], str]) -> tuple[list[Condition], frozenset[str]]:
    """The credentials refused now, and the labels of those that worked in this run.

    refused: why a vendor's credential cannot be used (checked without a request), by vendor id;
    outcomes: this run's, whose credential_refused says the ledger refused it mid-run;
    label: the credential's label of a vendor (vendors sharing a credential share it).
    """
    vendors = list(vendors)
    by_id = {v.id: v for v in vendors}
    reasons: dict[str, str] = {}
    affected: dict[str, list[str]] = {}
    working: set[str] = set()
    for vendor in vendors:
        if vendor.id in refused:
            reasons.setdefault(label(vendor), refused[vendor.id])
            affected.setdefault(label(vendor), []).append(vendor.id)
    for outcome in outcomes:
        vendor = by_id.get(outcome.vendor)
        if vendor is None:
            continue
        if outcome.credential_refused:
            reasons.setdefault(label(vendor), outcome.message)
            if outcome.vendor not in affected.setdefault(label(vendor), []):
                affected[label(vendor)].append(outcome.vendor)
        elif outcome.status in (POSTED, DOCUMENTED) and outcome.message != tr(ALREADY_SETTLED):
            working.add(label(vendor))  # the ledger took a request with this credential
    conditions = [Condition(CREDENTIAL, reason, subject=name, affected=tuple(affected[name]))
                  for name, reason in reasons.items()]
    return conditions, frozenset(working - set(reasons))


def send_alerts(book: AlertBook, channels: Iterable[AlertChannel], conditions: Iterable[Condition], scope: Scope,
                vendors: Mapping[str, Vendor], resolutions: Mapping[tuple[str, date | str], str] | None = None,
                ledger_title: Callable[[Vendor], str] = lambda v: v.ledger) -> int:
    """Record the conditions that hold now and send what each channel owes; the messages sent.

    A condition known to a channel, inside `scope` and not among `conditions`, has cleared: its
    recovery is due (with the day's status now from `resolutions`, by (vendor, day), a payout's by
    (vendor, "<provider>:<payout id>")). Every
    message a channel owes is sent, also those of earlier runs and other vendors (retries).
    Never raises for a channel's failure: it is logged and counted.
    """
    conditions = list(conditions)
    current = {c.key: c for c in conditions}
    resolutions = resolutions or {}
    sent = 0
    for channel in channels:
        for condition in conditions:
            book.raise_(channel.name, condition.key, condition.kind, condition.vendor, condition.day,
                        condition.reason, condition.affected)
        for key, state in book.states(channel.name).items():
            kind, vendor, day = _parts(key)
            if state == RAISED and key not in current and scope.covers(key, kind, vendor):
                which = (vendor, _subject(key)) if kind == PAYOUT else (vendor, day)
                book.clear(channel.name, key, resolutions.get(which, "") if day or kind == PAYOUT else "")
        for due in book.due(channel.name):
            if not book.take(due):
                continue  # another process is sending it
            alert = _alert(due, vendors, ledger_title)
            try:
                channel.send(alert)
            except Exception as exc:  # any failure of a channel: logged, tried again next run
                attempts = book.failed(due, f"{type(exc).__name__}: {exc}")
                what = "recovery" if due.recovery else "alert"
                if attempts >= MAX_ATTEMPTS:
                    log.error("%s %s not sent through %s after %d attempts; given up: %s: %s", what, due.key,
                              channel.name, attempts, type(exc).__name__, exc)
                else:
                    log.warning("%s %s not sent through %s (attempt %d of %d; the next run tries again): %s: %s",
                                what, due.key, channel.name, attempts, MAX_ATTEMPTS, type(exc).__name__, exc)
                continue
            book.sent(due)
            sent += 1
            log.info("%s %s sent through %s", "recovery" if due.recovery else "alert", due.key, channel.name)
    return sent


def _parts(key: str) -> tuple[str, str, date | None]:
    """(kind, vendor, day) of a condition key (vendor "" and day None for a credential)."""
    kind, _, rest = key.partition("|")
    if kind == CREDENTIAL:
        return kind, "", None
    vendor, _, day = rest.partition("|")
    if kind == PAYOUT:
        day = day.partition("|")[0]
    return kind, vendor, date.fromisoformat(day) if day else None


def _subject(key: str) -> str:
    """The subject of a condition key: a credential's label, a payout's "<provider>:<id>", else ""."""
    kind, _, rest = key.partition("|")
    if kind == CREDENTIAL:
        return rest
    if kind == PAYOUT:
        return rest.split("|", 2)[2] if rest.count("|") >= 2 else ""
    return ""


def _alert(due: Due, vendors: Mapping[str, Vendor], ledger_title: Callable[[Vendor], str]) -> Alert:
    kind, vendor_id, day = _parts(due.key)
    condition = Condition(kind, due.reason, vendor_id, day, _subject(due.key), due.affected)
    vendor = vendors.get(vendor_id)
    # A credential's ledger is that of the vendors it stops (they share it).
    ledger_of = vendor or next((vendors[v] for v in due.affected if v in vendors), None)
    return Alert(condition, due.recovery, vendor.name if vendor else "", ledger_title(ledger_of) if ledger_of else "",
                 due.resolution)
