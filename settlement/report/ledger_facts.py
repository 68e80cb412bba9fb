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
from collections.abc import Mapping, Sequence
from typing import Any

from settlement.report.data import LEDGER_TITLES, LedgerFacts

log = logging.getLogger(__name__)

def _fiken(target: Any, vendor: Any, ref: Mapping[str, Any]) -> dict:
    """Fiken: the company (/companies/{slug}) and the journal entry numbers of the posting."""
    slug = vendor.fiken_company
    company = target.client.company(slug)
    numbers: list[str] = []
    if ref.get("sale_id") is not None:
        sale = target.client.sale(slug, ref["sale_id"])
        if sale.get("transactionId") is not None:
            entries = target.client.transaction(slug, int(sale["transactionId"])).get("entries") or []
            numbers += [str(e["journalEntryNumber"]) for e in entries if e.get("journalEntryNumber") is not None]
    if ref.get("journal_entry_id") is not None:
        entry = target.client.journal_entry(slug, ref["journal_entry_id"])
        if entry.get("journalEntryNumber") is not None:
            numbers.append(str(entry["journalEntryNumber"]))
    return {"company": company.name, "organization_number": company.organization_number,
            "voucher_number": ", ".join(numbers)}


def _identity(target: Any, vendor: Any, ref: Mapping[str, Any]) -> dict:
    """Tripletex and PowerOffice Go: their identity() (Go names the client, not its org number)."""
    who = target.identity()
    return {"company": who.get("company") or who.get("client") or "",
            "organization_number": who.get("organization_number") or "",
            "voucher_number": str(ref.get("voucher_number") or ref.get("voucher_no") or "")}


def facts_from_ledger(target: Any, vendor: Any, ref: Mapping[str, Any]) -> dict | None:
    """What the ledger says of the company and the voucher just posted (JSON-safe), or None when
    it cannot be asked now: the report is then made without it, as the posting must not wait on it."""
    ask = _fiken if target.name == "fiken" else _identity
    try:
        return ask(target, vendor, ref)
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


def correction_reason(audit: Sequence[Any], version: int) -> str:
    """Why version `version` replaces the one before, from the audit line of its reversal."""
    reversals = [row for row in audit if row.action == "reversed"]
    if len(reversals) < version - 1:
        return ""
    detail = reversals[version - 2].detail
    ids, _, why = detail.removeprefix("reversed ").rpartition(": ")
    if "changed after posting" in why:
        why = "dagens data ble endret etter bokføring"
    return f"{why}; {ids}" if ids else why
