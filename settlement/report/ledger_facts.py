"""Where a day was booked, for the report: the ledger's company, organisation number and voucher
number, read from the ledger once when the day is posted, and a correction's reason.

Kept in the day's stored booking (settlement_day.booking, under "ledger"), not in its target_ref:
the engine reads a target_ref as the posting's ids (any value in it means "posted somewhere", and
audit lines print every entry), while the stored booking is read only through Booking.from_json,
which ignores what it does not know. Both are cleared together when a version is reversed, so a
correction asks the ledger again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from settlement.domain.text import tr
from settlement.report.data import LEDGER_TITLES, LedgerFacts

log = logging.getLogger(__name__)

def facts_from_ledger(target: Any, vendor: Any, ref: Mapping[str, Any]) -> dict | None:
    """What the ledger says of the company and the voucher just posted (JSON-safe: the target's
    where()), or None when it cannot be asked now: the report is then made without it, as the
    posting must not wait on it."""
    try:
        return dict(target.where(vendor, ref))
    except Exception as exc:  # noqa: BLE001: a lookup for the report only; the posting stands
        log.warning("%s %s: could not read the company and voucher number from %s: %s",
                    vendor.id, ref, getattr(target, "title", target.name), exc)
        return None


def ledger_facts(vendor: Any, state: Any) -> LedgerFacts | None:
    """The report's LedgerFacts of a posted day's state (what was kept, the ids, the attachment)."""
    ledger = state.target or getattr(vendor, "ledger", "") or "fiken"
    if not state.posted_somewhere:
        return None
    kept = (state.booking or {}).get("ledger") or {}
    number = kept.get("voucher_number") or str(state.ref.get("voucher_number") or state.ref.get("voucher_no") or "")
    return LedgerFacts(LEDGER_TITLES.get(ledger, ledger), kept.get("company", ""), kept.get("organization_number", ""),
                       number, state.attachment or "")


# The audit line of a reversal, "reversed key [settlement:…], transaction 1, journal entry 2: why", is
# kept in the language the run spoke ("reverserte nøkkel [settlement:…], …" in bokmål).
_REVERSED = ("reversed ", "reverserte ")
_KEY = re.compile(r"^(?:key|nøkkel) (?=\[settlement:)")


def correction_reason(audit: Sequence[Any], version: int) -> str:
    """Why version `version` replaces the one before, from the audit line of its reversal.

    The ids it names are shown as the ledger's ids are (`describe_ref`: "transaction 1, journal
    entry 2"), with the key as "key [settlement:…]" in the report's language ("nøkkel" in bokmål),
    whichever language the line was written in.
    """
    reversals = [row for row in audit if row.action == "reversed"]
    if len(reversals) < version - 1:
        return ""
    detail = reversals[version - 2].detail
    for prefix in _REVERSED:
        if detail.startswith(prefix):
            detail = detail[len(prefix):]
            break
    ids, _, why = detail.rpartition(": ")
    ids = _KEY.sub(tr("key") + " ", ids)
    if "changed after posting" in why:
        why = tr("the day's data changed after posting")
    return f"{why}; {ids}" if ids else why
