"""`FikenClient`: the Fiken API v2 operations this product uses, one object per credential.

There is no module-level state: the credential, the request gate, the HTTP session and the metrics
hook all belong to the client object. Threads that share a client share its gate, so together they
never have two requests in flight. Bodies for POSTs are built by the posting feature; this module
only sends them and returns the ids Fiken hands back in the `Location` header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from settlement.domain.text import tr
from settlement.targets.fiken.auth import TokenSource
from settlement.targets.fiken.errors import UnexpectedResponse
from settlement.targets.pacing import RequestGate
from settlement.targets.fiken.pagination import MAX_PAGE_SIZE, iterate_pages, page_from
from settlement.targets.retry import RetryPolicy
from settlement.targets.fiken.transport import SentRequest, Transport

ATTACHMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif")
_NUMERIC_TAIL = re.compile(r"/(\d+)/?$")


@dataclass(frozen=True, slots=True)
class FikenUser:
    """Who the credential belongs to (GET /user)."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Company:
    """The company fields the product relies on; `raw` keeps everything Fiken sent."""

    slug: str
    name: str
    organization_number: str
    has_api_access: bool
    accounting_start_date: date | None
    raw: dict

    @classmethod
    def from_json(cls, body: dict) -> "Company":
        start = body.get("accountingStartDate")
        return cls(
            slug=str(body.get("slug", "")),
            name=str(body.get("name", "")),
            organization_number=str(body.get("organizationNumber") or ""),
            has_api_access=bool(body.get("hasApiAccess", False)),
            accounting_start_date=date.fromisoformat(start) if start else None,
            raw=body,
        )


def id_from_location(response: requests.Response, what: str) -> int:
    """The numeric id at the end of the `Location` header of a 201 answer."""
    location = response.headers.get("Location", "")
    match = _NUMERIC_TAIL.search(location)
    if not match:
        raise UnexpectedResponse(
            tr("Fiken created the {what} but sent no usable Location header ({location!r}); "
               "do not create it again, look it up in Fiken", what=what, location=location),
            method=response.request.method or "", url=response.url, status=response.status_code,
        )
    return int(match.group(1))


def _date_range(prefix: str, start: date | None, end: date | None) -> dict[str, str]:
    params = {}
    if start is not None:
        params[f"{prefix}Ge"] = start.isoformat()
    if end is not None:
        params[f"{prefix}Le"] = end.isoformat()
    return params


