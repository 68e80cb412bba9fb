"""Report API entries (the funds and fees feeds of one ledger) as payouts. Pure: no I/O.

A payout is the funds entries after one `scheduled-for-payout` up to and including the next
(webshop-payments.md §3.3): the entries before it are its items, the payout entry's amount (negative:
money leaving the ledger for the bank) is its net. Amounts are øre already. Each entry's
balanceBefore + amount must be its balanceAfter, and each balanceBefore the previous balanceAfter.

The funds feed carries the day's fees as one `fees-retained` entry; the fees feed has a
`capture-fee` per capture (by pspReference). When the capture fees of a payout's captures add up to
its fees-retained exactly, the payout's fee items are those per-capture fees (with the capture's
order id, for matching); otherwise the fees-retained entries stay and a warning says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from settlement.domain.money import format_nok
from settlement.domain.payouts import ItemKind, Payout, PayoutItem
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import tr
from settlement.sources.payouts.vipps.transactions import OSLO, PROVIDER

KINDS = {
    "capture": ItemKind.CAPTURE,
    "refund": ItemKind.REFUND,
    "fees-retained": ItemKind.FEE,
    "retained-disputed-capture": ItemKind.CHARGEBACK,
    "returned-disputed-capture": ItemKind.CHARGEBACK,
    "correction": ItemKind.ADJUSTMENT,
    "top-up": ItemKind.ADJUSTMENT,
    "payout-aborted": ItemKind.ADJUSTMENT,
}
PAYOUT = "scheduled-for-payout"
# The bank-transfer text of a payout names Vipps' settlement number ("Vipps utbet. 2000023 Vippsnr
# 57860"), the SettlementID of the report files, so a payout read from a file and from the API is one.
_SETTLEMENT_NUMBER = re.compile(r"utbet\.?\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One feed entry and where it was read: the page URL and its position in the feed."""

    url: str
    position: int
    data: dict

    def problem(self, message: str, field: str | None = None, warn: bool = False) -> Problem:
        make = warning if warn else error
        value = self.data.get(field) if field else None
        return make(message, file=self.url, line=self.position, column=field,
                    value=None if value is None else str(value), ref=str(self.data.get("pspReference") or ""))


def handle_number(handle: str) -> str:
    """The MSN or Vippsnummer of a recipient handle ("api:123455" or "NO:57860" → the number)."""
    return handle.rpartition(":")[2]


def payouts_from_feeds(ledger: dict, funds: list[Entry], fees: list[Entry]) -> tuple[list[Payout], list[Problem]]:
    """The payouts of a ledger's funds feed (fee items from its fees feed), and every problem."""
    problems: list[Problem] = []
    ledger_id = str(ledger.get("ledgerId") or "")
    handles = ledger.get("settlesForRecipientHandles") or []
    account = handle_number(handles[0]) if handles else ledger_id
    valid = [e for e in funds if _entry_ok(e, problems)]
    _check_balances(valid, problems)
    capture_fees = _capture_fees([e for e in fees if _entry_ok(e, problems)])
    payouts, pending = [], []
    for entry in valid:
        if entry.data["entryType"] != PAYOUT:
            pending.append(entry)
            continue
        payouts.append(_payout(ledger_id, account, entry, pending, capture_fees, problems))
        pending = []
    return payouts, problems


def _entry_ok(entry: Entry, problems: list[Problem]) -> bool:
    data, ok = entry.data, True
    for name in ("amount", "balanceBefore", "balanceAfter"):
        if name in data and not (isinstance(data[name], int) and not isinstance(data[name], bool)):
            problems.append(entry.problem(tr("{name} is not a whole number of øre", name=name), name))
            ok = False
    if not isinstance(data.get("amount"), int):
        if "amount" not in data:
            problems.append(entry.problem(tr("the entry has no amount"), "amount"))
        return False
    if not isinstance(data.get("entryType"), str) or not data["entryType"]:
        problems.append(entry.problem(tr("the entry has no entryType"), "entryType"))
        ok = False
    try:
        date.fromisoformat(str(data.get("ledgerDate")))
    except ValueError:
        problems.append(entry.problem(tr("ledgerDate is not a date (YYYY-MM-DD)"), "ledgerDate"))
        ok = False
    if _time(data.get("time")) is None:
        problems.append(entry.problem(tr("time is not an ISO date-time"), "time"))
        ok = False
    return ok


