"""OAuth tokens kept in the database, for replicas that share one ledger grant.

Fiken rotates the refresh token on every refresh: the old one stops working. Replicas that each
kept the token in a file of their own would each spend the one refresh token and all but the first
would be disconnected. Here the token is one row per credential name, read and written under a
lock on PostgreSQL (a transaction-level advisory lock keyed by the name, and `locked(name)` for a
caller's whole refresh: read, refresh, write), so a replica that comes second reads the token the
first one stored instead of refreshing again. The targets reach it through
settlement.targets.fiken.token_store.DatabaseTokenStore, made by settlement.wiring.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel



def advisory_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of `name` (as settlement.store.migrate makes them; not
    imported from there, which imports this module to register the table)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class OAuthTokenRow(SQLModel, table=True):
    """One OAuth token (the token endpoint's answer plus `expires_at`), as JSON."""

    __tablename__ = "oauth_token"

    name: str = Field(primary_key=True, max_length=64)
    token: str
    updated_at: datetime


class OAuthTokenTable:
    """load / save / delete of tokens by name; on PostgreSQL each under the name's advisory lock."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = OAuthTokenRow.__table__

    def _lock(self, conn: Connection, name: str) -> None:
        if self.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(f"settlement:oauth:{name}")})

    def load(self, name: str) -> dict | None:
        with self.engine.begin() as conn:
            self._lock(conn, name)
            stored = conn.execute(select(self.table.c.token).where(self.table.c.name == name)).scalar()
        return json.loads(stored) if stored else None

    def save(self, name: str, token: dict) -> None:
        values = {"token": json.dumps(token), "updated_at": datetime.now(timezone.utc)}
        with self.engine.begin() as conn:
            self._lock(conn, name)
            if not conn.execute(self.table.update().where(self.table.c.name == name).values(**values)).rowcount:
                conn.execute(self.table.insert().values(name=name, **values))

    def delete(self, name: str) -> bool:
        with self.engine.begin() as conn:
            self._lock(conn, name)
            return bool(conn.execute(self.table.delete().where(self.table.c.name == name)).rowcount)

    @contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Hold the name's lock across a caller's read-refresh-write (a session lock on a connection of
        its own, PostgreSQL only; elsewhere a single host, where the request gate serialises)."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        key = advisory_key(f"settlement:oauth-refresh:{name}")
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
