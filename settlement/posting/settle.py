"""Settling one vendor-day in Fiken, exactly once, and documenting it.

The rule that makes this exactly-once: the local state is set to `posting` and committed before a
POST is sent, and a vendor-day found in `posting` (a crash, a timeout, a dropped connection) is
first looked up in Fiken by its settlement key; what is found is adopted, and only what is not
found is sent. Fiken has no idempotency key, so the key in the description (journal entries) or
the saleNumber (cash sales) is how our postings are recognised.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from settlement.wiring import App
from settlement.daily import voucher_for_day
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.errors import AmbiguousResult, FikenError, ValidationError
from settlement.posting.faults import crash_point
from settlement.domain.keys import settlement_key
from settlement.targets.fiken.payloads import FikenPosting, build_cash_sale_posting, build_journal_posting, voucher_digest
from settlement.store.posting_state import (
    BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, NEEDS_ATTENTION, POSTED, POSTING, DayState, PostingState,
)
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one vendor-day in this run."""

    vendor: str
    day: date
    status: str
    message: str = ""

    @property
    def stops_vendor(self) -> bool:
        """Later days of the vendor wait until this one is settled."""
        return self.status in NEEDS_ATTENTION


def no_claim(vendor_id: str) -> AbstractContextManager[bool]:
    """The claim for a single process: always granted."""
    return nullcontext(True)


@dataclass
class PostingContext:
    """Everything settling needs: configuration, the Fiken client, local state and where reports go.

    `claim(vendor_id)` is a context manager that yields True while this process alone may settle
    that vendor's days (False: another replica is at it); replicas sharing a database pass one
    backed by a database lock.
    """

    app: App
    client: FikenClient
    state: PostingState
    report_dir: Path
    generated_at: datetime
    claim: Callable[[str], AbstractContextManager[bool]] = field(default=no_claim)


def build_posting(app: App, vendor: Vendor, voucher: Voucher, key: str) -> FikenPosting:
    """The Fiken bodies for a voucher in the vendor's posting mode."""
    ledger = app.chart.ledger(vendor.id)
    settlement, rounding = ledger["settlement"].account, ledger["rounding"].account
    if vendor.posting == "cash_sale":
        names = {row.account: row.name for row in ledger.values()}
        return build_cash_sale_posting(voucher, vendor.name, settlement, rounding, key, vendor.fiken_project, names)
    return build_journal_posting(voucher, vendor.name, settlement, rounding, key)


def settle_day(ctx: PostingContext, vendor: Vendor, day: date) -> Outcome:
    """Bring one closed vendor-day to `documented` (or `empty`), or say why it cannot be."""
    state = ctx.state.get(vendor.id, day)
    voucher = voucher_for_day(ctx.app, vendor.id, day)
    if voucher.blocked:
        reason = "; ".join(p.format(with_severity=False) for p in voucher.errors)
        if state.reason != reason or state.status not in (BLOCKED, POSTED, DOCUMENTED):
            if state.status not in (POSTED, DOCUMENTED):
                state.status = BLOCKED
            # A posted day keeps its status and ids: what Fiken holds is unchanged, and the
            # correction happens once the new data is valid.
            state.reason = reason
            ctx.state.save(state, "blocked", reason)
        return Outcome(vendor.id, day, BLOCKED, reason)

    digest = voucher_digest(voucher, vendor.posting)
    step = next_step(state, voucher, digest)
    if step == SETTLED_ALREADY:
        return Outcome(vendor.id, day, state.status, "already settled")
    if step == DOCUMENT:
        return _document(ctx, vendor, state, voucher, resumed=True)
    if step == CORRECT:
        try:
            _reverse(ctx, vendor, state, why=f"data for {day.isoformat()} changed after posting")
        except FikenError as exc:
            # The posted version stays in Fiken untouched; nothing new is posted until it is reversed.
            state.status = CORRECTION_FAILED
            state.reason = (f"the data changed after posting, but Fiken did not reverse {state.settlement_key} "
                            f"({exc}); reopen the period in Fiken or correct by hand, then run again")
            ctx.state.save(state, "reverse-failed", state.reason)
            return Outcome(vendor.id, day, CORRECTION_FAILED, state.reason)
        step = next_step(state, voucher, digest)
    if step == RECORD_EMPTY:
        state.status, state.digest, state.reason, state.mode = EMPTY, digest, "", vendor.posting
        ctx.state.save(state, "empty", "no sales: nothing to post")
        return Outcome(vendor.id, day, EMPTY, "no sales: nothing to post")
    return _post(ctx, vendor, state, voucher, digest)


