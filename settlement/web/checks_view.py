"""The store page's checks: what `settlement accounts check` says of the store now, and the last
`settlement test-connection` an operator ran for it from the page.

The accounts check reads only the configuration files (vendors.toml, chart_of_accounts/), again
each time the page is shown, so it tells what the next reload would run on. The connection test
asks the ledger, so it runs only when an operator presses the button; its last result per store is
kept in this process's memory (lost at a restart, not shared between replicas).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from settlement.domain.text import tr


@dataclass(frozen=True)
class AccountsCheck:
    """`accounts check` for one store: its own problems (its vendors.toml entry, its chart files)
    and those of the configuration every store shares (the default ledger and mapping, the file)."""

    own: list  # Problem
    shared: list  # Problem
    failed: str = ""  # the configuration could not be read at all

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.own + self.shared)


def _owner(problem) -> str | None:
    """The store a problem is about: the one it names, or whose own chart file it is in
    (chart_of_accounts/vendors/<id>.csv, <id>.mapping.csv, ...); None for what all stores share."""
    if problem.ref:
        return problem.ref
    if problem.file:
        path = Path(problem.file)
        if path.parent.name == "vendors":
            return path.name.split(".")[0]  # a vendor id has no dot (VENDOR_ID)
    return None


def accounts_check_for(app, vendor_id: str) -> AccountsCheck:
    """`accounts check` now, of the files on disk; another store's own problems are left out."""
    from settlement.wiring import App, accounts_check

    try:
        problems = accounts_check(App.load(app.settings))
    except Exception as exc:  # noqa: BLE001: shown on the page; the page itself must still answer
        return AccountsCheck([], [], tr("the configuration could not be read: {problem}", problem=exc))
    owners = [(_owner(p), p) for p in problems]
    return AccountsCheck([p for who, p in owners if who == vendor_id], [p for who, p in owners if who is None])


@dataclass(frozen=True)
class ConnectionTest:
    """One test-connection run from the page: when, by whom, the vendor's result as
    `test-connection --json` gives it (wiring.connection_result), and the text it printed."""

    at: datetime
    by: str
    result: dict
    text: str


class ConnectionTests:
    """The last ConnectionTest per store, in memory, safe across the server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last: dict[str, ConnectionTest] = {}

    def get(self, vendor_id: str) -> ConnectionTest | None:
        with self._lock:
            return self._last.get(vendor_id)

    def put(self, vendor_id: str, test: ConnectionTest) -> None:
        with self._lock:
            self._last[vendor_id] = test


def run_connection_test(app, vendor_id: str, user: str) -> ConnectionTest:
    """Audit who asked (web-test-connection), then run `settlement test-connection --vendor V`."""
    from settlement.wiring import check_ledger_connections

    vendor = app.vendor(vendor_id)
    _audit(app, vendor, "web-test-connection", tr("test-connection asked by {user} on the web page", user=user))
    out = io.StringIO()
    try:
        (result,) = check_ledger_connections(app, [vendor], out=out, err=out)
    except Exception as exc:  # noqa: BLE001: a ledger client's unexpected failure is the test's result
        result = {"vendor": vendor.id, "name": vendor.name, "ledger": vendor.ledger, "credential": vendor.credential,
                  "connected_as": None, "company": None, "passed": False,
                  "checks": [{"name": "connection", "status": "FAILED", "reason": str(exc), "details": []}]}
    return ConnectionTest(datetime.now(timezone.utc), user, result, out.getvalue())


def _audit(app, vendor, action: str, detail: str) -> None:
    """An audit row alone, on the store's today (the audit log is kept per vendor-day; a connection
    test changes no day's state, so no state is written with it)."""
    from settlement.store.posting_state import AuditRow
    from settlement.wiring import vendor_today

    with app.engine.begin() as conn:
        conn.execute(AuditRow.__table__.insert().values(
            at=datetime.now(timezone.utc), vendor=vendor.id, business_day=vendor_today(vendor), settlement_key="",
            action=action, detail=detail))
