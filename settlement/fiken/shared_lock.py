"""Fiken's rules across replicas: one request in flight per credential, at most 4 starts per second.

`LocalGate` (pacing.py) keeps the threads of one process in line. Replicas sharing a PostgreSQL
database use `SharedGate` instead: every request holds a PostgreSQL advisory lock keyed by a hash
of the credential, and under that lock the times the last few requests ended, kept in the
`fiken_pacing` table and measured with the database server's clock (one clock for every replica),
decide how long to wait before starting: a request starts at least one second after the one
`per_second` requests before it ended. A replica that dies drops its connection and with it the
lock, so the others never wait for a dead process.

The credential itself is never stored: only a hash of it names the lock and the pacing row.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Column, MetaData, String, Table, Text, text
from sqlalchemy.engine import Connection, Engine

from settlement.fiken.pacing import LocalGate, RequestGate

PACING_METADATA = MetaData()

fiken_pacing = Table(
    "fiken_pacing",
    PACING_METADATA,
    Column("credential", String(64), primary_key=True),  # a hash of the credential, never the credential
    Column("starts", Text, nullable=False),  # JSON list of when the latest requests ended (server epoch seconds)
)


def credential_hash(credential_id: str) -> str:
    """A hex digest that names a credential in the database without revealing it."""
    return hashlib.blake2b(f"settlement:fiken:{credential_id}".encode(), digest_size=16).hexdigest()


def _lock_key(credential: str) -> int:
    return int.from_bytes(bytes.fromhex(credential)[:8], "big", signed=True)


class SharedGate:
    """A `RequestGate` shared by every process that uses the same PostgreSQL database and credential.

    One dedicated connection (autocommit) holds the advisory lock for the duration of each request;
    a thread lock in front keeps this process's own threads from sharing that session lock
    (PostgreSQL advisory locks are re-entrant within a session).
    """

    def __init__(
        self,
        engine: Engine,
        credential_id: str,
        per_second: int = 4,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if engine.dialect.name != "postgresql":
            raise ValueError("SharedGate needs PostgreSQL; use LocalGate for a single process")
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.engine = engine
        self.credential = credential_hash(credential_id)
        self.key = _lock_key(self.credential)
        self.per_second = per_second
        self._sleep = sleep
        self._thread_lock = threading.Lock()
        self._connection: Connection | None = None

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            from settlement.store.migrate import prepare_schema

            prepare_schema(self.engine)  # the pacing table, on a database no command has opened yet
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def _now(self, connection: Connection) -> float:
        return float(connection.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar())

    def _starts(self, connection: Connection) -> list[float]:
        raw = connection.execute(
            text("SELECT starts FROM fiken_pacing WHERE credential = :c"), {"c": self.credential}
        ).scalar()
        return [float(t) for t in json.loads(raw)] if raw else []

    def _record(self, connection: Connection, starts: list[float]) -> None:
        connection.execute(
            text(
                "INSERT INTO fiken_pacing (credential, starts) VALUES (:c, :s) "
                "ON CONFLICT (credential) DO UPDATE SET starts = EXCLUDED.starts"
            ),
            {"c": self.credential, "s": json.dumps(starts[-self.per_second:])},
        )

    def delay(self, starts: list[float], now: float) -> float:
        """Seconds to wait at `now` so that no window of one second holds more than per_second requests;
        `starts` are the recorded times (ends) of the latest requests, oldest first."""
        recent = starts[-self.per_second:]
        if len(recent) < self.per_second:
            return 0.0
        return max(0.0, recent[0] + 1.0 - now)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._thread_lock:
            connection = self._connect()
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.key})
            try:
                ends = self._starts(connection)
                wait = self.delay(ends, self._now(connection))
                if wait > 0:
                    self._sleep(wait + 0.01)
                yield
            finally:
                self._release(connection, ends)

    def _release(self, connection: Connection, ends: list[float]) -> None:
        try:
            # The time the request *ended* is what counts: a request arrives at Fiken before it ends
            # and the next one after it starts, so spacing starts from ends keeps Fiken's view (arrival
            # times, whatever the connection set-up took) within the limit too.
            self._record(connection, ends + [self._now(connection)])
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:
            # The session is gone (and its lock with it); start afresh on the next request.
            connection.invalidate()
            self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def gate_for(database_url: str, credential_id: str, per_second: int = 4) -> RequestGate:
    """The request gate for a process: shared through the database on PostgreSQL, else local."""
    if not database_url.startswith(("postgresql", "postgres")):
        return LocalGate(per_second)
    from sqlalchemy import create_engine

    # A small engine of its own: the gate's connection is held across requests and must not take
    # one from the pool the posting code uses.
    return SharedGate(create_engine(database_url, pool_size=1, max_overflow=1, pool_pre_ping=True), credential_id, per_second)


def gate_from_settings(settings) -> RequestGate | None:
    """The shared gate when SETTLEMENT_DATABASE_URL is PostgreSQL, else a LocalGate at the configured
    rate (None at Fiken's 4 a second: the client's own LocalGate).

    The credential is named by what identifies it: the personal token, else the OAuth client id
    (replicas connected through one OAuth app share one Fiken user's token).
    """
    per_second = settings.fiken_requests_per_second
    if not settings.database_url.startswith("postgresql"):
        return None if per_second == 4 else LocalGate(per_second)
    if settings.fiken_token is not None and settings.fiken_token.get_secret_value().strip():
        credential = "personal:" + settings.fiken_token.get_secret_value().strip()
    else:
        credential = f"oauth:{settings.fiken_client_id or ''}"
    return gate_for(settings.database_url, credential, per_second)