# What settling a vendor-day does next (see next_step).
BLOCK, SETTLED_ALREADY, DOCUMENT, CORRECT, RECORD_EMPTY, POST = (
    "block", "settled", "document", "correct", "empty", "post")


def next_step(state: DayState, voucher: Voucher, digest: str) -> str:
    """The next thing settle_day does for a day in `state` whose voucher (hashed to `digest`) is
    `voucher`. Pure, so `catch-up --dry-run` can say exactly what a run would do.

    CORRECT reverses the posted version; the step after it is RECORD_EMPTY or POST.
    """
    if voucher.blocked:
        return BLOCK
    if state.status in (POSTED, DOCUMENTED, EMPTY) and state.digest == digest:
        return DOCUMENT if state.status == POSTED else SETTLED_ALREADY
    if state.status in (POSTED, DOCUMENTED, CORRECTION_FAILED) and (state.transaction_id or state.sale_id):
        return CORRECT
    if voucher.is_empty and state.status != POSTING:
        return RECORD_EMPTY
    return POST


def _post(ctx: PostingContext, vendor: Vendor, state: DayState, voucher: Voucher, digest: str) -> Outcome:
    key = settlement_key(vendor.id, state.business_day, state.version)
    posting = build_posting(ctx.app, vendor, voucher, key)
    slug = vendor.fiken_company
    uncertain = state.status == POSTING
    if uncertain and state.settlement_key == key:
        try:
            _adopt(ctx, slug, state, posting)
        except FikenError as exc:
            # Nothing is sent while we cannot tell what Fiken holds; the day stays `posting`.
            state.reason = f"could not look {key} up in Fiken: {type(exc).__name__}: {exc}"
            ctx.state.save(state, "lookup-failed", state.reason)
            return Outcome(vendor.id, state.business_day, POSTING, state.reason)
    state.settlement_key, state.mode, state.digest = key, vendor.posting, digest
    try:
        if posting.sale is not None and state.sale_id is None:
            _begin(ctx, state, "sale")
            state.sale_id = _send_once(ctx, slug, state, posting, "sale")
        if posting.journal is not None and state.transaction_id is None:
            _begin(ctx, state, "journal")
            state.transaction_id = _send_once(ctx, slug, state, posting, "journal")
        if state.transaction_id is not None and state.journal_entry_id is None:
            ids = ctx.client.journal_entry_ids(slug, state.transaction_id)
            state.journal_entry_id = ids[0] if ids else None
    except ValidationError as exc:
        state.status, state.reason = FAILED, f"Fiken refused the posting: {exc}"
        ctx.state.save(state, "refused", state.reason)
        return Outcome(vendor.id, state.business_day, FAILED, state.reason)
    except FikenError as exc:
        # The state stays `posting`: the next run looks the key up before sending anything.
        state.reason = f"{type(exc).__name__}: {exc}"
        ctx.state.save(state, "interrupted", state.reason)
        return Outcome(vendor.id, state.business_day, POSTING, state.reason)
    state.status, state.reason = POSTED, ""
    ctx.state.save(state, "posted", _ids(state))
    crash_point("after_record")
    return _document(ctx, vendor, state, voucher)


def _begin(ctx: PostingContext, state: DayState, what: str) -> None:
    """Record `posting` (and count the attempt) before anything is sent."""
    state.status = POSTING
    state.attempts += 1
    ctx.state.save(state, "sending", f"{what} attempt {state.attempts}")
    crash_point("before_send", what)


