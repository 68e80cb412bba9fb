"""The one place that wires concrete adapters together: settings → vendors, chart, store.

The CLI, the scheduler and the demo all start from `App.load()`; library code below this layer
receives what it needs as arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

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
    opened_engine: Engine | None = None  # a database engine the process opened before (serve's)

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
        return self.opened_engine or open_engine(self.settings.database_url)

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

    # --- use cases over the store, for the CLI, serve and the engine ----------------------------

    def voucher(self, vendor_id: str, day):
        """The vendor-day's voucher as the store holds it now."""
        from settlement.daily import voucher_for_day

        return voucher_for_day(self.sales, self.chart, self.vendor(vendor_id), day, self.tolerance)

    @cached_property
    def _targets(self) -> dict:
        return {}

    def target_for(self, vendor: Vendor):
        """The ledger target of a vendor, for rendering bookings (its client is made on first request)."""
        name = "fiken"
        if name not in self._targets:
            self._targets[name] = TARGETS[name](self.settings)
        return self._targets[name]

    def booking_for(self, vendor: Vendor, voucher, version: int = 1):
        """What the vendor's ledger would be sent for the voucher under the key of `version`."""
        from settlement.domain.keys import settlement_key

        key = settlement_key(vendor.id, voucher.day, version)
        return self.target_for(vendor).render(vendor, voucher, self.chart.ledger(vendor.id), key)

    @cached_property
    def pdf_font(self):
        """The font the PDF reports are set in (SETTLEMENT_PDF_FONT_DIR, else the usual font
        folders); None, after one logged warning, for the core font."""
        from settlement.report.fonts import find_font

        return find_font(self.settings.pdf_font_dir)

    def render_pdf(self, day_report) -> bytes:
        """A DayReport as PDF, in the configured font."""
        from settlement.report import render_pdf

        return render_pdf(day_report, self.pdf_font)

    def report_pdf(self, vendor: Vendor, voucher, booking, settlement_key=None, generated_at=None) -> bytes:
        """The settlement report's PDF of a voucher and the booking sent for it."""
        from settlement.report.from_store import build_report

        return self.render_pdf(build_report(self.engine, self.sales, vendor, voucher, booking, settlement_key, generated_at))

    def day_report(self, vendor_id: str, day, generated_at=None):
        """The report of a vendor-day now: for a settled day whose data is unchanged, of the booking
        that was sent (kept with the day); otherwise of what the next run would send."""
        from settlement.domain.posting_rules import voucher_digest
        from settlement.posting.ledger import Booking
        from settlement.report.from_store import build_report
        from settlement.store.posting_state import PostingState

        vendor = self.vendor(vendor_id)
        voucher = self.voucher(vendor.id, day)
        booking = None
        if not voucher.blocked and not voucher.is_empty:
            state = PostingState(self.engine).get(vendor.id, day)
            if state.booking and state.digest == voucher_digest(voucher, vendor.posting):
                booking = Booking.from_json(state.booking)
            else:
                # The bodies the posting sends, so the PDF shows the VAT and rounding the ledger books.
                booking = self.booking_for(vendor, voucher)
        return build_report(self.engine, self.sales, vendor, voucher, booking, None, generated_at)


# --- the Fiken client and its request gate -------------------------------------------------------

def gate_for(database_url: str, credential_id: str, per_second: int = 4):
    """The request gate for a process: shared through the database on PostgreSQL, through a lock
    file beside a SQLite file, else (in-memory SQLite) local to the process."""
    from settlement.store.file_locks import lock_folder
    from settlement.store.pacing import FileGate, SharedGate
    from settlement.targets.fiken.errors import FikenConnectionError
    from settlement.targets.pacing import LocalGate

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
    from settlement.targets.pacing import LocalGate

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
    from settlement.targets.fiken import configure

    return configure.fiken_client(
        settings.fiken_base_url,
        fiken_token_source(settings),
        connect_timeout=settings.fiken_connect_timeout,
        read_timeout=settings.fiken_read_timeout,
        retry_attempts=settings.fiken_retry_attempts,
        gate=gate_from_settings(settings),
        on_request=on_request,
    )


# --- the posting context -------------------------------------------------------------------------

# The ledgers a vendor can post to, by the name stored with each day: name → (settings, on_request)
# → a target. Adding a ledger is one package under settlement/targets/ and one entry here.
def _fiken_target(settings: Settings, on_request=None, *, eager: bool = False):
    from settlement.targets.fiken.target import FikenTarget

    if eager:  # the credential is checked now: a missing one is said before anything is done
        return FikenTarget(fiken_client(settings, on_request=on_request))
    return FikenTarget(lambda: fiken_client(settings, on_request=on_request))


TARGETS = {"fiken": _fiken_target}


def posting_context(app: App, *, on_request=None, targets=None, state=None):
    """Everything settling needs for this process: the vendor's voucher, accounts and ledger
    target (with its client and request gate), the report, the posting state, where reports go,
    and the claim that keeps one process per vendor.

    targets: the targets of an earlier context of this process, to keep its client and gate when
    the configuration is reloaded; on_request: a hook told of every ledger request (metrics).
    """
    from datetime import datetime, timezone

    from settlement.posting.claims import claims_for
    from settlement.posting.settle import PostingContext
    from settlement.store.posting_state import PostingState

    if targets is None:
        target = TARGETS["fiken"](app.settings, on_request, eager=True)
        targets = lambda vendor: target  # noqa: E731  (one ledger for every vendor today)
    return PostingContext(
        vouchers=lambda vendor, day: app.voucher(vendor.id, day),
        ledgers=lambda vendor: app.chart.ledger(vendor.id),
        targets=targets,
        report=lambda vendor, state, voucher, booking, at: app.report_pdf(vendor, voucher, booking, state.settlement_key, at),
        state=state or PostingState(app.engine),
        report_dir=app.settings.report_dir,
        generated_at=datetime.now(timezone.utc),
        # Replicas on PostgreSQL, or processes sharing a SQLite file, settle a vendor one at a time.
        claim=claims_for(app.engine),
    )


