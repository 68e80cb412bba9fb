"""The payout store: schema step 8 on a database step 7 left, a read stored all or nothing, a
payout read again replaced (unchanged when its digest is), its items kept in order."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import pytest

from settlement.domain.payouts import ItemKind, Payout, PayoutItem, PayoutRead
from settlement.domain.problems import error
from settlement.store import open_engine
from settlement.store.migrate import MIGRATIONS
from settlement.store.payouts import CHANGED, NEW, UNCHANGED, PayoutStore

AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
TABLES = ("payout", "payout_item", "payout_posting", "payout_audit")


def _payout(payout_id="po_1", fee=-270, source="a.csv", line=2) -> Payout:
    items = (PayoutItem(ItemKind.CAPTURE, 10000, "ch_1", AT, "1001", line=line),
             PayoutItem(ItemKind.FEE, fee, "ch_1", AT, line=line))
    return Payout("stripe", payout_id, "acct_1", date(2026, 11, 5), 10000 + fee, items, source=source)


def test_step_8_creates_the_payout_tables_on_a_step_7_database(tmp_path):
    path = tmp_path / "old.db"
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:  # as step 7 left it: no payout tables, version 7
        for table in TABLES:
            db.execute(f"DROP TABLE {table}")
        db.execute("DELETE FROM schema_version WHERE version > 7")
    engine = open_engine(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")]
    assert set(TABLES) <= names
    assert versions == [m.version for m in MIGRATIONS] and versions[-1] >= 8
    assert PayoutStore(engine).store(PayoutRead((_payout(),))).outcomes == {("stripe", "po_1"): NEW}


def test_a_payout_read_again_is_replaced_or_left_alone(tmp_path):
    store = PayoutStore(open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    assert store.store(PayoutRead((_payout(), _payout("po_2")))).count(NEW) == 2
    # The same payout from another file, other line numbers: unchanged.
    again = store.store(PayoutRead((_payout(source="b.csv", line=9),)))
    assert again.outcomes == {("stripe", "po_1"): UNCHANGED}
    changed = store.store(PayoutRead((_payout(fee=-300),)))
    assert changed.outcomes == {("stripe", "po_1"): CHANGED}
    stored = store.payout("stripe", "po_1")
    assert stored.net == 9700 and [i.amount for i in stored.items] == [10000, -300]
    assert stored.items[0].order_ref == "1001" and stored.items[0].occurred == AT
    assert len(store.payouts()) == 2


def test_a_read_with_an_error_stores_nothing(tmp_path):
    store = PayoutStore(open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    bad = PayoutRead((_payout(),), (error("bad row", file="a.csv", line=3),))
    with pytest.raises(ValueError):
        store.store(bad)
    assert store.payouts() == []