def _send_once(ctx: PostingContext, slug: str, state: DayState, posting: FikenPosting, what: str) -> int:
    """POST one body; after an unclear answer, look the key up instead of sending again."""
    try:
        if what == "sale":
            new_id = ctx.client.create_cash_sale(slug, posting.sale)
        else:
            new_id = ctx.client.create_general_journal_entry(slug, posting.journal)
    except AmbiguousResult as exc:
        ctx.state.save(state, "unclear", f"{what}: {exc}; looking the key up in Fiken")
        found = _find_sale(ctx, slug, posting) if what == "sale" else _find_journal(ctx, slug, state, posting)
        if found is None:
            raise
        ctx.state.save(state, "adopted", f"{what} {found} found in Fiken after an unclear answer")
        return found
    crash_point("after_send", what)
    ctx.state.save(state, "sent", f"{what} {new_id}")
    return new_id


def _find_sale(ctx: PostingContext, slug: str, posting: FikenPosting) -> int | None:
    """The id of our live cash sale for this key in Fiken, if there is one."""
    for sale in ctx.client.find_sales(slug, posting.key):
        if sale.get("saleNumber") == posting.key and sale.get("kind") == "cash_sale" and not sale.get("deleted"):
            return int(sale["saleId"])
    return None


def _find_journal(ctx: PostingContext, slug: str, state: DayState, posting: FikenPosting) -> int | None:
    """The transaction id of our live journal entry for this key in Fiken, if there is one (and
    its journal entry id into `state`).

    Three guards keep a cash sale's own booking from being taken for the payment-split entry: the
    entry must carry the journal key (with its part, which the sale's saleNumber lacks), its
    transaction must not be one of the sales with this key, and the transaction's type must not
    name a sale. Only the first is needed with what Fiken is known to do; the others hold if
    Fiken's text for a sale's booking ever quotes more of the sale than its saleNumber.
    """
    sale_transactions = set()
    if posting.mode == "cash_sale":
        sale_transactions = {int(s["transactionId"]) for s in ctx.client.find_sales(slug, posting.key)
                             if s.get("saleNumber") == posting.key and s.get("transactionId") is not None}
    for entry in ctx.client.journal_entries(slug, state.business_day, state.business_day):
        if posting.journal_key not in (entry.get("description") or "") or entry.get("offsetTransactionId"):
            continue
        transaction_id = int(entry["transactionId"])
        if transaction_id in sale_transactions:
            continue
        transaction = ctx.client.transaction(slug, transaction_id)
        if transaction.get("deleted") or _is_sale_booking(transaction):
            continue
        state.journal_entry_id = int(entry["journalEntryId"])
        return transaction_id
    return None


def _is_sale_booking(transaction: dict) -> bool:
    """Whether a transaction is the booking of a sale rather than a fri postering (by its type)."""
    kind = str(transaction.get("type") or "").lower()
    return "sale" in kind or "salg" in kind


def _adopt(ctx: PostingContext, slug: str, state: DayState, posting: FikenPosting) -> None:
    """After an interrupted run, take over whatever of this key Fiken already has."""
    if posting.sale is not None and state.sale_id is None:
        state.sale_id = _find_sale(ctx, slug, posting)
        if state.sale_id is not None:
            ctx.state.save(state, "adopted", f"sale {state.sale_id} found in Fiken")
    if posting.journal is not None and state.transaction_id is None:
        state.transaction_id = _find_journal(ctx, slug, state, posting)
        if state.transaction_id is not None:
            ctx.state.save(state, "adopted", f"transaction {state.transaction_id} found in Fiken")
    ctx.state.save(state, "looked-up", f"after an interrupted run: {_ids(state)}")


def _reverse(ctx: PostingContext, vendor: Vendor, state: DayState, why: str) -> None:
    """Reverse a posted version visibly, then make room for the next version of the key."""
    slug = vendor.fiken_company
    description = f"Korrigering: {why}; erstattes av v{state.version + 1} {state.settlement_key}"[:200]
    if state.transaction_id is not None and not ctx.client.transaction(slug, state.transaction_id).get("deleted"):
        ctx.client.reverse_transaction(slug, state.transaction_id, description)
    if state.sale_id is not None and not ctx.client.sale(slug, state.sale_id).get("deleted"):
        ctx.client.delete_sale(slug, state.sale_id, description)
    detail = f"reversed {_ids(state)}: {why}"
    state.version += 1
    state.corrections += 1
    state.status, state.sale_id, state.transaction_id, state.journal_entry_id = "", None, None, None
    state.attachment, state.attempts, state.digest = "", 0, ""
    ctx.state.save(state, "reversed", detail)
    log.info("%s %s: %s", vendor.id, state.business_day, detail)


