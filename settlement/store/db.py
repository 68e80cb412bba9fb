"""Opening the database: one engine per process, tables created on first use."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

# Importing migrate registers every table (it imports the table modules) and brings the schema up to date.
from settlement.store.migrate import prepare_schema
from settlement.store import seen_files  # noqa: F401


def open_engine(url: str, *, create: bool = True) -> Engine:
    """Create an engine for `url`; for SQLite, make the folder, use WAL and wait for locks.

    `create`: create missing tables and apply pending migrations (under a lock; see migrate.py).
    """
    connect_args: dict[str, object] = {}
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # Wait up to 30 s for another writer, unless the URL says otherwise (`?timeout=5`).
        connect_args = {} if "timeout=" in url else {"timeout": 30}
    engine = create_engine(url, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        prepare_schema(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cursor = dbapi_connection.cursor()
    # WAL lets readers (preview, status) run while an import writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
