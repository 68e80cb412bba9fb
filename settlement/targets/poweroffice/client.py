"""`PowerOfficeClient`: the PowerOffice Go API v2 operations this product uses, one object per credential.

No module-level state: keys, token, request gate, HTTP session and the metrics hook belong to the
object. Lists are read page by page (PageSize/PageNumber, the flattened ResourceParameters; an empty
page answers 204) until a page comes back shorter than asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import requests

from settlement.domain.text import tr
from settlement.targets.pacing import RequestGate
from settlement.targets.poweroffice.auth import ClientCredentials
from settlement.targets.poweroffice.errors import UnexpectedResponse
from settlement.targets.poweroffice.transport import SentRequest, Transport
from settlement.targets.retry import RetryPolicy

PAGE_SIZE = 5000  # Go's default page size


def _body(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(tr("PowerOffice answered with a body that is not JSON"),
                                 method=response.request.method or "", url=response.url,
                                 status=response.status_code) from None


class PowerOfficeClient:
    """The PowerOffice Go API v2 for one client (company), reached with one set of keys."""

    def __init__(self, base_url: str, credentials: ClientCredentials, *, gate: RequestGate | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0, retry: RetryPolicy | None = None,
                 on_request: Callable[[SentRequest], None] | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] | None = None, page_size: int = PAGE_SIZE):
        self.credentials = credentials
        self.page_size = page_size
        extra = {"sleep": sleep} if sleep is not None else {}
        self.transport = Transport(base_url, credentials, gate=gate, connect_timeout=connect_timeout,
                                   read_timeout=read_timeout, retry=retry, on_request=on_request,
                                   session=session, **extra)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    # --- reading --------------------------------------------------------------------------------

    def _get(self, template: str, path_params: dict | None = None, params: dict | None = None) -> Any:
        return _body(self.transport.send("GET", template, path_params, params=params))

    def _list(self, template: str, params: dict | None = None) -> list[dict]:
        out: list[dict] = []
        page = 1
        while True:
            batch = self._get(template, params={**(params or {}), "PageSize": self.page_size, "PageNumber": page})
            batch = batch or []
            out.extend(batch)
            if len(batch) < self.page_size:
                return out
            page += 1

    def accounts(self, numbers: Iterable[int] | None = None) -> list[dict]:
        """GeneralLedgerAccountDto for the given account numbers (all when None)."""
        wanted = sorted(set(numbers)) if numbers is not None else None
        if wanted == []:
            return []
        params = {"accountNos": ",".join(str(n) for n in wanted)} if wanted else None
        return self._list("/GeneralLedgerAccounts", params)

    def vat_codes(self) -> list[dict]:
        return self._list("/VatCodes")

    def departments(self) -> list[dict]:
        return self._list("/Departments")

    def projects(self) -> list[dict]:
        return self._list("/Projects")

    def customers(self, numbers: Iterable[int]) -> list[dict]:
        return self._list("/Customers", {"customerNos": ",".join(str(n) for n in sorted(set(numbers)))})

    def suppliers(self, numbers: Iterable[int]) -> list[dict]:
        return self._list("/Suppliers", {"supplierNos": ",".join(str(n) for n in sorted(set(numbers)))})

    def client_information(self) -> dict:
        """ClientIntegrationInformationDto: ClientName, ValidPrivileges, InvalidPrivileges, …"""
        return self._get("/ClientIntegrationInformation") or {}

    def lock_date(self) -> date | None:
        """The client's lock date (None when Go reports none or the year 1)."""
        text = (self._get("/LockDateSettings") or {}).get("LockDate")
        if not text:
            return None
        day = date.fromisoformat(str(text)[:10])
        return None if day.year <= 1 else day

    def manual_voucher(self, voucher_id: str) -> dict:
        return self._get("/Vouchers/ManualJournals/{id}", {"id": voucher_id}) or {}

    def account_transactions(self, start: date, end: date, voucher_types: str | None = None) -> list[dict]:
        params = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
        if voucher_types:
            params["voucherTypes"] = voucher_types
        return self._list("/AccountTransactions", params)

    def documentation(self, voucher_id: str) -> dict | None:
        """VoucherDocumentationDto of a voucher, or None (204)."""
        found = self._get("/VoucherDocumentation", params={"id": voucher_id})
        return found[0] if found else None

    # --- writing --------------------------------------------------------------------------------

    def post_manual_voucher(self, body: dict) -> dict:
        """POST /Vouchers/ManualJournals; returns the ManualVoucherDto Go created (201)."""
        created = _body(self.transport.send("POST", "/Vouchers/ManualJournals", json=body))
        if not isinstance(created, dict) or not created.get("Id"):
            raise UnexpectedResponse(tr("PowerOffice created the voucher but its answer has no Id; look it up by "
                                        "its reference before posting again"), method="POST",
                                     url=self.base_url + "/Vouchers/ManualJournals")
        return created

    def reverse(self, voucher_id: str) -> None:
        """POST /Vouchers/Reverse/{id}: Go books a ReversalVoucher (202)."""
        self.transport.send("POST", "/Vouchers/Reverse/{id}", {"id": voucher_id})

    def upload_documentation(self, voucher_id: str, filename: str, pdf: bytes) -> None:
        """PUT /VoucherDocumentation?id=: the PDF (part `file`) replaces any earlier one."""
        if not pdf.startswith(b"%PDF-"):
            raise ValueError("PowerOffice takes PDF documentation only")
        self.transport.send("PUT", "/VoucherDocumentation", params={"id": voucher_id},
                            files={"file": (filename, pdf, "application/pdf")})