def _check_balances(entries: list[Entry], problems: list[Problem]) -> None:
    previous: Entry | None = None
    for entry in entries:
        data = entry.data
        before, after = data.get("balanceBefore"), data.get("balanceAfter")
        if isinstance(before, int) and isinstance(after, int) and before + data["amount"] != after:
            problems.append(entry.problem(tr("balanceBefore {before} + amount {amount} is not balanceAfter {after}",
                                             before=format_nok(before), amount=format_nok(data["amount"]),
                                             after=format_nok(after)), "balanceAfter"))
        if previous is not None and isinstance(before, int) and isinstance(previous.data.get("balanceAfter"), int) \
                and before != previous.data["balanceAfter"]:
            problems.append(entry.problem(tr("balanceBefore {before} is not the previous entry's balanceAfter "
                                             "{previous} (an entry is missing from the feed)", before=format_nok(before),
                                             previous=format_nok(previous.data["balanceAfter"])), "balanceBefore"))
        previous = entry


def _capture_fees(entries: list[Entry]) -> dict[str, list[Entry]]:
    by_psp: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.data.get("entryType") == "capture-fee":
            by_psp.setdefault(str(entry.data.get("pspReference") or ""), []).append(entry)
    return by_psp


def _payout(ledger_id: str, account: str, payout_entry: Entry, entries: list[Entry],
            capture_fees: dict[str, list[Entry]], problems: list[Problem]) -> Payout:
    data = payout_entry.data
    ledger_date = date.fromisoformat(data["ledgerDate"])
    found = _SETTLEMENT_NUMBER.search(str(data.get("reference") or ""))
    payout_id = found.group(1) if found else f"{ledger_id}:{ledger_date.isoformat()}"
    items: list[PayoutItem] = []
    for entry in entries:
        kind = KINDS.get(entry.data["entryType"])
        if kind is None:
            problems.append(entry.problem(tr("entry type {type!r} is not one this product knows: kept as 'other' by "
                                             "its amount", type=entry.data["entryType"]), "entryType", warn=True))
            kind = ItemKind.OTHER
        items.append(_item(entry, kind))
    items = _with_capture_fees(payout_id, entries, items, capture_fees, problems)
    currency = str(data.get("currency") or "NOK")
    return Payout(PROVIDER, payout_id, account, ledger_date, -data["amount"], tuple(items), currency,
                  payout_entry.url)


def _item(entry: Entry, kind: ItemKind, amount: int | None = None, reference: str | None = None) -> PayoutItem:
    data = entry.data
    order_id = str(data.get("reference") or "")
    psp = str(data.get("pspReference") or "")
    return PayoutItem(
        kind, data["amount"] if amount is None else amount, reference or order_id or psp, _time(data["time"]),
        order_ref=order_id, store_ref=handle_number(str(data.get("recipientHandle") or "")),
        currency=str(data.get("currency") or "NOK"), line=entry.position,
        description=f"Vipps {data['entryType']} {psp}".strip())


def _with_capture_fees(payout_id: str, entries: list[Entry], items: list[PayoutItem],
                       capture_fees: dict[str, list[Entry]], problems: list[Problem]) -> list[PayoutItem]:
    retained = sum(e.data["amount"] for e in entries if e.data["entryType"] == "fees-retained")
    captures = [e for e in entries if e.data["entryType"] == "capture"]
    fees = [(capture, fee) for capture in captures for fee in capture_fees.get(str(capture.data.get("pspReference")), [])]
    if not retained or not fees:
        return items
    total = sum(fee.data["amount"] for _, fee in fees)
    if total != retained:
        problems.append(warning(
            tr("vipps payout {payout}: the fees feed's capture fees add up to {total}, the funds feed retained "
               "{retained}: the fees are booked as retained, not per capture", payout=payout_id,
               total=format_nok(total), retained=format_nok(retained)),
            file=entries[0].url, ref=payout_id))
        return items
    kept = [item for item, entry in zip(items, entries) if entry.data["entryType"] != "fees-retained"]
    for capture, fee in fees:
        order_id = str(capture.data.get("reference") or "")
        made = _item(fee, ItemKind.FEE, reference=order_id or str(capture.data.get("pspReference") or ""))
        kept.append(PayoutItem(made.kind, made.amount, made.reference, made.occurred, order_ref=order_id,
                               store_ref=made.store_ref, currency=made.currency, line=made.line,
                               description=f"Vipps fee for capture {capture.data.get('pspReference')}"))
    return kept


def _time(value: object) -> datetime | None:
    """An entry's time as an aware datetime (UTC in the spec; an offset-less time is taken as Oslo's)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=OSLO)
