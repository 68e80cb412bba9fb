"""The alert_state table (settlement.store.alerts): schema step 6 on a step-5 database, and the
rules that make an alert and its recovery go out once per channel, whichever process sends."""

from __future__ import annotations

import sqlite3
from datetime import date

from sqlalchemy import inspect

from settlement.store import open_engine
from settlement.store.alerts import CLEARED, MAX_ATTEMPTS, RAISED, RESOLVED, AlertBook
from settlement.store.migrate import MIGRATIONS, current_version

DAY = date(2026, 11, 4)
KEY = "blocked|oslo-sentrum|2026-11-04"


def _raise(book: AlertBook, channel: str = "email") -> None:
    book.raise_(channel, KEY, "blocked", "oslo-sentrum", DAY, "unknown payment 'bitcoin'")


def test_a_step_5_database_gets_the_alert_state_table(tmp_path):
    path = tmp_path / "step5.db"
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:  # as the code of step 5 left it
        db.execute("DROP TABLE alert_state")
        db.execute("DELETE FROM schema_version WHERE version >= 6")
    engine = open_engine(f"sqlite:///{path}")
    assert "alert_state" in inspect(engine).get_table_names()
    with engine.connect() as c:
        assert current_version(c) == MIGRATIONS[-1].version >= 6
    _raise(AlertBook(engine))
    assert [d.key for d in AlertBook(engine).due("email")] == [KEY]
    engine.dispose()


def test_an_alert_is_due_once_and_its_recovery_once(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    book = AlertBook(engine)
    _raise(book)
    _raise(book)  # seen again by the next run: still one condition
    [due] = book.due("email")
    assert (due.recovery, due.vendor, due.day, due.reason) == (False, "oslo-sentrum", DAY, "unknown payment 'bitcoin'")
    assert book.take(due)
    assert not AlertBook(engine).take(due)  # another process finds it leased
    book.sent(due)
    assert book.due("email") == []
    _raise(book)
    assert book.due("email") == [] and book.states("email") == {KEY: RAISED}

    book.clear("email", KEY, "documented")
    [recovery] = book.due("email")
    assert recovery.recovery and recovery.resolution == "documented"
    assert book.take(recovery)
    book.sent(recovery)
    assert book.due("email") == [] and book.states("email") == {KEY: RESOLVED}

    _raise(book)  # the same day blocked again later: a new alert
    [again] = book.due("email")
    assert not again.recovery
    engine.dispose()


def test_channels_are_separate_and_a_condition_never_announced_is_forgotten(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    book = AlertBook(engine)
    _raise(book, "email")
    _raise(book, "webhook:1")
    [due] = book.due("webhook:1")
    book.take(due)
    book.sent(due)
    book.clear("email", KEY, "documented")  # never sent by e-mail: nothing to recover from
    book.clear("webhook:1", KEY, "documented")
    assert book.states("email") == {}
    assert book.states("webhook:1") == {KEY: CLEARED}
    engine.dispose()


def test_failed_sends_are_counted_and_given_up_after_max_attempts(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    book = AlertBook(engine)
    _raise(book)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [due] = book.due("email")
        assert due.attempts == attempt - 1 and book.take(due)
        assert book.failed(due, "connection refused") == attempt
    assert book.due("email") == []
    [row] = book.rows("email")
    assert row["last_error"] == "connection refused" and row["alert_sent_at"] is None
    engine.dispose()