def _document(ctx: PostingContext, vendor: Vendor, state: DayState, voucher: Voucher, resumed: bool = False) -> Outcome:
    """Render the settlement report, keep it locally and attach it to the posting in Fiken.

    `resumed`: an earlier run posted the day; it may have attached the report before it stopped.
    """
    from settlement.report import render_pdf
    from settlement.report.from_store import day_report_for

    report = day_report_for(ctx.app, vendor.id, state.business_day, state.settlement_key, ctx.generated_at)
    pdf = render_pdf(report)
    filename = f"dagsoppgjor-{vendor.id}-{state.business_day.isoformat()}-v{state.version}.pdf"
    local = ctx.report_dir / vendor.id / filename
    try:
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(pdf)
    except OSError as exc:
        # A full disk or a read-only volume: the day is posted and stays so; the report is made
        # again from the store and attached on the next run.
        state.reason = f"posted, but the report could not be kept at {local}: {exc.strerror or exc}"
        ctx.state.save(state, "report-not-kept", state.reason)
        return Outcome(vendor.id, state.business_day, POSTED, state.reason)
    slug = vendor.fiken_company
    try:
        if resumed and (state.journal_entry_id is not None or state.sale_id is not None):
            existing = _find_attachment(ctx, slug, state)
            if existing is not None:
                state.status, state.attachment, state.reason = DOCUMENTED, existing, ""
                ctx.state.save(state, "documented", f"report already attached in Fiken ({existing})")
                return Outcome(vendor.id, state.business_day, DOCUMENTED, _ids(state))
        try:
            if state.journal_entry_id is not None and state.sale_id is None:
                location = ctx.client.attach_to_journal_entry(slug, state.journal_entry_id, filename, pdf)
            elif state.sale_id is not None:
                location = ctx.client.attach_to_sale(slug, state.sale_id, filename, pdf)
            else:
                return Outcome(vendor.id, state.business_day, POSTED, "nothing to attach to")
        except AmbiguousResult as exc:
            ctx.state.save(state, "unclear", f"attachment: {exc}; looking for it in Fiken")
            location = _find_attachment(ctx, slug, state)
            if location is None:
                raise
    except FikenError as exc:
        # The day stays `posted`: the next run looks for the attachment before uploading again.
        state.reason = f"posted, but the report could not be attached: {type(exc).__name__}: {exc}"
        ctx.state.save(state, "attach-failed", state.reason)
        return Outcome(vendor.id, state.business_day, POSTED, state.reason)
    crash_point("after_attach")
    state.status, state.attachment, state.reason = DOCUMENTED, location, ""
    ctx.state.save(state, "documented", f"{filename} → {location}; kept at {local}")
    return Outcome(vendor.id, state.business_day, DOCUMENTED, _ids(state))


def _find_attachment(ctx: PostingContext, slug: str, state: DayState) -> str | None:
    """An attachment already on our posting. Only this job attaches to its own postings, so any
    attachment there is the report. A sale lists its files as `saleAttachments` (Fiken's sale
    schema); a journal entry as `attachments`."""
    if state.sale_id is not None:
        attachments = ctx.client.sale(slug, state.sale_id).get("saleAttachments") or []
    else:
        attachments = ctx.client.journal_entry(slug, state.journal_entry_id).get("attachments") or []
    for attachment in attachments:
        return str(attachment.get("identifier") or attachment.get("downloadUrl") or "attached")
    return None


def _ids(state: DayState) -> str:
    parts = [f"key {state.settlement_key}"]
    if state.sale_id is not None:
        parts.append(f"sale {state.sale_id}")
    if state.transaction_id is not None:
        parts.append(f"transaction {state.transaction_id}")
    if state.journal_entry_id is not None:
        parts.append(f"journal entry {state.journal_entry_id}")
    return ", ".join(parts)
