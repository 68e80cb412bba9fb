"""Creating and upgrading the database schema, safely when several replicas start at once.

`prepare_schema(engine)` brings any database to the current schema:
1. create every table the code defines that does not exist yet (new tables need no migration);
2. apply each step of `MIGRATIONS` newer than the version recorded in `schema_version`, in order,
   recording each one (changes to existing tables — new columns, new indexes — go there).

On PostgreSQL the whole of it runs in one transaction that first takes a transaction-level
advisory lock: replicas starting together queue on the lock, the first creates the tables, the
others then find them and the recorded version and do nothing. PostgreSQL DDL is transactional,
so a replica that dies half-way leaves nothing behind. SQLite is a single-host file; there the
steps run in one `BEGIN IMMEDIATE` transaction, which serialises the processes sharing the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlmodel import SQLModel

from settlement.store.pacing import PACING_METADATA

# Importing the table modules registers their tables in SQLModel.metadata.
from settlement.store import tables  # noqa: F401
from settlement.store import webshop  # noqa: F401
from settlement.store import posting_state as state  # noqa: F401
from settlement.store import day_blocks  # noqa: F401
from settlement.store import alerts  # noqa: F401
from settlement.store import oauth_tokens  # noqa: F401
from settlement.store import payouts  # noqa: F401
from settlement.store import reload_requests  # noqa: F401
from settlement.store import closings  # noqa: F401



@compiles(Integer, "postgresql")
def _integer_is_64_bit(type_, compiler, **kw) -> str:
    """On PostgreSQL every plain integer column (and parameter cast) is BIGINT.

    Python and SQLite integers are 64-bit and the code relies on it: Fiken's ids (transaction ids
    above 2^31 are normal) and sums in øre. PostgreSQL's INTEGER is 32-bit, so without this a
    posting would be refused by the database after Fiken had already accepted it.
    """
    return "BIGINT"


SCHEMA_METADATA = MetaData()

schema_version = Table(
    "schema_version",
    SCHEMA_METADATA,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One numbered upgrade step; `apply` changes existing tables on the open connection."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _baseline(connection: Connection) -> None:
    """Version 1 is the schema `create_all` makes; nothing to change."""


def _summary_index(connection: Connection) -> None:
    """Replace the (vendor, business_day) index of sale_line by one that covers the daily summary.
    Idempotent: a database created with the new schema already has it."""
    from settlement.store.tables import SUMMARY_INDEX_COLUMNS

    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS ix_sale_line_summary ON sale_line ({', '.join(SUMMARY_INDEX_COLUMNS)})")
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_sale_line_day")


def _discount_column(connection: Connection) -> None:
    """Add sale_line.discount (øre, NULL: not stated by the source). Idempotent: a database
    created with the new schema already has the column. Old rows stay NULL ("ikke oppgitt"):
    their sources were read before discounts were kept."""
    columns = {column["name"] for column in inspect(connection).get_columns("sale_line")}
    if "discount" not in columns:
        connection.exec_driver_sql("ALTER TABLE sale_line ADD COLUMN discount BIGINT")


# The Fiken id columns settlement_day had up to step 3, in the order target_ref keeps them.
_FIKEN_ID_COLUMNS = ("sale_id", "transaction_id", "journal_entry_id")


def _target_ref_columns(connection: Connection) -> None:
    """settlement_day keeps the ledger's reference instead of Fiken's ids: add `target`,
    `target_ref` (JSON) and `booking` (JSON, NULL), move every row's non-null ids into
    target_ref (target 'fiken': the only ledger before this step), then drop the id columns.
    `booking` stays NULL for those rows: nothing recorded what was sent, so a report of such a day
    renders the booking again, as before. Idempotent: a database created with the new schema
    already has the new columns and none of the old ones."""
    columns = {column["name"] for column in inspect(connection).get_columns("settlement_day")}
    added = {
        "target": "VARCHAR(32) NOT NULL DEFAULT ''",
        "target_ref": "TEXT NOT NULL DEFAULT '{}'",
        "booking": "TEXT",
    }
    for name, definition in added.items():
        if name not in columns:
            connection.exec_driver_sql(f"ALTER TABLE settlement_day ADD COLUMN {name} {definition}")
    old = [name for name in _FIKEN_ID_COLUMNS if name in columns]
    if not old:
        return
    if connection.dialect.name == "sqlite":
        if sqlite3.sqlite_version_info < (3, 35):
            raise RuntimeError(f"schema step 4 needs SQLite 3.35 or newer (ALTER TABLE DROP COLUMN); "
                               f"this Python has SQLite {sqlite3.sqlite_version}")
    # Untyped text(): each business_day goes back exactly as the driver gave it (text on SQLite).
    rows = connection.execute(text(
        f"SELECT vendor, business_day, {', '.join(old)} FROM settlement_day WHERE "
        + " OR ".join(f"{name} IS NOT NULL" for name in old))).all()
    update = text("UPDATE settlement_day SET target = 'fiken', target_ref = :ref "
                  "WHERE vendor = :vendor AND business_day = :day")
    for vendor, day, *ids in rows:
        ref = {name: int(value) for name, value in zip(old, ids) if value is not None}
        connection.execute(update, {"ref": json.dumps(ref), "vendor": vendor, "day": day})
    for name in old:
        connection.exec_driver_sql(f"ALTER TABLE settlement_day DROP COLUMN {name}")


def _day_block_table(connection: Connection) -> None:
    """Create day_block (the problems that block a business day, settlement.store.day_blocks).
    A new table: create_all has made it already on any database this code opens; kept as a step
    so that the schema version says the table is there. Idempotent."""
    day_blocks.DayBlockRow.__table__.create(connection, checkfirst=True)


def _alert_state_table(connection: Connection) -> None:
    """Create alert_state (what each alert channel was told, settlement.store.alerts). A new table:
    create_all has made it already; kept as a step so that the schema version says it is there."""
    alerts.AlertRow.__table__.create(connection, checkfirst=True)


def _oauth_token_table(connection: Connection) -> None:
    """Create oauth_token (OAuth tokens shared by replicas, settlement.store.oauth_tokens); a new
    table, as step 6."""
    oauth_tokens.OAuthTokenRow.__table__.create(connection, checkfirst=True)


def _payout_tables(connection: Connection) -> None:
    """Create payout, payout_item, payout_posting and payout_audit (settlement.store.payouts): the
    payment providers' payouts and where each stands with its ledger; new tables, as step 8."""
    for row in (payouts.PayoutRow, payouts.PayoutItemRow, payouts.PayoutPostingRow, payouts.PayoutAuditRow):
        row.__table__.create(connection, checkfirst=True)


