"""Claiming a vendor so that only one replica settles its days at a time.

On PostgreSQL a claim is a session-level advisory lock, `pg_try_advisory_lock`, taken on a
connection of its own that is held for as long as the replica works on the vendor. It is never
waited for: a replica that finds the vendor claimed skips it (the one holding it settles its days).
If the replica holding it dies, PostgreSQL ends its session and the lock goes with it, so nothing is
left claimed by a dead process. A single process on SQLite needs no claim (`no_claim`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

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


def claims_for(engine: Engine) -> Claim:
    """The claim to use with this database: advisory locks on PostgreSQL, none otherwise."""
    return AdvisoryClaims(engine) if engine.dialect.name == "postgresql" else no_claim
