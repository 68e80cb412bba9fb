"""Reload requests through the database: `settlement reload` reaches every serve that shares it.

Replicas run on several hosts (or containers), so a pid file and a signal reach only the serve
beside the command. `settlement reload` therefore also raises a generation counter here; every
serve reads it every few seconds and re-reads its configuration when it went up since the last
time it looked. One row, name "serve".
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

NAME = "serve"


class ReloadRequestRow(SQLModel, table=True):
    """How many reloads were asked for, and the latest one's when and who."""

    __tablename__ = "reload_request"

    name: str = Field(primary_key=True, max_length=32)
    generation: int = 0
    requested_at: str = Field(default="", max_length=40)
    requested_by: str = Field(default="", max_length=200)


def current_generation(engine: Engine) -> int:
    """The generation asked for so far (0: never)."""
    with engine.connect() as connection:
        row = connection.execute(
            ReloadRequestRow.__table__.select().where(ReloadRequestRow.__table__.c.name == NAME)).first()
    return int(row.generation) if row is not None else 0


def request_reload(engine: Engine, who: str) -> int:
    """Ask every serve on this database to reload; the new generation."""
    table = ReloadRequestRow.__table__
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with engine.begin() as connection:
        done = connection.execute(update(table).where(table.c.name == NAME).values(
            generation=table.c.generation + 1, requested_at=now, requested_by=who[:200]))
        if done.rowcount == 0:
            try:
                with connection.begin_nested():
                    connection.execute(table.insert().values(name=NAME, generation=1, requested_at=now,
                                                             requested_by=who[:200]))
            except IntegrityError:  # another process inserted it first: count ours on top
                connection.execute(update(table).where(table.c.name == NAME).values(
                    generation=table.c.generation + 1, requested_at=now, requested_by=who[:200]))
    return current_generation(engine)
