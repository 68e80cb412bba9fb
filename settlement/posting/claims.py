"""Claiming a vendor so that only one replica settles its days at a time.

On PostgreSQL a claim is a session-level advisory lock, `pg_try_advisory_lock`, taken on a
connection of its own that is held for as long as the replica works on the vendor. It is never
waited for: a replica that finds the vendor claimed skips it (the one holding it settles its days).
If the replica holding it dies, PostgreSQL ends its session and the lock goes with it, so nothing is
left claimed by a dead process.

On a SQLite file the processes sharing it are on one machine, and a claim is an exclusive `flock`
on `<database file>.locks/claim-<vendor>.lock` (settlement/store/file_locks.py), also never waited for;
the holder writes its pid, host, command and start time into the file so that a process finding
the vendor claimed can say who holds it. The kernel drops the lock of a process that dies (SIGKILL
included), so the next run takes the vendor over at once. An in-memory database belongs to one
process and needs no claim (`no_claim`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from settlement.store.file_locks import (
    describe_holder, lock_folder, open_lock_file, read_text, this_process, try_lock, write_text,
)
from settlement.domain.text import tr
from settlement.posting.settle import no_claim

Claim = Callable[[str], AbstractContextManager[bool]]


def claim_key(vendor_id: str) -> int:
    """The signed 64-bit advisory-lock key of a vendor's claim (the same in every replica)."""
    digest = hashlib.blake2b(f"settlement:claim:{vendor_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryClaims:
    """`claims(vendor_id)` → a context manager yielding True while this replica holds the vendor."""

    def __init__(self, engine: Engine):
        if engine.dialect.name != "postgresql":
            raise ValueError("advisory claims need PostgreSQL")
        self.engine = engine

    @contextmanager
    def __call__(self, vendor_id: str) -> Iterator[bool]:
        key = claim_key(vendor_id)
        # Autocommit: the lock belongs to the session, so no transaction stays open while it is held.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            claimed = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            try:
                yield claimed
            finally:
                if claimed:
                    # The connection goes back to the pool, so the lock must not outlive the claim.
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


    def holder(self, vendor_id: str) -> str:
        return tr("another replica")


class FileClaims:
    """`claims(vendor_id)` → a context manager yielding True while this process holds the vendor,
    for the processes sharing one SQLite file (an OS file lock per vendor in `folder`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, vendor_id: str) -> Path:
        name = vendor_id if re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", vendor_id) else \
            "h" + hashlib.blake2b(vendor_id.encode(), digest_size=8).hexdigest()
        return self.folder / f"claim-{name}.lock"

    @contextmanager
    def __call__(self, vendor_id: str) -> Iterator[bool]:
        fd = open_lock_file(self.path(vendor_id))
        try:
            if not try_lock(fd):
                yield False
                return
            write_text(fd, json.dumps({**this_process(), "vendor": vendor_id}))
            try:
                yield True
            finally:
                write_text(fd, "")  # emptied before the lock goes: nobody is named as holder
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def holder(self, vendor_id: str) -> str:
        """Who holds the vendor's claim now, in words ('another process' if it does not say)."""
        path = self.path(vendor_id)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return tr("another process")
        try:
            return describe_holder(read_text(fd))
        finally:
            os.close(fd)


def claim_holder(claim: Claim, vendor_id: str) -> str:
    """Who holds `vendor_id` under `claim`, in words, for messages."""
    holder = getattr(claim, "holder", None)
    return holder(vendor_id) if holder is not None else tr("another process")


def claims_for(engine: Engine) -> Claim:
    """The claim to use with this database: advisory locks on PostgreSQL, file locks beside a
    SQLite file, none for an in-memory database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryClaims(engine)
    folder = lock_folder(engine.url.render_as_string(hide_password=False))
    return FileClaims(folder) if folder is not None else no_claim