def _reload_request_table(connection: Connection) -> None:
    """Create reload_request (settlement.store.reload_requests): `settlement reload` reaching every
    replica; a new table, like the steps before it."""
    reload_requests.ReloadRequestRow.__table__.create(connection, checkfirst=True)


def _register_closing_table(connection: Connection) -> None:
    """Create register_closing (settlement.store.closings): the registers' Z reports per business
    day, so a day they say had no sales is settled empty instead of missing; a new table."""
    closings.RegisterClosingRow.__table__.create(connection, checkfirst=True)


# Append new steps at the end with the next number; never edit or reorder a released step.
MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: sales, notes, webshop orders, posting state, audit log, Fiken pacing", _baseline),
    Migration(2, "sale_line: covering index for the daily summary", _summary_index),
    Migration(3, "sale_line: discount column (informational, for the settlement report)", _discount_column),
    Migration(4, "settlement_day: target, target_ref and booking instead of Fiken's id columns", _target_ref_columns),
    Migration(5, "day_block: problems that block one business day instead of refusing the whole file", _day_block_table),
    Migration(6, "alert_state: each alert channel's conditions, so an alert and its recovery are sent once", _alert_state_table),
    Migration(7, "oauth_token: an OAuth token that the ledger rotates, shared by replicas under a lock", _oauth_token_table),
    Migration(8, "payout, payout_item, payout_posting, payout_audit: payment providers' payouts and their postings", _payout_tables),
    Migration(9, "reload_request: settlement reload reaches every serve sharing the database", _reload_request_table),
    Migration(10, "register_closing: the registers' Z reports per day, so a day they say had no sales is not missing",
              _register_closing_table),
]


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


SCHEMA_LOCK = advisory_key("settlement:schema")


def current_version(connection: Connection) -> int:
    """The newest applied migration (0 for a database without any)."""
    return connection.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).scalar() or 0


def prepare_schema(engine: Engine, migrations: list[Migration] | None = None) -> int:
    """Create missing tables and apply pending migrations under a lock; returns the schema version."""
    steps = MIGRATIONS if migrations is None else migrations
    with engine.connect() as connection:
        # The usual case, a database already up to date, takes no lock: a reader (`status`) must not
        # wait for a long import's write lock on SQLite, nor replicas queue for nothing.
        up_to_date = _up_to_date(connection, steps)
        connection.rollback()
        if up_to_date is not None:
            return up_to_date
        if engine.dialect.name == "postgresql":
            with connection.begin():
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
                return _upgrade(connection, steps)
        if engine.dialect.name == "sqlite":
            # pysqlite opens transactions lazily; an explicit BEGIN IMMEDIATE takes the write lock now.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                version = _upgrade(connection, steps)
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
            return version
        with connection.begin():
            return _upgrade(connection, steps)


def _up_to_date(connection: Connection, steps: list[Migration]) -> int | None:
    """The schema version if every table exists and no step is pending, else None."""
    existing = set(inspect(connection).get_table_names())
    wanted = set(SQLModel.metadata.tables) | set(SCHEMA_METADATA.tables) | set(PACING_METADATA.tables)
    if not wanted <= existing:
        return None
    version = current_version(connection)
    return version if all(step.version <= version for step in steps) else None


def _upgrade(connection: Connection, steps: list[Migration]) -> int:
    for metadata in (SQLModel.metadata, SCHEMA_METADATA, PACING_METADATA):
        metadata.create_all(connection)
    version = current_version(connection)
    for step in sorted(steps, key=lambda s: s.version):
        if step.version <= version:
            continue
        step.apply(connection)
        connection.execute(insert(schema_version).values(
            version=step.version, description=step.description, applied_at=datetime.now(timezone.utc)))
        version = step.version
    return version