class FikenClient:
    """The Fiken API for one credential (personal token or OAuth grant)."""

    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        *,
        gate: RequestGate | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        on_request: Callable[[SentRequest], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ):
        self.page_size = page_size
        extra = {"sleep": sleep} if sleep is not None else {}
        self.transport = Transport(
            base_url, token, gate=gate, connect_timeout=connect_timeout, read_timeout=read_timeout,
            retry=retry, on_request=on_request, session=session, **extra,
        )

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    # --- reading --------------------------------------------------------------------------------

    def _get(self, template: str, path_params: dict | None = None, params: dict | None = None) -> Any:
        return self.transport.send("GET", template, path_params, params=params).json()

    def _get_all(self, template: str, path_params: dict | None = None, params: dict | None = None) -> list:
        def fetch(page: int, size: int):
            response = self.transport.send(
                "GET", template, path_params, params={**(params or {}), "page": page, "pageSize": size}
            )
            return page_from(response.json(), response.headers)

        return list(iterate_pages(fetch, self.page_size))

    def user(self) -> FikenUser:
        body = self._get("/user")
        return FikenUser(name=str(body.get("name", "")), email=str(body.get("email", "")))

    def companies(self) -> list[Company]:
        return [Company.from_json(c) for c in self._get_all("/companies")]

    def company(self, slug: str) -> Company:
        return Company.from_json(self._get("/companies/{slug}", {"slug": slug}))

    def accounts(self, slug: str) -> list[dict]:
        """Every account of the current year, reskontro sub-accounts (NNNN:NNNNN) included."""
        return self._get_all("/companies/{slug}/accounts", {"slug": slug})

    def bank_accounts(self, slug: str, inactive: bool | None = None) -> list[dict]:
        params = {} if inactive is None else {"inactive": str(inactive).lower()}
        return self._get_all("/companies/{slug}/bankAccounts", {"slug": slug}, params)

    def projects(self, slug: str) -> list[dict]:
        """Projects; raises ModuleNotActive (402) when the company lacks the project module."""
        return self._get_all("/companies/{slug}/projects", {"slug": slug})

    def journal_entries(self, slug: str, start: date | None = None, end: date | None = None) -> list[dict]:
        """Journal entries dated start..end inclusive (either bound may be open)."""
        return self._get_all("/companies/{slug}/journalEntries", {"slug": slug}, _date_range("date", start, end))

    def journal_entry(self, slug: str, journal_entry_id: int) -> dict:
        """One journal entry with its lines and attachments."""
        return self._get("/companies/{slug}/journalEntries/{id}", {"slug": slug, "id": journal_entry_id})

    def transaction(self, slug: str, transaction_id: int) -> dict:
        return self._get("/companies/{slug}/transactions/{id}", {"slug": slug, "id": transaction_id})

    def journal_entry_ids(self, slug: str, transaction_id: int) -> list[int]:
        """The journal entries a transaction consists of (one per entry posted in it)."""
        entries = self.transaction(slug, transaction_id).get("entries") or []
        return [int(e["journalEntryId"]) for e in entries if e.get("journalEntryId") is not None]

    def sales(self, slug: str, start: date | None = None, end: date | None = None, sale_number: str | None = None) -> list[dict]:
        params = _date_range("date", start, end)
        if sale_number is not None:
            params["saleNumber"] = sale_number
        return self._get_all("/companies/{slug}/sales", {"slug": slug}, params)

    def sale(self, slug: str, sale_id: int) -> dict:
        """One sale with its lines, payments and attachments."""
        return self._get("/companies/{slug}/sales/{id}", {"slug": slug, "id": sale_id})

    def find_sales(self, slug: str, sale_number: str) -> list[dict]:
        """Sales whose saleNumber equals `sale_number` (how a cash sale of ours is found again)."""
        return self.sales(slug, sale_number=sale_number)

    # --- writing (never retried after an ambiguous failure; see retry.py) ------------------------

    def create_general_journal_entry(self, slug: str, body: dict) -> int:
        """POST a fri postering; returns the *transaction* id from Location (fiken-api.md §1.7)."""
        response = self.transport.send("POST", "/companies/{slug}/generalJournalEntries", {"slug": slug}, json=body)
        return id_from_location(response, "journal entry")

    def reverse_transaction(self, slug: str, transaction_id: int, description: str) -> dict:
        """Cancel a posted transaction: Fiken books a reverse transaction and marks it deleted."""
        if not description.strip():
            raise ValueError("reversing a transaction needs a description")
        response = self.transport.send(
            "PATCH", "/companies/{slug}/transactions/{id}/delete", {"slug": slug, "id": transaction_id},
            params={"description": description},
        )
        return response.json() if response.content else {}

    def delete_sale(self, slug: str, sale_id: int, description: str) -> dict:
        """Cancel a sale: Fiken reverses its bookings and marks it deleted."""
        if not description.strip():
            raise ValueError("deleting a sale needs a description")
        response = self.transport.send(
            "PATCH", "/companies/{slug}/sales/{id}/delete", {"slug": slug, "id": sale_id},
            params={"description": description},
        )
        return response.json() if response.content else {}

    def create_cash_sale(self, slug: str, body: dict) -> int:
        """POST a sale of kind cash_sale; returns the sale id from Location."""
        if body.get("kind") != "cash_sale":
            raise ValueError("create_cash_sale needs a body with kind = 'cash_sale'")
        response = self.transport.send("POST", "/companies/{slug}/sales", {"slug": slug}, json=body)
        return id_from_location(response, "sale")

    def attach_to_journal_entry(self, slug: str, journal_entry_id: int, filename: str, content: bytes, content_type: str = "application/pdf") -> str:
        """Upload a file to a journal entry; returns the Location of the new attachment."""
        return self._upload("/companies/{slug}/journalEntries/{id}/attachments", {"slug": slug, "id": journal_entry_id},
                            filename, content, content_type, params=None)

    def attach_to_sale(self, slug: str, sale_id: int, filename: str, content: bytes, content_type: str = "application/pdf",
                       *, to_sale: bool = True, to_payment: bool = False) -> str:
        """Upload a file to a sale (documenting the sale and/or its payment); returns its Location."""
        if not (to_sale or to_payment):
            raise ValueError("an attachment must document the sale, the payment, or both")
        params = {"attachToSale": str(to_sale).lower(), "attachToPayment": str(to_payment).lower()}
        return self._upload("/companies/{slug}/sales/{id}/attachments", {"slug": slug, "id": sale_id},
                            filename, content, content_type, params=params)

    def _upload(self, template: str, path_params: dict, filename: str, content: bytes, content_type: str, params: dict | None) -> str:
        if not filename.lower().endswith(ATTACHMENT_SUFFIXES) or any(c.isspace() for c in filename):
            raise ValueError(f"attachment name {filename!r} must end with {', '.join(ATTACHMENT_SUFFIXES)} and have no spaces")
        response = self.transport.send(
            "POST", template, path_params, params=params,
            data={"filename": filename}, files={"file": (filename, content, content_type)},
        )
        location = response.headers.get("Location", "")
        if not location:
            raise UnexpectedResponse(tr("Fiken stored the attachment but sent no Location header"),
                                     method="POST", url=response.url, status=response.status_code)
        return location
