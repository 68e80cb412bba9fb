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

from typing import TYPE_CHECKING

from settlement import i18n
from settlement.configuration import load_chart, load_vendors
from settlement.domain.chart import Chart
from settlement.domain.money import MAX_BOUND_ORE, AmountError, format_nok, parse_amount
from settlement.domain.problems import Problem
from settlement.domain.text import N_, tr
from settlement.settings import Settings, load_settings
from settlement.domain.vendors import Vendor

# The store (SQLAlchemy, SQLModel) is imported where a command first needs the database, so that
# commands reading only the configuration (`accounts check`) do not load it.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from settlement.store import SalesStore


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
        i18n.install(settings.language)  # before anything is said about the configuration
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
            known = ", ".join(sorted(self.vendors)) or tr("none")
            raise ConfigurationError(
                [Problem(tr("unknown vendor {vendor!r} (known: {known})", vendor=vendor_id, known=known),
                         file=str(self.settings.vendors))]
            ) from None

    @cached_property
    def engine(self) -> Engine:
        from settlement.store import open_engine

        return self.opened_engine or open_engine(self.settings.database_url)

    @cached_property
    def sales(self) -> SalesStore:
        from settlement.store import SalesStore

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
                tr("{setting} must be an amount in NOK from 0,01 to {most}", setting=f"SETTLEMENT_{name.upper()}",
                   most=format_nok(MAX_BOUND_ORE, thousands='')),
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

    def confirmed_empty(self, vendor: Vendor, day) -> str | None:
        """Why the vendor's registers themselves say the day had no sales (their Z reports), or None."""
        from settlement.domain.closings import confirmed_empty
        from settlement.store.closings import closings_for

        return confirmed_empty(closings_for(self.engine, vendor.id, day), vendor.saft_registers)

    @cached_property
    def targets(self) -> "LedgerTargets":
        """The ledger targets of this app (their clients are made on first request)."""
        return LedgerTargets(self.settings)

    def target_for(self, vendor: Vendor):
        """The ledger target of a vendor, for rendering bookings (its client is made on first request)."""
        return self.targets(vendor)

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

    def report_pdf(self, vendor: Vendor, voucher, booking, settlement_key=None, generated_at=None, state=None) -> bytes:
        """The settlement report's PDF of a voucher and the booking sent for it (state: the day's
        posting state, for the ledger's company and voucher number and a correction's reason)."""
        from settlement.report.from_store import build_report

        return self.render_pdf(build_report(self.engine, self.sales, vendor, voucher, booking, settlement_key,
                                            generated_at, **self._posted(vendor, state)))

    def posted_report_pdf(self, targets, vendor: Vendor, state, voucher, booking, generated_at) -> bytes:
        """The PDF of a day just posted (the engine's report callable). The ledger's company and
        voucher number are read from the ledger now, once, and kept in the day's stored booking
        (state.booking["ledger"]), which the engine saves right after making the report."""
        from settlement.report.ledger_facts import facts_from_ledger

        if state.booking is not None and "ledger" not in state.booking and state.posted_somewhere:
            facts = facts_from_ledger(targets(vendor), vendor, state.ref)
            if facts is not None:
                state.booking = {**state.booking, "ledger": facts}
        return self.report_pdf(vendor, voucher, booking, state.settlement_key, generated_at, state)

    def _posted(self, vendor: Vendor, state) -> dict:
        """build_report's ledger and correction_reason for a posted day (empty without a state)."""
        from settlement.report.ledger_facts import correction_reason, ledger_facts
        from settlement.store.posting_state import PostingState

        if state is None:
            return {}
        reason = ""
        if state.version > 1:
            reason = correction_reason(PostingState(self.engine).audit(vendor.id, state.business_day), state.version)
        return {"ledger": ledger_facts(vendor, state), "correction_reason": reason}

    def day_report(self, vendor_id: str, day, generated_at=None):
        """The report of a vendor-day now: for a settled day whose data is unchanged, of the booking
        that was sent (kept with the day); otherwise of what the next run would send."""
        from settlement.domain.posting_rules import voucher_digest
        from settlement.posting.ledger import Booking
        from settlement.report.from_store import build_report
        from settlement.store.posting_state import PostingState

        vendor = self.vendor(vendor_id)
        voucher = self.voucher(vendor.id, day)
        booking, key, posted = None, None, {}
        if not voucher.blocked and not voucher.is_empty:
            state = PostingState(self.engine).get(vendor.id, day)
            if state.booking and state.digest == voucher_digest(voucher, vendor.posting):
                booking = Booking.from_json(state.booking)
                if not booking.booked:  # stored before the booked lines were kept: the same bodies again
                    booking = self.booking_for(vendor, voucher, state.version)
                key, posted = state.settlement_key, self._posted(vendor, state)
            else:
                # The bodies the posting sends, so the PDF shows the VAT and rounding the ledger books.
                booking = self.booking_for(vendor, voucher)
        return build_report(self.engine, self.sales, vendor, voucher, booking, key, generated_at, **posted)


# --- the Fiken client and its request gate -------------------------------------------------------

