"""Schema creation and upgrades on a real PostgreSQL server, with replicas starting together."""

from __future__ import annotations

import subprocess
import sys
import time

from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from settlement.store import open_engine
from settlement.store.migrate import Migration, MIGRATIONS, current_version, prepare_schema

# Each process waits for the same instant, then opens the engine (creating the schema).
OPEN_AT = """
import sys, time
from settlement.store import open_engine
from settlement.store.migrate import current_version
url, at = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, at - time.time()))
engine = open_engine(url)
with engine.connect() as c:
    print(current_version(c))
"""


def test_three_replicas_starting_together_create_the_schema_once(pg_url):
    at = time.time() + 2.0  # after all three interpreters have imported the package
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, pg_url, str(at)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    latest = max(m.version for m in MIGRATIONS)
    for out, err, code in results:
        assert code == 0, err
        assert out.strip() == str(latest)
    engine = open_engine(pg_url, create=False)
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert {"schema_version", "fiken_pacing", "settlement_day", "audit_log"} <= tables
    with engine.connect() as c:
        versions = c.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert versions == [m.version for m in sorted(MIGRATIONS, key=lambda m: m.version)]


def test_a_new_migration_is_applied_once_and_recorded(pg_url):
    engine = open_engine(pg_url)
    applied: list[int] = []

    def add_column(connection):
        applied.append(1)
        connection.execute(text("ALTER TABLE audit_log ADD COLUMN replica VARCHAR(64) DEFAULT ''"))

    upgrade = MIGRATIONS + [Migration(max(m.version for m in MIGRATIONS) + 1, "audit: replica column", add_column)]
    assert prepare_schema(engine, upgrade) == upgrade[-1].version
    assert prepare_schema(engine, upgrade) == upgrade[-1].version
    assert applied == [1]
    assert "replica" in {c["name"] for c in inspect(engine).get_columns("audit_log")}


def test_a_failing_migration_leaves_nothing_behind(pg_url):
    engine = open_engine(pg_url)

    def half_done(connection):
        connection.execute(text("ALTER TABLE audit_log ADD COLUMN half VARCHAR(8)"))
        raise RuntimeError("step failed half-way")

    before = MIGRATIONS[-1].version
    try:
        prepare_schema(engine, MIGRATIONS + [Migration(before + 1, "broken", half_done)])
    except RuntimeError:
        pass
    else:  # pragma: no cover - the step always raises
        raise AssertionError("the failing step did not stop the upgrade")
    with engine.connect() as c:
        assert current_version(c) == before
    assert "half" not in {c["name"] for c in inspect(engine).get_columns("audit_log")}


def test_sqlite_keeps_a_schema_version_too(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    open_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM schema_version")).scalar() == len(MIGRATIONS)
        assert current_version(c) == MIGRATIONS[-1].version


def test_ledger_ids_beyond_32_bits_are_stored(pg_url):
    # Fiken's transaction ids pass 2^31: the reference is kept as JSON text, which holds any size.
    from datetime import date

    from settlement.domain.posting_rules import DayState
    from settlement.store.posting_state import PostingState

    engine = open_engine(pg_url)
    assert str(next(c for c in inspect(engine).get_columns("settlement_day") if c["name"] == "target_ref")["type"]) == "TEXT"
    state = PostingState(engine)
    day = DayState("oslo-sentrum", date(2026, 11, 2), status="posted", target="fiken",
                   ref={"transaction_id": 14_462_737_003, "journal_entry_id": 2**40})
    state.save(day, "posted", "big ids")
    again = state.get("oslo-sentrum", date(2026, 11, 2))
    assert again.ref == {"transaction_id": 14_462_737_003, "journal_entry_id": 2**40} and again.target == "fiken"


def test_an_up_to_date_sqlite_database_opens_while_an_import_holds_the_write_lock(tmp_path):
    # Readers such as `settlement status` must not wait for a long import: no lock when nothing to do.
    import sqlite3

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_engine(url)
    writer = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        engine = open_engine(url + "?timeout=1")
        with engine.connect() as c:
            assert current_version(c) == MIGRATIONS[-1].version
    finally:
        writer.execute("ROLLBACK")
        writer.close()
