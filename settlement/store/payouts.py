"""Payouts of payment providers in the local store, and where each stands with its ledger.

`payout` and `payout_item` hold what the sources read (settlement.domain.payouts): a read is stored
all or nothing, and a payout read again (same provider and payout id) replaces the stored one. A
digest of what it books tells an unchanged payout from a changed one, which the posting corrects.

`payout_posting` is a payout's posting state per vendor, `payout_audit` its append-only trail.
They are tables of their own rather than rows of settlement_day with a kind column: every reader
of settlement_day (status, catch-up, the web grid, alerts, gauges) treats a row as a vendor-day
with a business day as its key, and a payout is neither; its own tables leave all of them as they
are. The columns are settlement_day's, so the same state (DayState) and rules apply to both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Optional

from sqlalchemy import Text, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Index, SQLModel

from settlement.domain.payout_matching import ClearingSale
from settlement.domain.payout_voucher import PayoutState
from settlement.domain.payouts import ItemKind, Payout, PayoutItem, PayoutRead
from settlement.domain.posting_rules import DayStatus


class PayoutRow(SQLModel, table=True):
    """One payout as its source read it (the items are payout_item)."""

    __tablename__ = "payout"

    provider: str = Field(primary_key=True, max_length=16)
    payout_id: str = Field(primary_key=True, max_length=128)
    account: str = Field(max_length=128)
    paid_on: date
    net: int
    currency: str = Field(default="NOK", max_length=3)
    source: str = Field(default="", max_length=512)
    # sha256 of what the payout books (settlement.store.payouts.payout_digest): a changed payout
    # read again is corrected, an unchanged one is left alone.
    digest: str = Field(max_length=64)
    imported_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class PayoutItemRow(SQLModel, table=True):
    """One item of a stored payout, in the order the source gave them."""

    __tablename__ = "payout_item"
    __table_args__ = (Index("ix_payout_item_payout", "provider", "payout_id", "position"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    payout_id: str = Field(max_length=128)
    position: int
    kind: str = Field(max_length=16)
    amount: int
    reference: str = Field(default="", max_length=256)
    order_ref: str = Field(default="", max_length=128)
    occurred: datetime
    store_ref: str = Field(default="", max_length=128)
    currency: str = Field(default="NOK", max_length=3)
    line: Optional[int] = None
    description: str = ""


class PayoutPostingRow(SQLModel, table=True):
    """Where one vendor's share of a payout stands with its ledger (settlement_day's columns)."""

    __tablename__ = "payout_posting"

    provider: str = Field(primary_key=True, max_length=16)
    payout_id: str = Field(primary_key=True, max_length=128)
    vendor: str = Field(primary_key=True, max_length=64)
    business_day: date  # the date the payout voucher is booked on (the payout's bank date)
    status: str = Field(max_length=20)
    version: int = 1
    settlement_key: str = Field(default="", max_length=160)
    mode: str = Field(default="journal", max_length=16)
    digest: str = Field(default="", max_length=64)
    target: str = Field(default="", max_length=32)
    target_ref: str = Field(default="{}", sa_type=Text)
    booking: Optional[str] = Field(default=None, sa_type=Text, nullable=True)
    attachment: str = Field(default="", max_length=512)
    attempts: int = 0
    corrections: int = 0
    reason: str = ""
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class PayoutAuditRow(SQLModel, table=True):
    """One thing done or learned about a payout's posting. Rows are only ever added."""

    __tablename__ = "payout_audit"
    __table_args__ = (Index("ix_payout_audit_payout", "provider", "payout_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    provider: str = Field(max_length=16)
    payout_id: str = Field(max_length=128)
    vendor: str = Field(max_length=64)
    settlement_key: str = Field(default="", max_length=160)
    action: str = Field(max_length=32)
    detail: str = ""


_PAYOUTS, _ITEMS = PayoutRow.__table__, PayoutItemRow.__table__
_POSTINGS, _AUDIT = PayoutPostingRow.__table__, PayoutAuditRow.__table__
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def payout_digest(payout: Payout) -> str:
    """A hash of what a payout books and matches: not its file name nor its line numbers, so the
    same report downloaded again is unchanged."""
    data = {
        "account": payout.account, "paid_on": payout.paid_on.isoformat(), "net": payout.net,
        "currency": payout.currency,
        "items": [[str(i.kind), i.amount, i.reference, i.order_ref, i.occurred.isoformat(), i.store_ref, i.currency,
                   i.description] for i in payout.items],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class StoredPayouts:
    """What storing a read did: each payout id with NEW, CHANGED or UNCHANGED."""

    outcomes: dict[tuple[str, str], str]

    def count(self, what: str) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome == what)


def _utc(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class PayoutStore:
    """Reads and writes payouts; a read is stored in one transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def store(self, read: PayoutRead) -> StoredPayouts:
        """Store every payout of a read without errors (all or nothing); a payout read again replaces
        the stored one. Raises ValueError for a read with errors: the caller reports its problems."""
        if not read.ok:
            raise ValueError("a read with errors is not stored")
        outcomes: dict[tuple[str, str], str] = {}
        with self.engine.begin() as conn:
            for payout in read.payouts:
                outcomes[(payout.provider, payout.payout_id)] = self._store_one(conn, payout)
        return StoredPayouts(outcomes)

    def _store_one(self, conn: Connection, payout: Payout) -> str:
        digest = payout_digest(payout)
        where = (_PAYOUTS.c.provider == payout.provider, _PAYOUTS.c.payout_id == payout.payout_id)
        stored = conn.execute(select(_PAYOUTS.c.digest).where(*where)).scalar()
        if stored == digest:
            return UNCHANGED
        conn.execute(delete(_PAYOUTS).where(*where))
        conn.execute(delete(_ITEMS).where(_ITEMS.c.provider == payout.provider, _ITEMS.c.payout_id == payout.payout_id))
        conn.execute(_PAYOUTS.insert().values(
            provider=payout.provider, payout_id=payout.payout_id, account=payout.account, paid_on=payout.paid_on,
            net=payout.net, currency=payout.currency, source=payout.source[:512], digest=digest,
            imported_at=datetime.now(timezone.utc)))
        if payout.items:
            conn.execute(_ITEMS.insert(), [
                {"provider": payout.provider, "payout_id": payout.payout_id, "position": n, "kind": str(i.kind),
                 "amount": i.amount, "reference": i.reference, "order_ref": i.order_ref,
                 "occurred": i.occurred.astimezone(timezone.utc), "store_ref": i.store_ref, "currency": i.currency,
                 "line": i.line, "description": i.description}
                for n, i in enumerate(payout.items)])
        return NEW if stored is None else CHANGED

    def payouts(self, provider: str | None = None, accounts: Iterable[tuple[str, str]] | None = None) -> list[Payout]:
        """The stored payouts (of a provider; of the (provider, account) pairs), by bank date and id."""
        query = select(_PAYOUTS).order_by(_PAYOUTS.c.paid_on, _PAYOUTS.c.provider, _PAYOUTS.c.payout_id)
        if provider is not None:
            query = query.where(_PAYOUTS.c.provider == provider)
        wanted = set(accounts) if accounts is not None else None
        with self.engine.connect() as conn:
            heads = [row for row in conn.execute(query).mappings()
                     if wanted is None or (row["provider"], row["account"]) in wanted]
            items: dict[tuple[str, str], list[PayoutItem]] = {}
            ids = sorted({row["payout_id"] for row in heads})
            query = select(_ITEMS).order_by(_ITEMS.c.provider, _ITEMS.c.payout_id, _ITEMS.c.position)
            rows = [] if not ids else conn.execute(query.where(_ITEMS.c.payout_id.in_(ids))).mappings()
            for row in rows:
                items.setdefault((row["provider"], row["payout_id"]), []).append(PayoutItem(
                    kind=ItemKind(row["kind"]), amount=row["amount"], reference=row["reference"],
                    occurred=_utc(row["occurred"]), order_ref=row["order_ref"], store_ref=row["store_ref"],
                    currency=row["currency"], line=row["line"], description=row["description"]))
        return [Payout(row["provider"], row["payout_id"], row["account"], row["paid_on"], row["net"],
                       tuple(items.get((row["provider"], row["payout_id"]), ())), row["currency"], row["source"])
                for row in heads]

    def payout(self, provider: str, payout_id: str) -> Payout | None:
        return next((p for p in self.payouts(provider) if p.payout_id == payout_id), None)


# --- posting state ------------------------------------------------------------------------------

_STATE_FIELDS = tuple(PayoutState.__dataclass_fields__)
_JSON = {"ref": "target_ref", "booking": "booking"}


def _state(row: Any) -> PayoutState:
    values = {name: row[name] for name in _STATE_FIELDS if name not in _JSON}
    values["status"] = DayStatus(row["status"]) if row["status"] else ""
    values["ref"] = json.loads(row["target_ref"] or "{}")
    values["booking"] = json.loads(row["booking"]) if row["booking"] is not None else None
    return PayoutState(**values)


class PayoutPostingState:
    """Reads and writes payout posting states and their audit rows; every write commits at once.
    Saves as settlement.store.posting_state.PostingState does, so the engine's steps use either."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, provider: str, payout_id: str, vendor: str, day: date) -> PayoutState:
        """The state of a vendor's share of a payout (a fresh one dated `day` when there is none)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_POSTINGS).where(
                _POSTINGS.c.provider == provider, _POSTINGS.c.payout_id == payout_id,
                _POSTINGS.c.vendor == vendor)).mappings().first()
        if row is None:
            return PayoutState(vendor, day, provider=provider, payout_id=payout_id)
        return _state(row)

    def all(self, vendor: str | None = None) -> list[PayoutState]:
        query = select(_POSTINGS).order_by(_POSTINGS.c.vendor, _POSTINGS.c.business_day, _POSTINGS.c.payout_id)
        if vendor is not None:
            query = query.where(_POSTINGS.c.vendor == vendor)
        with self.engine.connect() as conn:
            return [_state(row) for row in conn.execute(query).mappings()]

    def save(self, state: PayoutState, action: str, detail: str = "") -> None:
        """Store the state and its audit row in one transaction."""
        values = {name: getattr(state, name) for name in _STATE_FIELDS if name not in _JSON}
        values["status"] = str(state.status)
        values["target_ref"] = json.dumps(state.ref)
        values["booking"] = json.dumps(state.booking, ensure_ascii=False) if state.booking is not None else None
        values["updated_at"] = datetime.now(timezone.utc)
        key = (_POSTINGS.c.provider == state.provider, _POSTINGS.c.payout_id == state.payout_id,
               _POSTINGS.c.vendor == state.vendor)
        with self.engine.begin() as conn:
            if not conn.execute(_POSTINGS.update().where(*key).values(**values)).rowcount:
                conn.execute(_POSTINGS.insert().values(**values))
            conn.execute(_AUDIT.insert().values(
                at=datetime.now(timezone.utc), provider=state.provider, payout_id=state.payout_id, vendor=state.vendor,
                settlement_key=state.settlement_key, action=action, detail=detail))

    def audit(self, provider: str | None = None, payout_id: str | None = None) -> list[PayoutAuditRow]:
        query = select(_AUDIT).order_by(_AUDIT.c.id)
        if provider is not None:
            query = query.where(_AUDIT.c.provider == provider)
        if payout_id is not None:
            query = query.where(_AUDIT.c.payout_id == payout_id)
        with self.engine.connect() as conn:
            return [PayoutAuditRow(**row) for row in conn.execute(query).mappings()]


# --- the days' sales on a clearing account ------------------------------------------------------

def clearing_sales(engine: Engine, vendor: str, days: Iterable[date], codes: set[str]) -> list[ClearingSale]:
    """Each receipt's or order's payment on the clearing account, per business day: the payment lines
    of `days` whose code (or fallback code, as the voucher tries them) is one of `codes` (code_key'd),
    added up per receipt. A webshop order also carries its order number and id as references."""
    from settlement.domain.chart import code_key
    from settlement.store.tables import SaleLineRow
    from settlement.store.webshop import WebshopOrderRow

    lines, orders = SaleLineRow.__table__, WebshopOrderRow.__table__
    wanted = sorted(set(days))
    if not wanted or not codes:
        return []
    totals: dict[tuple[date, str, str], int] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(lines.c.business_day, lines.c.source, lines.c.receipt_id, lines.c.code,
                                   lines.c.fallback_code, lines.c.amount)
                            .where(lines.c.vendor == vendor, lines.c.type == "payment",
                                   lines.c.business_day.in_(wanted)))
        for day, source, receipt, code, fallback, amount in rows:
            if code_key(code) in codes or (fallback and code_key(fallback) in codes):
                totals[(day, source, receipt)] = totals.get((day, source, receipt), 0) + amount
        numbers = {f"order-{order_id}": number for order_id, number in conn.execute(
            select(orders.c.order_id, orders.c.number).where(orders.c.vendor == vendor).distinct())}
    sales = []
    for (day, source, receipt), amount in sorted(totals.items()):
        refs = [receipt]
        if source == "woocommerce" and receipt in numbers:
            refs += [numbers[receipt], receipt.removeprefix("order-")]
        sales.append(ClearingSale(day, receipt, amount, tuple(dict.fromkeys(refs))))
    return sales
