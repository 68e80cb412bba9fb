"""PowerOfficeSandbox: start a seeded fake PowerOffice Go API v2 on 127.0.0.1 and steer or inspect it."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import date
from decimal import Decimal

from settlement.poweroffice_sandbox import vouchers as vch
from settlement.poweroffice_sandbox.errors import ApiProblem
from settlement.poweroffice_sandbox.server import API_PREFIX, SandboxConfig, SandboxServer
from settlement.poweroffice_sandbox.state import NO_LOCK_DATE, Client, State
from settlement.poweroffice_sandbox.tokens import DEFAULT_TOKEN_LIFETIME, Tokens
from settlement.sandbox_kit.lifetime import SandboxLifetime

DEFAULT_MAX_SECONDS = 600
GUI = None  # the "integration" of a voucher made in Go's own user interface


class PowerOfficeSandbox(SandboxLifetime):
    """A running sandbox with two clients (companies) under one integration. Create it with
    PowerOfficeSandbox.start(); it stops by itself after max_seconds."""

    api_prefix = API_PREFIX

    def __init__(self, server: SandboxServer, max_seconds: float) -> None:
        self._serve_in_thread(server, max_seconds, "poweroffice-sandbox")
        self.state: State = server.state
        self.tokens: Tokens = server.tokens

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = DEFAULT_MAX_SECONDS, *,
              rate_limit_per_second: int | None = 10, replica_lag: float = 0.0,
              token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
              max_documentation_bytes: int | None = None) -> "PowerOfficeSandbox":
        """Seed a fresh sandbox and serve it on 127.0.0.1:port (0 = any free port) in a thread."""
        config = SandboxConfig(rate_limit_per_second, replica_lag)
        if max_documentation_bytes is not None:
            config.max_documentation_bytes = max_documentation_bytes
        state = State(application_key=str(uuid.uuid4()), subscription_key=secrets.token_hex(16))
        server = SandboxServer(port, state, Tokens(state, token_lifetime), config)
        return cls(server, max_seconds)._launch()

    # --- addresses and credentials ------------------------------------------------------------

    @property
    def token_url(self) -> str:
        return self.root_url + "/OAuth/Token"

    @property
    def application_key(self) -> str:
        return self.state.application_key

    @property
    def subscription_key(self) -> str:
        return self.state.subscription_key

    def client_key(self, company_index: int = 0) -> str:
        return self.state.clients[company_index].client_key

    @property
    def client_keys(self) -> list[str]:
        return [c.client_key for c in self.state.clients]

    def settings_lines(self, company_index: int = 0) -> list[str]:
        """The settings that reach company `company_index` through this sandbox."""
        return [
            f"SETTLEMENT_POWEROFFICE_BASE_URL={self.base_url}",
            f"SETTLEMENT_POWEROFFICE_TOKEN_URL={self.token_url}",
            f"SETTLEMENT_POWEROFFICE_APPLICATION_KEY={self.application_key}",
            f"SETTLEMENT_POWEROFFICE_CLIENT_KEY={self.client_key(company_index)}",
            f"SETTLEMENT_POWEROFFICE_SUBSCRIPTION_KEY={self.subscription_key}",
        ]

    # --- observing ------------------------------------------------------------------------------

    @property
    def config(self) -> SandboxConfig:
        return self._server.config

    def company(self, company_index: int = 0) -> Client:
        return self.state.clients[company_index]

    def booked(self, company_index: int = 0) -> list[dict]:
        """One dict per voucher (reversals included), in the cross-ledger shape the contract suite reads."""
        with self.state.lock:
            client = self.company(company_index)
            return [{
                "id": v.id, "number": v.number, "date": v.voucher_date.isoformat(),
                "description": v.description or "",
                "reference": v.reference or "", "reversed": v.is_reversed and v.kind != "ReversalVoucher",
                "is_reversal": v.kind == "ReversalVoucher", "attachments": 1 if v.documentation else 0,
                "lines": [{"account": line.account.number, "gross_ore": line.gross_ore, "vat_ore": line.vat_ore,
                           "vat_code": line.vat.code, "department": line.department.code if line.department else None,
                           "project": line.project.code if line.project else None,
                           "contact": line.contact.number if line.contact else None}
                          for line in v.lines],
            } for v in client.vouchers.values()]

    def documentation(self, voucher_id: str, company_index: int = 0) -> tuple[str, bytes] | None:
        """(filename, bytes) of the PDF on a voucher, or None."""
        with self.state.lock:
            voucher = self.company(company_index).vouchers[voucher_id]
            if voucher.documentation is None:
                return None
            return voucher.documentation_filename or "", voucher.documentation

    # --- steering -------------------------------------------------------------------------------

    def set_lock_date(self, day: date | None, company_index: int = 0) -> None:
        """No entries on or before `day` (None: no lock date)."""
        with self.state.lock:
            self.company(company_index).lock_date = day or NO_LOCK_DATE

    def _account(self, number: int, company_index: int):
        account = self.company(company_index).account_by_number(number)
        if account is None:
            raise KeyError(f"no account {number} in the sandbox")
        return account

    def lock_vat_code(self, account_no: int, vat_code: str | None, company_index: int = 0) -> None:
        """Make an account accept only `vat_code` (IsVatCodeLocked); None unlocks it."""
        with self.state.lock:
            self._account(account_no, company_index).vat_locked_to = vat_code

    def require_dimensions(self, account_no: int, *, department: bool = False, project: bool = False,
                           company_index: int = 0) -> None:
        """IsDepartmentRequired / IsProjectRequired on an account."""
        with self.state.lock:
            account = self._account(account_no, company_index)
            account.department_required, account.project_required = department, project

    def deactivate_account(self, account_no: int, company_index: int = 0) -> None:
        with self.state.lock:
            self._account(account_no, company_index).is_active = False

    def set_privileges(self, privileges: set[str] | frozenset[str], company_index: int = 0) -> None:
        """The privileges the integration holds on a client (missing ones answer 403, empty body)."""
        with self.state.lock:
            self.company(company_index).privileges = set(privileges)

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now."""
        self.tokens.expire_all()

    def add_voucher(self, body: dict, *, integration: str | None = GUI, company_index: int = 0) -> dict:
        """Book a ManualVoucherPostDto as someone else would (Go's GUI by default, or another
        integration's application key): it shows in AccountTransactions but is not ours. Amounts as
        JSON numbers, read by their text as the server does. Returns {"id", "number"}; ValueError when
        Go would refuse it."""
        body = json.loads(json.dumps(body), parse_float=Decimal)
        with self.state.lock:
            try:
                voucher = vch.post_manual_voucher(self.company(company_index), body, integration or "gui")
            except ApiProblem as exc:
                raise ValueError(str(exc)) from None
            voucher.integration = integration
            return {"id": voucher.id, "number": voucher.number}
