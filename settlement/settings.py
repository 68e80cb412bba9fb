"""Runtime settings, read from SETTLEMENT_* environment variables and a .env file.

Only settlement.wiring imports this module (an import-linter contract): it reads the settings and
hands everything else plain values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the product reads; the README's configuration reference lists them all."""

    model_config = SettingsConfigDict(
        env_prefix="SETTLEMENT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    language: str = Field(
        default="nb",
        description="Language of everything a person reads (problems, status, accounts check, alerts, the PDF "
        "reports and exports): `nb` (norsk bokmål) or `en` (English). `--help` is English.",
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from settlement.i18n import normalize

        return normalize(value)  # its ValueError names the choices
    database_url: str = Field(
        default="sqlite:///data/settlement.db",
        description="SQLAlchemy URL of the local sales store (SQLite file under ./data by default).",
    )
    chart_of_accounts: Path = Field(
        default=Path("chart_of_accounts"),
        description="Folder with default_ledger.csv, mapping.csv and vendors/.",
    )
    vendors: Path = Field(default=Path("vendors.toml"), description="The vendors file.")
    report_dir: Path = Field(
        default=Path("data/reports"),
        description="Where the PDF settlement reports are kept (one folder per vendor).",
    )
    pdf_font_dir: Path | None = Field(
        default=None,
        description="Folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf for the PDF reports (default: the "
        "usual font folders are searched); without them the reports use a Latin-1 core font, with a warning.",
    )
    difference_tolerance: str = Field(
        default="1.00",
        description="Largest unexplained residual (NOK) booked to the `difference` account with a "
        "warning; a larger one blocks the day.",
    )
    max_line_amount: str = Field(
        default="100000000.00",
        description="Plausibility bound (NOK) of one amount in imported sales data (a line, a payment, its VAT "
        "or discount); a larger one is refused with its file, line and field.",
    )
    max_day_amount: str = Field(
        default="10000000000.00",
        description="Plausibility bound (NOK) of one vendor-day: the absolute amounts of its lines (sales, "
        "payments and the rest) added up; an import that goes beyond it is refused as a whole.",
    )

    # --- Fiken (see docs/fiken.md) -------------------------------------------------------------
    fiken_token: SecretStr | None = Field(
        default=None,
        description="Personal Fiken API token (Rediger konto → API). Also read from the secrets "
        "directory file `settlement_fiken_token`. When set it is used instead of OAuth.",
    )
    fiken_base_url: str = Field(
        default="https://api.fiken.no/api/v2", description="Base URL of the Fiken API v2."
    )
    fiken_authorize_url: str = Field(
        default="https://fiken.no/oauth/authorize", description="Fiken's OAuth2 authorization endpoint."
    )
    fiken_token_url: str = Field(
        default="https://fiken.no/oauth/token", description="Fiken's OAuth2 token endpoint."
    )
    fiken_revoke_url: str = Field(
        default="https://fiken.no/oauth/revoke", description="Fiken's OAuth2 revocation endpoint."
    )
    fiken_client_id: str | None = Field(default=None, description="OAuth2 client id of this app.")
    fiken_client_secret: SecretStr | None = Field(
        default=None, description="OAuth2 client secret (also from the secrets directory)."
    )
    fiken_redirect_uri: str = Field(
        default="http://127.0.0.1:8765/callback",
        description="OAuth2 redirect URI registered with Fiken; a loopback address that "
        "`settlement connect` listens on.",
    )
    fiken_token_file: Path = Field(
        default=Path("data/fiken-token.json"),
        description="Where `settlement connect` stores the OAuth token (owner-only, mode 0600).",
    )
    fiken_connect_timeout: float = Field(default=5.0, description="Seconds to wait for a TCP connection to Fiken.")
    fiken_read_timeout: float = Field(default=30.0, description="Seconds to wait for Fiken to answer.")
    fiken_retry_attempts: int = Field(
        default=5, ge=1, description="Tries per Fiken request on 429, 5xx (reads only) and network failures."
    )
    fiken_requests_per_second: int = Field(
        default=4, ge=1,
        description="Most Fiken requests started in any second, across replicas (Fiken slows callers above 4). "
        "Raise it only against a local sandbox.",
    )

    # --- Tripletex (see docs/tripletex.md) -------------------------------------------------------
    tripletex_base_url: str = Field(default="https://tripletex.no/v2", description="Base URL of the Tripletex API v2.")
    tripletex_consumer_token: SecretStr | None = Field(
        default=None,
        description="The consumer token Tripletex issued to this integration (also the secrets file "
        "`settlement_tripletex_consumer_token`).",
    )
    tripletex_employee_token: SecretStr | None = Field(
        default=None,
        description="The employee token a company's administrator made under API access (also the secrets file "
        "`settlement_tripletex_employee_token`); named credentials: see Several companies.",
    )
    tripletex_requests_per_second: int = Field(
        default=5, ge=1, description="Most Tripletex requests started in any second per credential (the client also "
        "honours X-Rate-Limit-Remaining/Reset and 429)."
    )

    # --- PowerOffice Go (see docs/poweroffice.md) -----------------------------------------------
    poweroffice_base_url: str = Field(
        default="https://goapi.poweroffice.net/v2", description="Base URL of the PowerOffice Go API v2."
    )
    poweroffice_token_url: str = Field(
        default="https://goapi.poweroffice.net/oauth/Token", description="PowerOffice Go's OAuth token endpoint."
    )
    poweroffice_application_key: SecretStr | None = Field(
        default=None, description="This integration's application key (also from the secrets directory)."
    )
    poweroffice_client_key: SecretStr | None = Field(
        default=None, description="The client key of the Go client (company) that activated the integration."
    )
    poweroffice_subscription_key: SecretStr | None = Field(
        default=None, description="The API product's subscription key from the developer portal."
    )
    poweroffice_requests_per_second: int = Field(
        default=10, ge=1, description="Most PowerOffice requests started in any second per subscription key "
        "(PowerOffice allows 10)."
    )
    ledger_connect_timeout: float = Field(
        default=5.0, description="Seconds to wait for a TCP connection to Tripletex or PowerOffice."
    )
    ledger_read_timeout: float = Field(default=30.0, description="Seconds to wait for Tripletex or PowerOffice to answer.")
    ledger_retry_attempts: int = Field(
        default=5, ge=1, description="Tries per Tripletex or PowerOffice request on 429, 5xx (reads) and network failures."
    )

    # --- payment providers' APIs, for payouts (see docs/payouts.md) ----------------------------
    stripe_secret_key: SecretStr | None = Field(
        default=None, description="A Stripe (restricted, read-only) secret key; per account "
        "SETTLEMENT_STRIPE_SECRET_KEY_<ACCOUNT> wins. Also the secrets file `settlement_stripe_secret_key`.")
    stripe_base_url: str = Field(default="https://api.stripe.com", description="Stripe's API root.")
    vipps_base_url: str = Field(default="https://api.vipps.no", description="Vipps MobilePay's API root "
                                "(test: https://apitest.vipps.no).")
    vipps_client_id: str | None = Field(default=None, description="Vipps MobilePay API client id (Report API).")
    vipps_client_secret: SecretStr | None = Field(default=None, description="Vipps MobilePay API client secret.")
    vipps_subscription_key: SecretStr | None = Field(default=None, description="Vipps MobilePay Ocp-Apim subscription key.")
    vipps_msn: str | None = Field(default=None, description="Vipps merchant serial number sent with requests (optional).")
    klarna_base_url: str = Field(default="https://api.klarna.com/settlements/v1",
                                 description="Klarna's Settlements API root (playground: api.playground.klarna.com).")
    klarna_username: str | None = Field(default=None, description="Klarna API username (the merchant's API credentials).")
    klarna_password: SecretStr | None = Field(default=None, description="Klarna API password.")

    # --- settlement serve (see docs/serve.md) ---------------------------------------------------
    log_format: Literal["human", "json"] = Field(
        default="human", description="Log lines for people (`human`) or one JSON object per line (`json`)."
    )
    log_level: str = Field(default="INFO", description="Lowest level logged: DEBUG, INFO, WARNING, ERROR.")
    http_host: str = Field(
        default="127.0.0.1",
        description="Address `serve` answers /healthz, /readyz and /metrics on (0.0.0.0 in a container).",
    )
    http_port: int = Field(default=8080, ge=0, le=65535, description="Port for the HTTP endpoints (0: any free port).")
    serve_pid_file: Path = Field(
        default=Path("data/settlement-serve.pid"),
        description="Where `serve` writes its process id; `settlement reload` signals that process.",
    )
    serve_workers: int = Field(default=4, ge=1, description="Vendors `serve` works on at the same time.")
    serve_misfire_grace: int = Field(
        default=3600, ge=1,
        description="Seconds a vendor's closing-time job may start late (busy or suspended) and still run.",
    )
    drop_settle_seconds: float = Field(
        default=30.0, ge=0,
        description="Seconds a drop-folder file must stay unchanged (size and times) before it is taken as "
        "complete; a `<name>.done` or `<name>.ok` marker beside it makes it complete at once.",
    )

    # --- alerts (the [alerts] table of vendors.toml; see README "Alerts") ------------------------
    alert_smtp_password: SecretStr | None = Field(
        default=None,
        description="Password of [alerts.email]'s user on the SMTP server (also the secrets file "
        "`settlement_alert_smtp_password`).",
    )

    # --- the web page (`settlement web`, and `serve` beside its probes; see docs/web.md) ---------
    web_host: str = Field(default="127.0.0.1", description="Address the web page answers on.")
    web_port: int = Field(default=8090, ge=0, le=65535, description="Port of the web page (0: any free port).")
    web_users: Path | None = Field(
        default=None,
        description="TOML file of the web page's users ([[users]] name, role = viewer or operator, password_hash "
        "from `settlement web adduser`); without it (and without header mode) `serve` starts no web page.",
    )
    web_auth: Literal["password", "header"] = Field(
        default="password",
        description="`password`: users log in with the users file's argon2 hashes; `header`: a reverse proxy "
        "doing SSO names the user in SETTLEMENT_WEB_AUTH_HEADER (roles still from the users file).",
    )
    web_auth_header: str = Field(default="X-Forwarded-User", description="The header naming the user in header mode.")
    web_trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses whose SETTLEMENT_WEB_AUTH_HEADER is believed (header mode).",
    )
    web_secure_cookies: bool = Field(
        default=False, description="Mark the session cookie Secure: set it when the page is served over TLS."
    )
    web_session_secret: SecretStr | None = Field(
        default=None,
        description="Key signing the web page's session cookies (also the secrets file "
        "`settlement_web_session_secret`); without it a random one per process (sessions end at restart).",
    )


