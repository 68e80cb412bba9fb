"""The one place that wires concrete adapters together: settings → vendors, chart, store.

The CLI, the scheduler and the demo all start from `App.load()`; library code below this layer
receives what it needs as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from settlement.configuration import load_chart, load_vendors
from settlement.domain.chart import Chart
from settlement.domain.money import MAX_BOUND_ORE, AmountError, format_nok, parse_amount
from settlement.domain.problems import Problem
from settlement.settings import Settings, load_settings
from settlement.store import SalesStore, open_engine
from settlement.domain.vendors import Vendor


class ConfigurationError(Exception):
    """The vendors file or chart of accounts has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class App:
    """Loaded configuration and the adapters built from it."""

    settings: Settings
    vendors: dict[str, Vendor]
    chart: Chart
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def load(cls, settings: Settings | None = None) -> "App":
        """Load vendors and chart of accounts; problems are kept for `accounts check` to show."""
        settings = settings or load_settings()
        vendors, problems = load_vendors(settings.vendors)
        chart, chart_problems = load_chart(settings.chart_of_accounts, [v.id for v in vendors])
        app = cls(settings, {v.id: v for v in vendors}, chart, problems + chart_problems)
        for name in ("max_line_amount", "max_day_amount"):  # bad bounds: found before any import
            try:
                app._bound(name)
            except ConfigurationError as exc:
                app.problems += exc.problems
        return app

    def require_valid(self) -> "App":
        """Raise ConfigurationError if the configuration has errors."""
        errors = [p for p in self.problems if p.is_error]
        if errors:
            raise ConfigurationError(errors)
        return self

    def vendor(self, vendor_id: str) -> Vendor:
        try:
            return self.vendors[vendor_id]
        except KeyError:
            known = ", ".join(sorted(self.vendors)) or "none"
            raise ConfigurationError(
                [Problem(f"unknown vendor {vendor_id!r} (known: {known})", file=str(self.settings.vendors))]
            ) from None

    @cached_property
    def engine(self) -> Engine:
        return open_engine(self.settings.database_url)

    @cached_property
    def sales(self) -> SalesStore:
        return SalesStore(self.engine, max_day_ore=self.max_day_ore)

    @property
    def max_line_ore(self) -> int:
        """The per-line plausibility bound in øre (SETTLEMENT_MAX_LINE_AMOUNT)."""
        return self._bound("max_line_amount")

    @property
    def max_day_ore(self) -> int:
        """The per-day plausibility bound in øre (SETTLEMENT_MAX_DAY_AMOUNT)."""
        return self._bound("max_day_amount")

    def _bound(self, name: str) -> int:
        text = getattr(self.settings, name)
        try:
            ore = parse_amount(text, limit=MAX_BOUND_ORE)
        except AmountError:
            ore = 0
        if ore <= 0:
            raise ConfigurationError([Problem(
                f"SETTLEMENT_{name.upper()} must be an amount in NOK from 0,01 to {format_nok(MAX_BOUND_ORE, thousands='')}",
                value=text,
            )])
        return ore

    @property
    def tolerance(self) -> int:
        """The difference tolerance in øre."""
        return parse_amount(self.settings.difference_tolerance)


# --- the Fiken client and its request gate -------------------------------------------------------

def gate_for(database_url: str, credential_id: str, per_second: int = 4):
    """The request gate for a process: shared through the database on PostgreSQL, through a lock
    file beside a SQLite file, else (in-memory SQLite) local to the process."""
    from settlement.store.file_locks import lock_folder
    from settlement.store.pacing import FileGate, SharedGate
    from settlement.targets.fiken.errors import FikenConnectionError
    from settlement.targets.fiken.pacing import LocalGate

    if not database_url.startswith(("postgresql", "postgres")):
        folder = lock_folder(database_url)
        if folder is None:
            return LocalGate(per_second)
        return FileGate(folder, credential_id, per_second, timeout_error=FikenConnectionError)
    from sqlalchemy import create_engine

    # A small engine of its own: the gate's connection is held across requests and must not take
    # one from the pool the posting code uses.
    return SharedGate(create_engine(database_url, pool_size=1, max_overflow=1, pool_pre_ping=True), credential_id, per_second)


def gate_from_settings(settings: Settings):
    """The shared gate when SETTLEMENT_DATABASE_URL is PostgreSQL or a SQLite file, else (in-memory
    SQLite) a LocalGate at the configured rate (None at Fiken's 4 a second: the client's own).

    The credential is named by what identifies it: the personal token, else the OAuth client id
    (replicas connected through one OAuth app share one Fiken user's token).
    """
    from settlement.store.file_locks import lock_folder
    from settlement.targets.fiken.pacing import LocalGate

    per_second = settings.fiken_requests_per_second
    if not settings.database_url.startswith("postgresql") and lock_folder(settings.database_url) is None:
        return None if per_second == 4 else LocalGate(per_second)
    if settings.fiken_token is not None and settings.fiken_token.get_secret_value().strip():
        credential = "personal:" + settings.fiken_token.get_secret_value().strip()
    else:
        credential = f"oauth:{settings.fiken_client_id or ''}"
    return gate_for(settings.database_url, credential, per_second)


def fiken_client(settings: Settings, *, on_request=None):
    """The Fiken client of the configured credential, behind the gate the database calls for."""
    from settlement.targets.fiken.configure import client_from_settings

    return client_from_settings(settings, gate=gate_from_settings(settings), on_request=on_request)


# --- the posting context -------------------------------------------------------------------------

def posting_context(app: App):
    """Everything settling needs for this process: the ledger client (and its request gate), the
    posting state, where reports go, and the claim that keeps one process per vendor."""
    from datetime import datetime, timezone

    from settlement.posting.claims import claims_for
    from settlement.posting.settle import PostingContext
    from settlement.store.posting_state import PostingState

    return PostingContext(
        app=app,
        client=fiken_client(app.settings),
        state=PostingState(app.engine),
        report_dir=app.settings.report_dir,
        generated_at=datetime.now(timezone.utc),
        # Replicas on PostgreSQL, or processes sharing a SQLite file, settle a vendor one at a time.
        claim=claims_for(app.engine),
    )