# --- the Fiken credential, from the settings (connect, disconnect, test-connection, the client) ---

def fiken_oauth_config(settings: Settings):
    """The app's OAuth registration with Fiken; MissingCredential names the settings missing."""
    from settlement.targets.fiken.configure import oauth_config

    return oauth_config(
        settings.fiken_client_id,
        settings.fiken_client_secret,
        authorize_url=settings.fiken_authorize_url,
        token_url=settings.fiken_token_url,
        revoke_url=settings.fiken_revoke_url,
        redirect_uri=settings.fiken_redirect_uri,
    )


def fiken_token_store(settings: Settings):
    """The OAuth token file (SETTLEMENT_FIKEN_TOKEN_FILE)."""
    from settlement.targets.fiken.configure import token_store

    return token_store(settings.fiken_token_file)


def fiken_timeouts(settings: Settings) -> tuple[float, float]:
    """(connect, read) seconds for a request to Fiken."""
    return settings.fiken_connect_timeout, settings.fiken_read_timeout


def fiken_token_source(settings: Settings):
    """The configured credential: SETTLEMENT_FIKEN_TOKEN if set, else the OAuth token of `connect`."""
    from settlement.targets.fiken.configure import token_source

    oauth = (lambda: fiken_oauth_config(settings)) if settings.fiken_client_id else None
    return token_source(settings.fiken_token, fiken_token_store(settings), oauth, timeout=fiken_timeouts(settings))


@dataclass(frozen=True)
class FikenAccess:
    """What `connect`, `disconnect` and `test-connection` need of the Fiken settings, as values."""

    oauth: Callable[[], Any]  # the OAuthConfig; raises MissingCredential when not registered
    store: Any  # the TokenFileStore
    timeout: tuple[float, float]
    client: Callable[[], Any]  # the FikenClient of the configured credential, behind its gate


def fiken_access(settings: Settings | None = None) -> FikenAccess:
    """The Fiken side of the settings (read from the environment unless given)."""
    settings = settings or load_settings()
    return FikenAccess(
        oauth=lambda: fiken_oauth_config(settings),
        store=fiken_token_store(settings),
        timeout=fiken_timeouts(settings),
        client=lambda: fiken_client(settings),
    )


# --- settlement serve ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ServeConfig:
    """What `settlement serve` and `settlement reload` need of the settings, as values."""

    log_format: str
    log_level: str
    secrets: list[str]  # credential values masked in every log line
    http_host: str
    http_port: int
    pid_file: Path
    workers: int
    misfire_grace: int
    open_engine: Callable[[], Engine]  # the process's one engine (called when first needed)
    load_app: Callable[[], App]  # the configuration, read anew at each reload (see on_engine)


def serve_config(settings: Settings | None = None) -> ServeConfig:
    """The serve settings (read from the environment unless given)."""
    import os

    settings = settings or load_settings()
    secrets = [s.get_secret_value() for s in (settings.fiken_token, settings.fiken_client_secret) if s is not None]
    secrets += [v for k, v in os.environ.items() if k.startswith("SETTLEMENT_WOO_") and k.endswith(("_KEY", "_SECRET"))]
    return ServeConfig(
        log_format=settings.log_format,
        log_level=settings.log_level,
        secrets=secrets,
        http_host=settings.http_host,
        http_port=settings.http_port,
        pid_file=settings.serve_pid_file,
        workers=settings.serve_workers,
        misfire_grace=settings.serve_misfire_grace,
        open_engine=lambda: open_engine(settings.database_url),
        load_app=lambda: App.load(settings),
    )


def on_engine(app: App, engine: Engine) -> App:
    """`app` on an engine opened before (serve keeps one for the process across reloads)."""
    return replace(app, opened_engine=engine)


def app_from(**values) -> App:
    """The app of explicit settings (the demo's); those not given come from the environment."""
    return App.load(Settings(**values))


# --- settlement status ---------------------------------------------------------------------------

def current_digests(app: App) -> Callable[[Vendor, Any], str | None]:
    """The digest of a vendor-day's voucher as the store holds it now (what settling compares with
    the digest it stored), for `status` to find the days changed after posting."""
    from settlement.domain.posting_rules import voucher_digest

    return lambda vendor, day: voucher_digest(app.voucher(vendor.id, day), vendor.posting)


def ledger_credential_problem(app: App) -> str | None:
    """Why the ledger credential cannot be used, checked as `run` and `catch-up` check it before
    settling (no request is sent); None when it can."""
    from settlement.targets.fiken.configure import MissingCredential
    from settlement.targets.fiken.errors import AuthenticationError

    try:
        TARGETS["fiken"](app.settings, eager=True)
    except (MissingCredential, AuthenticationError) as exc:
        return str(exc)
    return None
