"""FikenSandbox: start a seeded fake Fiken on 127.0.0.1 and inspect or steer it from tests."""

from __future__ import annotations

import threading
from pathlib import Path

from settlement.fiken_sandbox import bookkeeping, persist
from settlement.fiken_sandbox import postings as pst
from settlement.fiken_sandbox.errors import ApiError
from settlement.fiken_sandbox.oauth import DEFAULT_ACCESS_TOKEN_LIFETIME, Tokens
from settlement.sandbox_kit.lifetime import SandboxLifetime
from settlement.fiken_sandbox.seed import PRIMARY_USER, SECOND_USER, seed
from settlement.fiken_sandbox.server import API_PREFIX, SandboxConfig, SandboxServer
from settlement.fiken_sandbox.state import Company, State, entry_view, sale_view, transaction_view
from settlement.fiken_sandbox.validation import GENERAL_JOURNAL_ENTRY_REQUEST, check

DEFAULT_MAX_SECONDS = 600


class FikenSandbox(SandboxLifetime):
    """A running sandbox. Create it with FikenSandbox.start(); it stops by itself after max_seconds."""

    api_prefix = API_PREFIX

    def __init__(self, server: SandboxServer, max_seconds: float, identity: dict[str, str] | None = None,
                 state_file: Path | None = None) -> None:
        """identity: the credentials a saved state had (the tokens themselves are in server.tokens);
        None makes new ones. state_file: where the state is kept (None: in memory only)."""
        self._serve_in_thread(server, max_seconds, "fiken-sandbox")
        self.state: State = server.state
        self.tokens: Tokens = server.tokens
        if identity is None:
            self.personal_token = self.tokens.add_personal_token(PRIMARY_USER)
            self.other_personal_token = self.tokens.add_personal_token(SECOND_USER)  # the second user
            self.client_id, self.client_secret = self.tokens.add_client()
        else:
            self.personal_token, self.other_personal_token = identity["personal_token"], identity["other_personal_token"]
            self.client_id, self.client_secret = identity["client_id"], identity["client_secret"]
        self.state_file = state_file
        self._save_lock = threading.Lock()  # one snapshot and write at a time, in order
        if state_file is not None:
            server.on_change = self.save
            self.save()  # the file exists (and says these credentials) from the start

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = DEFAULT_MAX_SECONDS, *,
              one_sided_credit_vat: str = "net", rate_limit_per_second: int | None = 4,
              rate_limit_mode: str = "slow", error_body: str = "json",
              access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME,
              state_file: str | Path | None = None) -> "FikenSandbox":
        """Serve a sandbox on 127.0.0.1:port (0 = any free port) in a thread: freshly seeded, or
        with the state kept in `state_file` when that file exists (it is then written after every
        request that may change something, and at stop). persist.StateFileError when the file is
        not a sandbox state."""
        config = SandboxConfig(one_sided_credit_vat, rate_limit_per_second, rate_limit_mode, error_body)
        path = Path(state_file) if state_file is not None else None
        if path is not None and path.exists():
            state, tokens, identity = persist.read(path)
            tokens.access_token_lifetime = access_token_lifetime
        else:
            state, tokens, identity = State(), Tokens(access_token_lifetime), None
            seed(state)
        server = SandboxServer(port, state, tokens, config)
        return cls(server, max_seconds, identity, path)._launch()

    # --- keeping the state ----------------------------------------------------------------------

    @property
    def identity(self) -> dict[str, str]:
        """The sandbox's own credentials, as a state file keeps them."""
        return {"personal_token": self.personal_token, "other_personal_token": self.other_personal_token,
                "client_id": self.client_id, "client_secret": self.client_secret}

    def save(self) -> None:
        """Write the whole state to state_file (atomically); nothing without a state file."""
        if self.state_file is None:
            return
        with self._save_lock:
            persist.write(self.state_file, persist.snapshot(self.state, self.tokens, self.identity))

    def stop(self) -> None:
        """Stop serving (see SandboxLifetime.stop), then write the state one last time."""
        super().stop()
        self.save()

    # --- addresses ---------------------------------------------------------------------------

    @property
    def authorize_url(self) -> str:
        return self.root_url + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.root_url + "/oauth/token"

    @property
    def revoke_url(self) -> str:
        return self.root_url + "/oauth/revoke"

    # --- observing ------------------------------------------------------------------------------

    @property
    def config(self) -> SandboxConfig:
        return self._server.config

    def _company(self, slug: str) -> Company:
        return self.state.companies[slug]

    def journal_entries(self, slug: str) -> list[dict]:
        """All journal entries of a company as GET /journalEntries shows them (every page)."""
        with self.state.lock:
            company = self._company(slug)
            return [entry_view(e, self.base_url) for e in company.entries.values() if not e.removed]

    def transactions(self, slug: str) -> list[dict]:
        with self.state.lock:
            company = self._company(slug)
            return [transaction_view(company, t, self.base_url) for t in company.transactions.values()]

    def sales(self, slug: str) -> list[dict]:
        with self.state.lock:
            company = self._company(slug)
            return [sale_view(company, s, self.base_url) for s in company.sales.values()]

    def attachments(self, slug: str) -> list[tuple[str, int, str, bytes]]:
        """(owner kind "journalEntry"|"sale", owner id, filename, bytes) for every uploaded file."""
        with self.state.lock:
            company = self._company(slug)
            owners = list(company.entries.values()) + list(company.sales.values())
            found = [a for owner in owners for a in owner.attachments]
            return [(a.owner_kind, a.owner_id, a.filename, a.data) for a in found]

    # --- steering -------------------------------------------------------------------------------

    def revoke(self, token: str) -> None:
        """Make a token fail with 401 (an OAuth token: its whole grant, refresh token included)."""
        self.tokens.revoke(token)
        self.save()

    def expire(self, token: str) -> None:
        """Let an OAuth access token expire now (its refresh token still works)."""
        self.tokens.expire(token)
        self.save()

    def decline_next_consent(self) -> None:
        """The next /oauth/authorize redirects with error=access_denied."""
        self.tokens.decline_next = True

    def consent_as_second_user(self, second: bool = True) -> None:
        """Who consents on /oauth/authorize: the second user (True) or the primary user (False)."""
        self.tokens.consent_user = SECOND_USER if second else None

    def set_api_access(self, slug: str, enabled: bool) -> None:
        with self.state.lock:
            self._company(slug).has_api_access = enabled
        self.save()

    def add_journal_entry(self, slug: str, date: str, description: str, lines: list[dict], *,
                          api_prefix: bool = False, open: bool = False) -> dict:
        """Book an entry as if made elsewhere (e.g. in Fiken's UI); lines as in a POST
        (amount, debitAccount/creditAccount, debitVatCode/creditVatCode). Returns the transaction
        as GET /transactions/{id} shows it. ValueError when Fiken would refuse the entry."""
        body = {"journalEntries": [{"description": description, "date": date, "lines": lines}], "open": open}
        with self.state.lock:
            company = self._company(slug)
            try:
                check(body, GENERAL_JOURNAL_ENTRY_REQUEST, "entry")
                postings = pst.entry_postings(lines, self.config.one_sided_credit_vat)
            except ApiError as exc:
                raise ValueError(exc.message) from None
            message = pst.imbalance_message(postings)
            if message:
                raise ValueError(message)
            text = (pst.API_PREFIX + description) if api_prefix else description
            transaction = bookkeeping.book(self.state, company, description, "General Journal Entry",
                                           [(text, date, postings)], open_=open)
            view = transaction_view(company, transaction, self.base_url)
        self.save()
        return view