def gate_for(database_url: str, credential_id: str, per_second: int = 4, timeout_error: type[Exception] | None = None):
    """The request gate for a process: shared through the database on PostgreSQL, through a lock
    file beside a SQLite file, else (in-memory SQLite) local to the process.

    timeout_error: what the gate raises when it cannot be had in time (the ledger client's own
    "unavailable" error, so the engine retries the day later)."""
    from settlement.posting.ledger import LedgerUnavailable
    from settlement.store.file_locks import lock_folder
    from settlement.store.pacing import FileGate, SharedGate
    from settlement.targets.pacing import LocalGate

    if not database_url.startswith(("postgresql", "postgres")):
        folder = lock_folder(database_url)
        if folder is None:
            return LocalGate(per_second)
        return FileGate(folder, credential_id, per_second, timeout_error=timeout_error or LedgerUnavailable)
    from sqlalchemy import create_engine

    # A small engine of its own: the gate's connection is held across requests and must not take
    # one from the pool the posting code uses.
    return SharedGate(create_engine(database_url, pool_size=1, max_overflow=1, pool_pre_ping=True), credential_id, per_second)


def gate_from_settings(settings: Settings, credential: str | None = None):
    """The Fiken gate: shared when SETTLEMENT_DATABASE_URL is PostgreSQL or a SQLite file, else
    (in-memory SQLite) a LocalGate at the configured rate (None at Fiken's 4 a second: the client's own).

    The credential is named by what identifies it: the personal token, else the OAuth client id
    (replicas connected through one OAuth app share one Fiken user's token).
    """
    from settlement.store.file_locks import lock_folder
    from settlement.targets.fiken.errors import FikenConnectionError
    from settlement.targets.pacing import LocalGate

    per_second = settings.fiken_requests_per_second
    if not settings.database_url.startswith("postgresql") and lock_folder(settings.database_url) is None:
        return None if per_second == 4 else LocalGate(per_second)
    token = fiken_personal_token(settings, credential)
    if token is not None:
        identity = "personal:" + token.get_secret_value().strip()
    else:
        identity = f"oauth:{settings.fiken_client_id or ''}"
    return gate_for(settings.database_url, identity, per_second, FikenConnectionError)


def fiken_personal_token(settings: Settings, credential: str | None = None):
    """The personal Fiken token of a credential: SETTLEMENT_FIKEN_TOKEN for the default one,
    SETTLEMENT_FIKEN_<NAME>_TOKEN (or its secrets file) for a named one; None when not set."""
    from pydantic import SecretStr

    from settlement.settings import named_secret

    if credential is None:
        token = settings.fiken_token
        return token if token is not None and token.get_secret_value().strip() else None
    value = named_secret("fiken", credential, "token")
    return SecretStr(value) if value else None


def fiken_client(settings: Settings, *, on_request=None, credential: str | None = None):
    """The Fiken client of a credential (the default one unless named), behind the gate the database
    calls for. A named credential is a personal token; OAuth (`settlement connect`) serves the default."""
    from settlement.settings import credential_env_name
    from settlement.targets.fiken import configure

    if credential is None:
        tokens = fiken_token_source(settings)
    else:
        token = fiken_personal_token(settings, credential)
        if token is None:
            raise configure.MissingCredential(
                tr("no Fiken credential {credential!r}: set {setting} (a personal API token of that company's user) "
                   "or its secrets file", credential=credential, setting=credential_env_name('fiken', credential, 'token')))
        tokens = configure.token_source(token, fiken_token_store(settings), None, timeout=fiken_timeouts(settings))
    return configure.fiken_client(
        settings.fiken_base_url,
        tokens,
        connect_timeout=settings.fiken_connect_timeout,
        read_timeout=settings.fiken_read_timeout,
        retry_attempts=settings.fiken_retry_attempts,
        gate=gate_from_settings(settings, credential),
        on_request=on_request,
    )


def _secret(value) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


def tripletex_client(settings: Settings, *, on_request=None, credential: str | None = None):
    """The Tripletex client of a credential. The default one: SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN and
    _EMPLOYEE_TOKEN; a named one: SETTLEMENT_TRIPLETEX_<NAME>_EMPLOYEE_TOKEN (and _CONSUMER_TOKEN, else
    the default consumer token: it is the integration's, the same for every company)."""
    from settlement.settings import named_secret
    from settlement.targets.tripletex.configure import tripletex_client as make

    consumer = _secret(settings.tripletex_consumer_token)
    employee = _secret(settings.tripletex_employee_token)
    if credential is not None:
        consumer = named_secret("tripletex", credential, "consumer_token") or consumer
        employee = named_secret("tripletex", credential, "employee_token")
    gate = None
    if employee:
        gate = gate_for(settings.database_url, f"tripletex:{employee}", settings.tripletex_requests_per_second)
    return make(settings.tripletex_base_url, consumer, employee, gate=gate,
                connect_timeout=settings.ledger_connect_timeout, read_timeout=settings.ledger_read_timeout,
                retry_attempts=settings.ledger_retry_attempts, on_request=on_request,
                credential_label=credential or "default")


def poweroffice_client(settings: Settings, *, on_request=None, credential: str | None = None):
    """The PowerOffice Go client of a credential. The default one: SETTLEMENT_POWEROFFICE_APPLICATION_KEY,
    _CLIENT_KEY and _SUBSCRIPTION_KEY; a named one: SETTLEMENT_POWEROFFICE_<NAME>_CLIENT_KEY (and
    _APPLICATION_KEY / _SUBSCRIPTION_KEY, else the default ones: they are the integration's).
    The request gate is per subscription key: PowerOffice's 10 a second hold for all clients together."""
    from settlement.settings import named_secret
    from settlement.targets.poweroffice.configure import poweroffice_client as make

    application = _secret(settings.poweroffice_application_key)
    client = _secret(settings.poweroffice_client_key)
    subscription = _secret(settings.poweroffice_subscription_key)
    if credential is not None:
        application = named_secret("poweroffice", credential, "application_key") or application
        client = named_secret("poweroffice", credential, "client_key")
        subscription = named_secret("poweroffice", credential, "subscription_key") or subscription
    gate = None
    if subscription:
        gate = gate_for(settings.database_url, f"poweroffice:{subscription}", settings.poweroffice_requests_per_second)
    return make(settings.poweroffice_base_url, settings.poweroffice_token_url, application, client, subscription,
                gate=gate, connect_timeout=settings.ledger_connect_timeout, read_timeout=settings.ledger_read_timeout,
                retry_attempts=settings.ledger_retry_attempts, on_request=on_request,
                credential_label=credential or "default")