DEFAULT_SECRETS_DIR = "/run/secrets"


def secrets_dir() -> Path | None:
    """The directory of secret files (SETTLEMENT_SECRETS_DIR, default /run/secrets), if it exists.

    A missing directory is normal outside a container, so it is skipped rather than an error.
    """
    folder = Path(os.environ.get("SETTLEMENT_SECRETS_DIR") or DEFAULT_SECRETS_DIR)
    return folder if folder.is_dir() else None


def credential_env_name(ledger: str, credential: str, field: str) -> str:
    """The setting that holds `field` of a named credential: SETTLEMENT_<LEDGER>_<CREDENTIAL>_<FIELD>,
    the credential's name upper-cased with '-' as '_' (bergen-franchise → BERGEN_FRANCHISE)."""
    return f"SETTLEMENT_{ledger}_{credential.replace('-', '_')}_{field}".upper()


def named_secret(ledger: str, credential: str, field: str) -> str | None:
    """A named credential's value: the environment variable credential_env_name(...), else the file of
    that name in lower case in the secrets directory; None when neither is set.

    Named credentials are read here rather than as Settings fields because their names come from
    vendors.toml (one per company in a franchise chain)."""
    name = credential_env_name(ledger, credential, field)
    value = (os.environ.get(name) or "").strip()
    folder = secrets_dir()
    if not value and folder is not None and (folder / name.lower()).is_file():
        value = (folder / name.lower()).read_text(encoding="utf-8").strip()
    return value or None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (used by the CLI's options)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    folder = secrets_dir()
    if folder is not None:
        values.setdefault("_secrets_dir", folder)
    return Settings(**values)
