"""TripletexSandbox: start a seeded fake Tripletex API v2 on 127.0.0.1 and inspect or steer it."""

from __future__ import annotations

from datetime import date

from settlement.sandbox_kit.lifetime import SandboxLifetime
from settlement.tripletex_sandbox.ratelimit import RateLimiter
from settlement.tripletex_sandbox.seed import seed
from settlement.tripletex_sandbox.server import API_PREFIX, SandboxServer
from settlement.tripletex_sandbox.sessions import Sessions
from settlement.tripletex_sandbox.state import Company, State

DEFAULT_MAX_SECONDS = 600


class TripletexSandbox(SandboxLifetime):
    """A running sandbox with two companies. Create it with TripletexSandbox.start(); it stops by
    itself after max_seconds. The token of a recorded request is the session token it sent."""

    api_prefix = API_PREFIX

    def __init__(self, server: SandboxServer, max_seconds: float) -> None:
        self._serve_in_thread(server, max_seconds, "tripletex-sandbox")
        self.state: State = server.state
        self.sessions: Sessions = server.sessions
        self.consumer_token = self.sessions.add_consumer()
        companies = sorted(self.state.companies.values(), key=lambda c: c.id)
        self.employee_tokens = [self.sessions.add_employee(c.id) for c in companies]
        self.company_ids = [c.id for c in companies]

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = DEFAULT_MAX_SECONDS, *, rate_limit: int | None = 1000,
              rate_period: float = 60.0, omit_reset_on_429: bool = True) -> "TripletexSandbox":
        """Seed a fresh sandbox and serve it on 127.0.0.1:port (0 = any free port) in a thread.

        rate_limit: requests per `rate_period` seconds per employee token (None: unlimited); past it
        every request is answered 429 until the period ends. omit_reset_on_429: leave
        X-Rate-Limit-Reset out of 429 answers, as reported of real Tripletex."""
        state = State()
        seed(state)
        server = SandboxServer(port, state, Sessions(), RateLimiter(rate_limit, rate_period, omit_reset_on_429))
        return cls(server, max_seconds)._launch()

    # --- addresses and credentials --------------------------------------------------------------

    def employee_token(self, company_index: int = 0) -> str:
        return self.employee_tokens[company_index]

    def settings_lines(self, company_index: int = 0) -> list[str]:
        """The settings to paste to reach company `company_index` (0 or 1)."""
        return [
            f"SETTLEMENT_TRIPLETEX_BASE_URL={self.base_url}",
            f"SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN={self.consumer_token}",
            f"SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN={self.employee_tokens[company_index]}",
        ]

    def company(self, company_index: int = 0) -> Company:
        return self.state.companies[self.company_ids[company_index]]

    # --- observing ------------------------------------------------------------------------------

    @property
    def limiter(self) -> RateLimiter:
        return self._server.limiter

    def booked(self, company_index: int = 0) -> list[dict]:
        """One dict per voucher (deleted ones left out), for cross-ledger tests. `lines` are the rows
        we sent (the system's VAT rows are left out; `vat_ore` is the VAT taken out of each)."""
        with self.state.lock:
            company = self.company(company_index)
            out = []
            for voucher in sorted(company.vouchers.values(), key=lambda v: v.id):
                if voucher.deleted:
                    continue
                lines = []
                for p in voucher.postings:
                    if p.system_generated:
                        continue
                    vat = company.vat_types.get(p.vat_type_id) if p.vat_type_id else None
                    lines.append({
                        "account": company.accounts[p.account_id].number, "gross_ore": p.gross, "vat_ore": p.vat,
                        "vat_code": vat.number if vat else None,
                        "department": company.departments[p.department_id].number if p.department_id else None,
                        "project": company.projects[p.project_id].number if p.project_id else None,
                    })
                out.append({
                    "id": str(voucher.id), "number": voucher.number, "date": voucher.date.isoformat(),
                    "description": voucher.description, "reference": voucher.external_number or "",
                    "reversed": voucher.reverse_voucher_id is not None and not voucher.is_reversal,
                    "is_reversal": voucher.is_reversal,
                    "attachments": 0 if voucher.attachment is None else voucher.attachment.pages,
                    "lines": lines,
                })
            return out

    def all_postings(self, voucher_id: int | str, company_index: int = 0) -> list[dict]:
        """Every posting of a voucher, system VAT rows included: row, account, gross, net, vat øre."""
        with self.state.lock:
            company = self.company(company_index)
            voucher = company.vouchers[int(voucher_id)]
            return [{"row": p.row, "account": company.accounts[p.account_id].number, "gross_ore": p.gross,
                     "net_ore": p.net, "system": p.system_generated} for p in voucher.postings]

    def attachment(self, voucher_id: int | str, company_index: int = 0) -> bytes | None:
        with self.state.lock:
            voucher = self.company(company_index).vouchers[int(voucher_id)]
            return None if voucher.attachment is None else voucher.attachment.data

    # --- steering -------------------------------------------------------------------------------

    def close_period(self, day: date, company_index: int = 0, closed: bool = True) -> None:
        """Close (or reopen) the accounting period (month) containing `day`."""
        with self.state.lock:
            for period in self.company(company_index).periods.values():
                if period.start <= day < period.end:
                    period.closed = closed

    def _account(self, number: int, company_index: int):
        account = self.company(company_index).account_by_number(number)
        if account is None:
            raise KeyError(f"no account {number}")
        return account

    def lock_vat(self, account: int, vat_code: str, company_index: int = 0) -> None:
        """Make an account VAT-locked to `vat_code`."""
        with self.state.lock:
            company = self.company(company_index)
            item = self._account(account, company_index)
            item.vat_type_id, item.vat_locked = company.vat_type_by_number(vat_code).id, True

    def set_legal_vat(self, account: int, vat_codes: list[str], company_index: int = 0) -> None:
        with self.state.lock:
            company = self.company(company_index)
            self._account(account, company_index).legal_vat_type_ids = tuple(
                company.vat_type_by_number(code).id for code in vat_codes)

    def require(self, account: int, *, department: bool | None = None, project: bool | None = None,
                company_index: int = 0) -> None:
        """Make an account require a department and/or a project on its postings."""
        with self.state.lock:
            item = self._account(account, company_index)
            if department is not None:
                item.requires_department = department
            if project is not None:
                item.requires_project = project

    def deactivate_account(self, account: int, company_index: int = 0) -> None:
        with self.state.lock:
            self._account(account, company_index).inactive = True

    def expire_sessions(self) -> None:
        """Every session token made so far stops working (401), as at its expiry."""
        self.sessions.expire()
