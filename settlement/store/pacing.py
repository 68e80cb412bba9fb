"""A ledger's request rules across processes: one request in flight per credential, at most N starts
per second (Fiken: 4). The gates here implement the `RequestGate` protocol of the ledger clients
(settlement.targets.pacing); settlement.wiring picks one for the database in use.

`LocalGate` (settlement.targets.pacing) keeps the threads of one process in line. Replicas sharing a PostgreSQL
database use `SharedGate` instead: every request holds a PostgreSQL advisory lock keyed by a hash
of the credential, and under that lock the times the last few requests ended, kept in the
`fiken_pacing` table and measured with the database server's clock (one clock for every replica),
decide how long to wait before starting: a request starts at least one second after the one
`per_second` requests before it ended. A replica that dies drops its connection and with it the
lock, so the others never wait for a dead process.

Processes sharing a SQLite file (on one machine) use `FileGate`: the same rule with an OS file lock,
`<database file>.locks/fiken-<credential hash>.lock` (settlement/store/file_locks.py), held for the whole
request, and the end times of the latest requests kept in that file under its lock (the machine's
clock is every process's clock). The kernel drops the lock of a process that dies.

The credential itself is never stored: only a hash of it names the lock and the pacing row.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, Text, text
from sqlalchemy.engine import Connection, Engine

from settlement.store.file_locks import describe_holder, lock_folder, open_lock_file, read_text, unlock, wait_for_lock, write_text

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


# How long a request waits for another process's request to end before giving up (nothing sent).
# A request holds the gate for at most its connect and read timeouts (and a token refresh).
FILE_GATE_MAX_WAIT = 300.0


class FileGate:
    """A `RequestGate` shared by every process on this machine that uses the same SQLite file and
    credential: an OS file lock held for each request, with the end times of the latest
    `per_second` requests kept in the lock file (JSON) so the pacing holds across processes.
    A thread lock in front keeps this process's own threads in line without touching the file."""

    def __init__(
        self,
        folder: Path,
        credential_id: str,
        per_second: int = 4,
        *,
        max_wait: float = FILE_GATE_MAX_WAIT,
        timeout_error: Callable[[str], Exception] = TimeoutError,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """timeout_error: the exception raised (with a message) when the wait runs out; the ledger
        client's own "nothing was sent" error, so callers treat it as any other failed request."""
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.timeout_error = timeout_error
        self.path = Path(folder) / f"fiken-{credential_hash(credential_id)}.lock"
        self.per_second = per_second
        self.max_wait = max_wait
        self._clock, self._sleep = clock, sleep
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def delay(self, ends: list[float], now: float) -> float:
        """Seconds to wait at `now`: the request `per_second` requests back must have ended a second
        ago. Never more than a second, so a clock set back (or a file from before a reboot) cannot
        stall the gate."""
        recent = ends[-self.per_second:]
        if len(recent) < self.per_second:
            return 0.0
        return min(1.0, max(0.0, recent[0] + 1.0 - now))

    def _ends(self, fd: int) -> list[float]:
        try:
            ends = json.loads(read_text(fd) or "{}").get("ends", [])
            return [float(t) for t in ends]
        except (ValueError, TypeError, AttributeError):
            return []  # a torn or foreign file: start the window afresh

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._thread_lock:
            if self._fd is None:
                self._fd = open_lock_file(self.path)
            fd = self._fd
            if not wait_for_lock(fd, self.max_wait):
                holder = describe_holder(read_text(fd))
                raise self.timeout_error(
                    f"waited {self.max_wait:g} s for another process's Fiken request to end ({holder}, "
                    f"lock {self.path}); nothing was sent"
                )
            ends: list[float] = []
            try:
                ends = self._ends(fd)
                wait = self.delay(ends, self._clock())
                if wait > 0:
                    self._sleep(wait + 0.01)
                yield
            finally:
                try:
                    # The end time counts (see SharedGate._release); who holds it, for messages.
                    recent = (ends + [self._clock()])[-self.per_second:]
                    write_text(fd, json.dumps({"ends": recent, "pid": os.getpid(), "host": socket.gethostname(),
                                               "since": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}))
                finally:
                    unlock(fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