# --- the ledger targets --------------------------------------------------------------------------

def _fiken_target(settings: Settings, credential=None, on_request=None):
    from settlement.targets.fiken.target import FikenTarget

    make = lambda: fiken_client(settings, on_request=on_request, credential=credential)  # noqa: E731
    return FikenTarget(make)


def _tripletex_target(settings: Settings, credential=None, on_request=None):
    from settlement.targets.tripletex.target import TripletexTarget

    make = lambda: tripletex_client(settings, on_request=on_request, credential=credential)  # noqa: E731
    return TripletexTarget(make)


def _poweroffice_target(settings: Settings, credential=None, on_request=None):
    from settlement.targets.poweroffice.target import PowerOfficeTarget

    make = lambda: poweroffice_client(settings, on_request=on_request, credential=credential)  # noqa: E731
    return PowerOfficeTarget(make)


# The ledgers a vendor can post to, by the name stored with each day (Vendor.ledger): name →
# (settings, credential name, on_request) → a target, whose client is made on first use (a missing
# credential raises CredentialRefused then). Adding a ledger is one package under settlement/targets/
# and one entry here.
TARGETS = {"fiken": _fiken_target, "tripletex": _tripletex_target, "poweroffice": _poweroffice_target}


class LedgerTargets:
    """The ledger targets of one process, one per (ledger, credential), each made when a vendor first
    needs it and kept (its client, session token and request gate) for the process's lifetime.
    Called with a vendor, it gives that vendor's target (PostingContext.targets)."""

    def __init__(self, settings: Settings, on_request=None):
        import threading

        self.settings, self.on_request = settings, on_request
        self._made: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, vendor: Vendor):
        key = (vendor.ledger, vendor.credential)
        with self._lock:
            if key not in self._made:
                self._made[key] = TARGETS[vendor.ledger](self.settings, vendor.credential, self.on_request)
            return self._made[key]


def credential_label(vendor: Vendor) -> str:
    """'Tripletex credential bergen-franchise', or 'the Fiken credential' for the default one."""
    title = {"fiken": "Fiken", "tripletex": "Tripletex", "poweroffice": "PowerOffice"}[vendor.ledger]
    if vendor.credential:
        return tr("{ledger} credential {credential}", ledger=title, credential=vendor.credential)
    return tr("the {ledger} credential", ledger=title)


def credential_problems(app: App, vendors) -> dict[str, Any]:
    """Why a vendor's ledger credential cannot be used (a CredentialRefused: str() the message,
    .reason with the ledger's kind), by vendor id, checked as `run`, `catch-up` and `serve` check
    before settling: the client is made (a stored OAuth token read), no request is sent. Vendors
    sharing a credential share the answer."""
    checked: dict[tuple[str, str | None], Any] = {}
    problems = {}
    for vendor in vendors:
        key = (vendor.ledger, vendor.credential)
        if key not in checked:
            checked[key] = _credential_problem(app.settings, vendor)
        if checked[key]:
            problems[vendor.id] = checked[key]
    return problems


def _credential_problem(settings: Settings, vendor: Vendor):
    from settlement.posting.ledger import CredentialRefused

    try:
        TARGETS[vendor.ledger](settings, vendor.credential).client  # makes the client: no request
    except CredentialRefused as exc:
        return exc
    return None


