"""What each alert channel has been told, so that a condition is announced once and its recovery once.

One row per (channel, condition key): a webhook or the e-mail channel, and e.g.
`blocked|oslo-sentrum|2026-11-04` or `credential|the Fiken credential`. The rows are shared by every
process and replica on the database, so a restart or a second replica does not repeat an alert.

Life of a row: `raised` (the condition holds; alert_sent_at is set once the channel took the
alert) → `cleared` (it no longer holds; the recovery is due) → `resolved` (the recovery was sent).
A condition that clears before its alert was ever sent is forgotten: nobody was told, so nobody
needs the all-clear. A condition that comes back after `resolved` starts again as `raised`.

Sending is leased: a process takes a row for LEASE before it sends (a conditional UPDATE, so only
one process gets it), and records the outcome after. A process that dies between sending and
recording lets the lease run out and the next run sends again: at least once, never in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

RAISED, CLEARED, RESOLVED = "raised", "cleared", "resolved"
LEASE = timedelta(minutes=2)  # longer than a webhook's or an SMTP server's timeouts together
MAX_ATTEMPTS = 10  # failed sends of one alert (one a run) before the channel gives it up


class AlertRow(SQLModel, table=True):
    """One condition as one alert channel knows it."""

    __tablename__ = "alert_state"

    channel: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=32)
    vendor: str = Field(default="", max_length=64)  # "" for a condition of no one vendor (a credential)
    business_day: Optional[date] = Field(default=None, nullable=True)
    reason: str = ""
    affected: str = ""  # vendor ids a credential condition stops, comma-separated
    resolution: str = Field(default="", max_length=64)  # the day's status when the condition cleared
    state: str = Field(max_length=16)
    raised_at: datetime
    alert_sent_at: Optional[datetime] = Field(default=None, nullable=True)
    cleared_at: Optional[datetime] = Field(default=None, nullable=True)
    recovery_sent_at: Optional[datetime] = Field(default=None, nullable=True)
    attempts: int = 0  # failed sends of what is due now (the alert, then the recovery)
    last_error: str = ""
    lease_until: Optional[datetime] = Field(default=None, nullable=True)


@dataclass(frozen=True)
class Due:
    """A message a channel owes: the alert of a raised condition, or the recovery of a cleared one."""

    channel: str
    key: str
    kind: str
    vendor: str
    day: date | None
    reason: str
    affected: tuple[str, ...]
    resolution: str
    recovery: bool
    attempts: int


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AlertBook:
    """Reads and writes alert_state; every method commits at once."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = AlertRow.__table__

    def _where(self, channel: str, key: str):
        return and_(self.table.c.channel == channel, self.table.c.key == key)

    def states(self, channel: str) -> dict[str, str]:
        """The state of every condition the channel knows, by key."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.table.c.key, self.table.c.state).where(self.table.c.channel == channel))
            return dict(rows.all())

    def raise_(self, channel: str, key: str, kind: str, vendor: str, day: date | None, reason: str,
               affected: tuple[str, ...] = ()) -> None:
        """The condition holds: a new (or resolved) one becomes `raised` with its alert due; one
        cleared but whose recovery was not sent yet is `raised` again (its alert was sent already)."""
        values: dict[str, Any] = dict(channel=channel, key=key, kind=kind, vendor=vendor, business_day=day,
                                      reason=reason, affected=",".join(affected), resolution="", state=RAISED,
                                      raised_at=_now(), attempts=0, last_error="")
        with self.engine.connect() as conn:
            state = conn.execute(select(self.table.c.state).where(self._where(channel, key))).scalar()
        if state is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(self.table.insert().values(**values))
            except IntegrityError:  # another process inserted it a moment ago: the same condition
                pass
            return
        with self.engine.begin() as conn:
            if state == RESOLVED:
                conn.execute(self.table.update().where(self._where(channel, key)).values(
                    **values, alert_sent_at=None, cleared_at=None, recovery_sent_at=None, lease_until=None))
            elif state == CLEARED:
                conn.execute(self.table.update().where(self._where(channel, key), self.table.c.state == CLEARED)
                             .values(state=RAISED, cleared_at=None, resolution="", attempts=0, last_error=""))

    def clear(self, channel: str, key: str, resolution: str) -> None:
        """The condition no longer holds: its recovery is due, or, if its alert was never sent, it
        is forgotten."""
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(
                self._where(channel, key), self.table.c.state == RAISED, self.table.c.alert_sent_at.is_(None),
                or_(self.table.c.lease_until.is_(None), self.table.c.lease_until < _now())))
            conn.execute(self.table.update().where(
                self._where(channel, key), self.table.c.state == RAISED, self.table.c.alert_sent_at.is_not(None))
                .values(state=CLEARED, cleared_at=_now(), resolution=resolution, attempts=0, last_error=""))

    def due(self, channel: str) -> list[Due]:
        """What the channel owes, oldest first: alerts not sent and recoveries not sent, each with
        fewer than MAX_ATTEMPTS failed tries."""
        t = self.table
        owed = or_(and_(t.c.state == RAISED, t.c.alert_sent_at.is_(None)),
                   and_(t.c.state == CLEARED, t.c.recovery_sent_at.is_(None)))
        query = (select(t).where(t.c.channel == channel, owed, t.c.attempts < MAX_ATTEMPTS)
                 .order_by(t.c.raised_at, t.c.key))
        with self.engine.connect() as conn:
            return [Due(row["channel"], row["key"], row["kind"], row["vendor"], row["business_day"], row["reason"],
                        tuple(v for v in row["affected"].split(",") if v), row["resolution"],
                        row["state"] == CLEARED, row["attempts"])
                    for row in conn.execute(query).mappings()]

    def take(self, due: Due) -> bool:
        """Lease `due` for sending; False when another process has it (or it was sent meanwhile)."""
        t = self.table
        state = CLEARED if due.recovery else RAISED
        unsent = t.c.recovery_sent_at.is_(None) if due.recovery else t.c.alert_sent_at.is_(None)
        with self.engine.begin() as conn:
            taken = conn.execute(t.update().where(
                self._where(due.channel, due.key), t.c.state == state, unsent,
                or_(t.c.lease_until.is_(None), t.c.lease_until < _now())).values(lease_until=_now() + LEASE)).rowcount
        return taken == 1

    def sent(self, due: Due) -> None:
        """The channel took the message: the alert is not sent again (a recovery resolves the row)."""
        values: dict[str, Any] = dict(lease_until=None, attempts=0, last_error="")
        if due.recovery:
            values.update(recovery_sent_at=_now(), state=RESOLVED)
        else:
            values.update(alert_sent_at=_now())
        with self.engine.begin() as conn:
            conn.execute(self.table.update().where(self._where(due.channel, due.key)).values(**values))

    def failed(self, due: Due, error: str) -> int:
        """The channel did not take the message: counted, the lease let go; the failed tries so far."""
        with self.engine.begin() as conn:
            conn.execute(self.table.update().where(self._where(due.channel, due.key)).values(
                lease_until=None, attempts=self.table.c.attempts + 1, last_error=error[:500]))
        return due.attempts + 1

    def rows(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Every row (of one channel), for tests and inspection."""
        query = select(self.table).order_by(self.table.c.channel, self.table.c.key)
        if channel is not None:
            query = query.where(self.table.c.channel == channel)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