# --- the posting context -------------------------------------------------------------------------

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
        targets = LedgerTargets(app.settings, on_request)
    return PostingContext(
        vouchers=lambda vendor, day: app.voucher(vendor.id, day),
        ledgers=lambda vendor: app.chart.ledger(vendor.id),
        targets=targets,
        report=lambda vendor, state, voucher, booking, at: app.posted_report_pdf(targets, vendor, state, voucher, booking, at),
        state=state or PostingState(app.engine),
        report_dir=app.settings.report_dir,
        generated_at=datetime.now(timezone.utc),
        # Replicas on PostgreSQL, or processes sharing a SQLite file, settle a vendor one at a time.
        claim=claims_for(app.engine),
        confirmed_empty=app.confirmed_empty,
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
    """Where the OAuth token is kept: on PostgreSQL the database (replicas share one grant, whose
    refresh token Fiken rotates at each refresh), taking SETTLEMENT_FIKEN_TOKEN_FILE's token over
    once; on SQLite (one host) that file."""
    from settlement.targets.fiken.configure import token_store

    file_store = token_store(settings.fiken_token_file)
    if not settings.database_url.startswith(("postgresql", "postgres")):
        return file_store
    from settlement.store.oauth_tokens import OAuthTokenTable
    from settlement.targets.fiken.token_store import DatabaseTokenStore

    return DatabaseTokenStore(OAuthTokenTable(_open_engine(settings.database_url)), "fiken", adopt=file_store)


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
    web: "WebConfig | None" = None  # the web page serve starts beside its probes (when anybody could log in)


def serve_config(settings: Settings | None = None) -> ServeConfig:
    """The serve settings (read from the environment unless given)."""
    import os

    settings = settings or load_settings()
    secrets = [s.get_secret_value() for s in (
        settings.fiken_token, settings.fiken_client_secret, settings.tripletex_consumer_token,
        settings.tripletex_employee_token, settings.poweroffice_application_key, settings.poweroffice_client_key,
        settings.poweroffice_subscription_key) if s is not None]
    # Named credentials (SETTLEMENT_<LEDGER>_<NAME>_<FIELD>) and the webshops' keys, masked too.
    secrets += [v for k, v in os.environ.items()
                if k.startswith(("SETTLEMENT_WOO_", "SETTLEMENT_FIKEN_", "SETTLEMENT_TRIPLETEX_", "SETTLEMENT_POWEROFFICE_"))
                and k.endswith(("_KEY", "_SECRET", "_TOKEN")) and v.strip()]
    return ServeConfig(
        log_format=settings.log_format,
        log_level=settings.log_level,
        secrets=secrets,
        http_host=settings.http_host,
        http_port=settings.http_port,
        pid_file=settings.serve_pid_file,
        workers=settings.serve_workers,
        misfire_grace=settings.serve_misfire_grace,
        open_engine=lambda: _open_engine(settings.database_url),
        load_app=lambda: App.load(settings),
        web=web_config(settings),
    )


def _open_engine(url: str) -> Engine:
    from settlement.store import open_engine

    return open_engine(url)


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
    """Why a ledger credential of the configured vendors cannot be used, checked as `run` and
    `catch-up` check it before settling (no request is sent); None when every one can."""
    problems = credential_problems(app, app.vendors.values())
    return "; ".join(dict.fromkeys(str(p) for p in problems.values())) or None


# --- alerts (settlement.posting.alerts; the channels are settlement.alerting) ----------------------

_LEDGER_TITLES = {"fiken": "Fiken", "tripletex": "Tripletex", "poweroffice": "PowerOffice Go"}


def alerts_config(app: App):
    """The `[alerts]` table of the vendors file (settlement.domain.alerts_config); its problems are
    the vendors file's (App.load has them). An unreadable file configures no alerts."""
    from settlement.domain.alerts_config import AlertsConfig, alerts_from_text

    try:
        text = Path(app.settings.vendors).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return AlertsConfig()
    return alerts_from_text(text, str(app.settings.vendors))[0]


def alert_channels(app: App, config=None) -> list:
    """The alert channels configured: one per webhook URL, and e-mail when [alerts.email] is there
    (its password SETTLEMENT_ALERT_SMTP_PASSWORD or the secrets file)."""
    from settlement.alerting.smtp import EmailChannel
    from settlement.alerting.webhook import WebhookChannel

    config = config or alerts_config(app)
    channels: list = [WebhookChannel(url) for url in config.webhooks]
    if config.email is not None:
        channels.append(EmailChannel(config, _secret(app.settings.alert_smtp_password)))
    return channels


def send_run_alerts(app: App, vendors, outcomes=(), now=None) -> int:
    """After a run of `vendors` (run, catch-up, a serve vendor run): announce the conditions that
    hold now and the recoveries of those that cleared, once per channel (settlement.posting.alerts);
    the messages sent. Never raises: alerting must not change what the run did or its exit status."""
    import logging
    from datetime import datetime, timezone

    from settlement.posting.alerts import Scope, credential_conditions, day_conditions, payout_conditions, send_alerts
    from settlement.store.alerts import AlertBook
    from settlement.store.payouts import PayoutPostingState
    from settlement.store.posting_state import PostingState

    vendors = list(vendors)
    try:
        config = alerts_config(app)
        channels = alert_channels(app, config)
        if not channels or not vendors:
            return 0
        now = now or datetime.now(timezone.utc)
        refused = {vendor_id: str(problem) for vendor_id, problem in credential_problems(app, vendors).items()}
        credentials, working = credential_conditions(vendors, refused, list(outcomes), credential_label)
        state = PostingState(app.engine)
        scoped = {v.id: v for v in vendors}
        states = [s for s in (state.all(vendors[0].id) if len(vendors) == 1 else state.all()) if s.vendor in scoped]
        days = day_conditions(states, scoped, now, config.missing_grace)
        shares = [s for s in PayoutPostingState(app.engine).all() if s.vendor in scoped]
        resolutions = {(s.vendor, s.business_day): str(s.status) for s in states}
        resolutions.update({(s.vendor, f"{s.provider}:{s.payout_id}"): str(s.status) for s in shares})
        return send_alerts(AlertBook(app.engine), channels, days + credentials + payout_conditions(shares, scoped),
                           Scope(frozenset(scoped), working), app.vendors, resolutions,
                           ledger_title=lambda v: _LEDGER_TITLES.get(v.ledger, v.ledger))
    except Exception:  # the database or a bug: logged; the run's own result stands
        logging.getLogger("settlement.alerts").exception("alerts could not be evaluated; the next run tries again")
        return 0


# --- the web page (settlement.web) ---------------------------------------------------------------

@dataclass(frozen=True)
class WebConfig:
    """What the web page needs of the settings, as values (see settlement.web)."""

    host: str
    port: int
    users_file: Path | None  # the TOML file of users, roles and argon2 hashes
    auth: str  # "password" or "header"
    auth_header: str  # the reverse proxy's header naming the user (header mode)
    trusted_proxies: tuple[str, ...]  # addresses whose auth_header is believed
    secure_cookies: bool
    session_secret: str | None  # None: a random key per process
    load_app: Callable[[], App]  # the configuration, for `settlement web` (serve passes its own)

    @property
    def enabled(self) -> bool:
        """Whether anybody could log in: a users file, or header mode."""
        return self.users_file is not None or self.auth == "header"


def web_config(settings: Settings | None = None) -> WebConfig:
    """The web page's settings (read from the environment unless given)."""
    settings = settings or load_settings()
    secret = settings.web_session_secret
    return WebConfig(
        host=settings.web_host,
        port=settings.web_port,
        users_file=settings.web_users,
        auth=settings.web_auth,
        auth_header=settings.web_auth_header,
        trusted_proxies=tuple(p.strip() for p in settings.web_trusted_proxies.split(",") if p.strip()),
        secure_cookies=settings.web_secure_cookies,
        session_secret=secret.get_secret_value() if secret is not None else None,
        load_app=lambda: App.load(settings).require_valid(),
    )


# --- payouts (payment providers' payouts: posting, matching, status) -------------------------------

def vendor_payouts(app: App, vendor: Vendor) -> list:
    """The stored payouts of the vendor's provider accounts, each with the account it is booked by
    ((Payout, PayoutAccount) pairs, by bank date); a shared account's payout without the vendor's
    store_ref in it is not the vendor's."""
    from settlement.domain.payout_voucher import share_of
    from settlement.store.payouts import PayoutStore

    pairs = []
    accounts = {(a.provider, a.account) for a in vendor.payouts}
    for payout in PayoutStore(app.engine).payouts(accounts=accounts):
        for account in vendor.payouts:
            if account.provider == payout.provider and account.account == payout.account:
                if not account.store_ref or share_of(payout, account).items:
                    pairs.append((payout, account))
    return pairs


def vendor_today(vendor: Vendor):
    """The vendor's date now, in its time zone."""
    from datetime import datetime

    return datetime.now(vendor.tz).date()


def payout_posting_context(app: App, *, targets=None, on_request=None):
    """Everything posting payouts needs (settlement.posting.payouts), beside posting_context's."""
    from datetime import datetime, timezone

    from settlement.posting.claims import claims_for
    from settlement.posting.payouts import PayoutPostingContext
    from settlement.store.payouts import PayoutPostingState

    if targets is None:
        targets = LedgerTargets(app.settings, on_request)
    claim = claims_for(app.engine)
    return PayoutPostingContext(
        payouts=lambda vendor: vendor_payouts(app, vendor),
        ledgers=lambda vendor: app.chart.ledger(vendor.id),
        targets=targets,
        report=lambda vendor, state, payout, voucher, booking, at: payout_report_pdf(app, vendor, state, payout, booking, at),
        state=PayoutPostingState(app.engine),
        report_dir=app.settings.report_dir,
        generated_at=datetime.now(timezone.utc),
        today=vendor_today,
        # Its own claim name: a vendor's days and its payouts may be posted by one run in turn.
        claim=lambda vendor_id: claim(f"{vendor_id}.payouts"),
    )


def post_due_payouts(app: App, vendors=None, *, targets=None) -> list:
    """Post every due payout of the vendors (all with `payouts` by default): the hook `run`,
    `catch-up` and `serve` call after a vendor's days. Returns the Outcomes."""
    from settlement.posting.payouts import post_payouts

    chosen = [v for v in (vendors if vendors is not None else app.vendors.values()) if v.payouts]
    if not chosen:
        return []
    ctx = payout_posting_context(app, targets=targets)
    outcomes = []
    for vendor in chosen:
        outcomes.extend(post_payouts(ctx, vendor))
    return outcomes


def payout_matching(app: App, vendor: Vendor, account):
    """The matching of what the vendor's posted payouts of `account` took off its clearing account
    against what its posted days put there (settlement.domain.payout_matching.Matching), with the
    booked sales and payouts it was made from."""
    from settlement.domain.businessday import business_day
    from settlement.domain.payout_matching import match_payouts
    from settlement.domain.payout_voucher import ADJUSTING, share_of
    from settlement.domain.payouts import ItemKind
    from settlement.domain.posting_rules import CORRECTABLE
    from settlement.store.payouts import PayoutPostingState, clearing_sales
    from settlement.store.posting_state import PostingState

    ledger, mapping = app.chart.ledger(vendor.id), app.chart.mapping(vendor.id)
    clearing = ledger[account.payment].account if account.payment in ledger else None
    keys = {key for key, row in ledger.items() if row.account == clearing}
    codes = {code for (source, code), row in mapping.items() if source == "payment" and row.key in keys}
    days = [s.business_day for s in PostingState(app.engine).all(vendor.id) if s.status in CORRECTABLE]
    sales = clearing_sales(app.engine, vendor.id, days, codes)
    posted = {(s.provider, s.payout_id) for s in PayoutPostingState(app.engine).all(vendor.id) if s.status in CORRECTABLE}
    payouts = [share_of(p, a) for p, a in vendor_payouts(app, vendor)
               if a == account and (p.provider, p.payout_id) in posted]
    kinds = frozenset(k for k in ItemKind if k is not ItemKind.FEE and not (account.adjustments and k in ADJUSTING))
    matching = match_payouts(sales, payouts, lambda moment: business_day(moment, vendor.tz, vendor.day_start), kinds)
    return matching, sales, payouts


def payout_report_pdf(app: App, vendor: Vendor, state, payout, booking, generated_at) -> bytes:
    """The PDF attached to a payout voucher: what was booked, the items, the days they cover."""
    from settlement.report.payouts_pdf import PayoutReport, render_payout_pdf

    days: tuple = ()
    account = next((a for a in vendor.payouts if a.provider == payout.provider and a.account == payout.account), None)
    if account is not None:
        from settlement.domain.businessday import business_day
        from settlement.domain.payout_matching import match_payouts

        # The days it covers: its items matched against the sales of every posted day.
        _, sales, _ = payout_matching(app, vendor, account)
        both = match_payouts(sales, [payout], lambda m: business_day(m, vendor.tz, vendor.day_start))
        days = tuple(sorted(both.days_of.get((payout.provider, payout.payout_id), ())))
    report = PayoutReport(vendor.name, payout, state.settlement_key, booking, days, generated_at, vendor.tz)
    return render_payout_pdf(report, app.pdf_font)


def payout_statuses(app: App, vendors=None) -> list:
    """Where each vendor's clearing account of each provider account stands (ClearingStatus), with
    the payouts not booked yet and why."""
    from settlement.domain.payout_voucher import ADJUSTING
    from settlement.domain.payouts import ItemKind
    from settlement.domain.posting_rules import CORRECTABLE
    from settlement.posting.payouts import due
    from settlement.report.payouts_status import clearing_status
    from settlement.store.payouts import PayoutPostingState

    statuses = []
    states = PayoutPostingState(app.engine)
    for vendor in (vendors if vendors is not None else app.vendors.values()):
        ledger = app.chart.ledger(vendor.id)
        posted = {(s.provider, s.payout_id): s for s in states.all(vendor.id)}
        for account in vendor.payouts:
            matching, sales, booked = payout_matching(app, vendor, account)
            cleared = sum(i.amount for p in booked for i in p.items if i.kind is not ItemKind.FEE
                          and not (account.adjustments and i.kind in ADJUSTING))
            row = ledger.get(account.payment)
            status = clearing_status(vendor.id, account.provider, account.account, account.payment,
                                     row.account if row else "?", sum(s.amount for s in sales), booked, matching, cleared)
            for payout, paired in vendor_payouts(app, vendor):
                state = posted.get((payout.provider, payout.payout_id))
                if paired != account or (state is not None and state.status in CORRECTABLE):
                    continue
                if not due(vendor, payout, vendor_today(vendor)):
                    why = ("paid before enabled_since: not booked by this product" if payout.paid_on < vendor.enabled_since
                           else "in transit: booked on its bank date")
                else:
                    why = f"{state.status}: {state.reason}" if state is not None and state.status else "due: the next run books it"
                status.waiting.append((payout.payout_id, payout.paid_on.isoformat(), why))
            statuses.append(status)
    return statuses


def stripe_api(account: str, environ=None, settings: Settings | None = None):
    """The Stripe API source of a vendor's Stripe account: the secret key from
    SETTLEMENT_STRIPE_SECRET_KEY_<ACCOUNT> (the account id upper-cased, e.g. ..._ACCT_123), else
    SETTLEMENT_STRIPE_SECRET_KEY; SETTLEMENT_STRIPE_BASE_URL for the sandbox. None without a key."""
    import os

    from settlement.sources.payouts.stripe.api import StripeApi

    settings = settings or load_settings()
    env = os.environ if environ is None else environ
    key = env.get(f"SETTLEMENT_STRIPE_SECRET_KEY_{account.upper()}") or _secret(settings.stripe_secret_key)
    if not key:
        return None
    return StripeApi(key, account, settings.stripe_base_url)


def vipps_api(account: str, settings: Settings | None = None):
    """The Vipps MobilePay Report API source (SETTLEMENT_VIPPS_*), limited to the account's ledger
    when the account names one; None without credentials."""
    from settlement.sources.payouts.vipps.api import VippsReportApiSource
    from settlement.sources.payouts.vipps.client import VippsReportClient

    settings = settings or load_settings()
    secret, key = _secret(settings.vipps_client_secret), _secret(settings.vipps_subscription_key)
    if not (settings.vipps_client_id and secret and key):
        return None
    client = VippsReportClient(settings.vipps_base_url, client_id=settings.vipps_client_id, client_secret=secret,
                               subscription_key=key, merchant_serial_number=settings.vipps_msn or account)
    return VippsReportApiSource(client)


def klarna_api(account: str, settings: Settings | None = None):
    """The Klarna Settlements API source (SETTLEMENT_KLARNA_*); None without credentials."""
    from settlement.sources.payouts.klarna.api import KlarnaSettlementsApiSource
    from settlement.sources.payouts.klarna.client import KlarnaClient

    settings = settings or load_settings()
    password = _secret(settings.klarna_password)
    if not (settings.klarna_username and password):
        return None
    return KlarnaSettlementsApiSource(KlarnaClient(settings.klarna_base_url, username=settings.klarna_username,
                                                   password=password))


# The payout APIs by provider: (account, settings) → a PayoutApiSource, or None when not configured.
PAYOUT_APIS = {
    "stripe": lambda account, settings: stripe_api(account, settings=settings),
    "vipps": vipps_api,
    "klarna": klarna_api,
}
# What to set for each provider's API, for the message when a pull is asked without it.
PAYOUT_API_SETTINGS = {
    "stripe": "SETTLEMENT_STRIPE_SECRET_KEY",
    "vipps": N_("SETTLEMENT_VIPPS_CLIENT_ID, _CLIENT_SECRET and _SUBSCRIPTION_KEY"),
    "klarna": N_("SETTLEMENT_KLARNA_USERNAME and _PASSWORD"),
}


def pull_payouts(app: App, vendor: Vendor, since, until=None, providers=None) -> tuple[list, dict]:
    """Pull the payouts of the vendor's provider accounts whose API is configured and store them
    (each account's read all or nothing): (problems, {(provider, id): outcome}). An API that
    cannot be read is a problem of that account; the other accounts go on."""
    from settlement.domain.problems import error
    from settlement.store.payouts import PayoutStore

    problems, stored = [], {}
    for account in vendor.payouts:
        if providers is not None and account.provider not in providers:
            continue
        api = PAYOUT_APIS[account.provider](account.account, app.settings)
        if api is None:
            problems.append(error(tr("vendor {vendor}: no {provider} API credentials for account {account} ({settings})",
                                     vendor=vendor.id, provider=account.provider, account=account.account,
                                     settings=tr(PAYOUT_API_SETTINGS[account.provider]))))
            continue
        try:
            read = api.fetch(since, until)
        except Exception as exc:  # noqa: BLE001: each provider's own "could not read" error
            problems.append(error(tr("vendor {vendor}: {provider} account {account} not read: {why}", vendor=vendor.id,
                                     provider=account.provider, account=account.account, why=exc)))
            continue
        problems.extend(read.problems)
        if read.ok:
            stored.update(PayoutStore(app.engine).store(read).outcomes)
    return problems, stored


def payouts_after_days(app: App, vendors, *, targets=None, log=None) -> list:
    """The hook `catch-up` and `serve` call after a vendor's days: pull the payouts of the last
    PAYOUT_PULL_DAYS from the provider APIs that are configured, then post every due payout. Problems
    of a pull are logged (the files already imported still post). Returns the payouts' Outcomes."""
    from datetime import timedelta

    chosen = [v for v in vendors if v.payouts]
    for vendor in chosen:
        configured = {a.provider for a in vendor.payouts if PAYOUT_APIS[a.provider](a.account, app.settings) is not None}
        if configured:
            since = max(vendor.enabled_since, vendor_today(vendor) - timedelta(days=PAYOUT_PULL_DAYS))
            problems, _ = pull_payouts(app, vendor, since, providers=configured)
            for problem in problems:
                if log is not None and problem.is_error:
                    log.warning("%s: payouts: %s", vendor.id, problem)
    return post_due_payouts(app, chosen, targets=targets)


# How far back each run asks the providers' APIs (a payout's report can change for a few days).
PAYOUT_PULL_DAYS = 14


# --- The checks `accounts check` and `test-connection` make (the CLI and the web page) ------------

def accounts_check(app: App) -> list[Problem]:
    """Every problem `settlement accounts check` lists for `app` (loaded without validating): the
    loading problems, closing warnings, chart warnings and sub-account notes. Reads only the
    configuration, never the database or a ledger."""
    from settlement.domain.chart import chart_warnings, sub_account_notes
    from settlement.domain.payout_voucher import payout_key_problems
    from settlement.domain.vendors import closing_warnings

    problems = app.problems + closing_warnings(list(app.vendors.values()), str(app.settings.vendors))
    problems += chart_warnings(app.chart)
    problems += sub_account_notes(app.chart, {v.id: v.ledger for v in app.vendors.values()})
    if not any(p.is_error for p in app.problems):  # a chart that could not be read has no keys to check
        problems += payout_key_problems(app.vendors.values(), app.chart.ledger, str(app.settings.vendors))
    return problems


def check_ledger_connections(app: App, vendors, strict: bool = False, out=None, err=None) -> list[dict]:
    """`settlement test-connection` for `vendors`: each credential they use, then each vendor's
    company, accounts and VAT codes in its ledger, grouped per (ledger, credential). Returns the
    vendor results (connection_result) as `--json` lists them; the human text goes to `out` (default
    stdout), a credential's failure to `err` (default stderr). Tokens are never written."""
    import sys

    out, err = out or sys.stdout, err or sys.stderr
    groups: dict[tuple[str, str | None], list] = {}
    for vendor in vendors:
        groups.setdefault((vendor.ledger, vendor.credential), []).append(vendor)
    results: list[dict] = []
    for (ledger, credential), group in groups.items():
        if len(groups) > 1:
            shown = tr("{ledger}, credential {credential}", ledger=ledger, credential=credential) if credential else ledger
            print(f"== {shown} ==", file=out)
        check = _test_fiken if ledger == "fiken" else _test_ledger
        results += check(app, credential, group, strict, out, err)
        if len(groups) > 1:
            print(file=out)
    return results


def connection_result(vendor, ledger: str, checks: list[dict], strict: bool, *, connected_as: dict | None = None,
                      company: dict | None = None) -> dict:
    """One vendor's test-connection result: the vendor, its ledger and credential, who the credential
    is connected as, its company there, each check {name, status (OK, WARNING, FAILED, SKIPPED),
    reason, details}, and whether it passed (every check OK, or WARNING unless strict)."""
    allowed = {"OK"} if strict else {"OK", "WARNING"}  # a SKIPPED check did not pass either
    return {"vendor": vendor.id, "name": vendor.name, "ledger": ledger, "credential": vendor.credential,
            "connected_as": connected_as, "company": company, "checks": checks,
            "passed": all(c["status"] in allowed for c in checks)}


def _check(name: str, status: str, reason: str = "", details=()) -> dict:
    return {"name": name, "status": status, "reason": reason, "details": list(details)}


# Who a Tripletex or PowerOffice credential is connected as, by the identity's names (--json keeps them).
_IDENTITY_WORDS = {"employee": N_("employee"), "employee_id": N_("employee_id"), "company": N_("company"),
                   "company_id": N_("company_id"), "organization_number": N_("organization_number"),
                   "client": N_("client"), "client_id": N_("client_id"), "subscriptions": N_("subscriptions")}
# A check's status as test-connection's column shows it (--json keeps the English value).
_STATUS_WORDS = {"OK": N_("OK"), "FAILED": N_("FAILED"), "WARNING": N_("WARNING"), "SKIPPED": N_("SKIPPED")}


def shown_status(status: str) -> str:
    """'FAILED' in its column (padded to 8), in the installed language: 'FEIL    '."""
    word = tr(_STATUS_WORDS[status]) if status in _STATUS_WORDS else status
    return f"{word:<8}"


def print_fiken_report(report, out, err) -> None:
    """Fiken's ConnectionReport as `test-connection` prints it."""
    import sys

    from settlement.targets.fiken.connection_check import Status

    if report.user is not None:
        print(tr("Connected to Fiken as {name} ({email})", name=report.user.name, email=report.user.email), file=out)
    for vendor_report in report.vendors:
        vendor, company = vendor_report.vendor, vendor_report.company
        print(file=out)
        if company is not None:
            number = company.organization_number or tr("none")
            print(tr("{vendor} ({name}): {company}, slug {slug}, organisation number {number}", vendor=vendor.id,
                     name=vendor.name, company=company.name, slug=company.slug, number=number), file=out)
        else:
            print(tr("{vendor} ({name}): company {slug!r}", vendor=vendor.id, name=vendor.name,
                     slug=vendor.fiken_company), file=out)
        for check in vendor_report.checks:
            reason = f": {check.reason}" if check.reason and check.status is not Status.OK else ""
            print(f"  {shown_status(check.status.value)} {check.name}{reason}", file=out)
            for detail in check.details:
                print(f"             {detail}", file=out)
    if report.failure:
        print(tr("error: {why}", why=report.failure), file=err if out is sys.stdout else out)


def _test_fiken(app: App, credential, vendors, strict: bool, out, err) -> list[dict]:
    from settlement.targets.fiken.connection_check import check_connection
    from settlement.targets.fiken.errors import FikenError

    try:
        client = fiken_access(app.settings).client() if credential is None else fiken_client(app.settings, credential=credential)
    except FikenError as exc:
        print(tr("error: {why}", why=exc), file=err)
        return [connection_result(v, "fiken", [_check("credential", "FAILED", str(exc))], strict) for v in vendors]
    report = check_connection(client, vendors, {v.id: app.chart.ledger(v.id) for v in vendors})
    print_fiken_report(report, out, err)
    user = {"name": report.user.name, "email": report.user.email} if report.user is not None else None
    results = []
    for vendor_report in report.vendors:
        company = vendor_report.company
        checks = [_check(c.name, c.status.value, c.reason, c.details) for c in vendor_report.checks]
        results.append(connection_result(vendor_report.vendor, "fiken", checks, strict, connected_as=user, company=None
                                         if company is None else {"name": company.name, "slug": company.slug,
                                                                  "organization_number": company.organization_number}))
    seen = {result["vendor"] for result in results}
    for vendor in vendors:  # the connection failed before this vendor was reached
        if vendor.id not in seen:
            results.append(connection_result(vendor, "fiken", [_check("connection", "FAILED",
                                                                      report.failure or tr("not checked"))],
                                             strict, connected_as=user))
    if report.failure:  # said for the whole credential, even when each vendor was reached
        for result in results:
            if not any(c["status"] == "FAILED" for c in result["checks"]):
                result["checks"].append(_check("connection", "FAILED", report.failure))
                result["passed"] = False
    return results


def _test_ledger(app: App, credential, vendors, strict: bool, out, err) -> list[dict]:
    """Tripletex, PowerOffice: who we are connected as, then each vendor's target.check()."""
    from settlement.posting.ledger import LedgerError

    target = app.target_for(vendors[0])
    try:
        identity = target.identity()
    except LedgerError as exc:
        print(tr("error: {why}", why=f"{target.title}: {exc}"), file=err)
        return [connection_result(v, v.ledger, [_check("credential", "FAILED", exc.reason)], strict) for v in vendors]
    shown = ", ".join(f"{tr(_IDENTITY_WORDS.get(name, name))} {value}" for name, value in identity.items() if value)
    print(tr("Connected to {ledger}: {identity}", ledger=target.title, identity=shown), file=out)
    connected_as = {name: value for name, value in identity.items() if value}
    results = []
    for vendor in vendors:
        print(file=out)
        print(f"{vendor.id} ({vendor.name})", file=out)
        try:
            problems = target.check(vendor, app.chart.ledger(vendor.id))
        except LedgerError as exc:
            print(f"  {shown_status('FAILED')} {exc.reason}", file=out)
            results.append(connection_result(vendor, vendor.ledger, [_check("configuration", "FAILED", exc.reason)],
                                             strict, connected_as=connected_as))
            continue
        checks = []
        for problem in problems:
            status = "FAILED" if problem.is_error else "WARNING"
            print(f"  {shown_status(status)} {problem.format(with_severity=False)}", file=out)
            checks.append(_check(problem.column or "configuration", status, problem.format(with_severity=False)))
        if not problems:
            what = tr("company, accounts, VAT codes, department and project")
            print(f"  {shown_status('OK')} {what}", file=out)
            checks.append(_check(what, "OK"))
        results.append(connection_result(vendor, vendor.ledger, checks, strict, connected_as=connected_as))
    return results
