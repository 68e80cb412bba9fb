"""TripletexClient: the Tripletex API v2 operations this job uses, one method each.

Every method returns plain JSON values (the `value` of a single answer, or every `values` of a
list, paged with from/count). Errors are the types in errors.py. See docs/tripletex.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import requests

from settlement.domain.text import tr
from settlement.targets.pacing import RequestGate
from settlement.targets.retry import RetryPolicy
from settlement.targets.tripletex import errors
from settlement.targets.tripletex.auth import SessionCredentials
from settlement.targets.tripletex.transport import SentRequest, Transport

PAGE = 1000
VOUCHER_FIELDS = "id,number,year,date,description,externalVoucherNumber,reverseVoucher(id),attachment(id,fileName)"
ACCOUNT_FIELDS = ("id,number,name,ledgerType,vatLocked,vatType(id,number),legalVatTypes(id,number),"
                  "requiresDepartment,requiresProject,isInactive")


class TripletexClient:
    """One credential's view of Tripletex. Thread-safe as far as the gate and the session go."""

    def __init__(self, base_url: str, credentials: SessionCredentials, *, gate: RequestGate | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0, retry: RetryPolicy | None = None,
                 on_request: Callable[[SentRequest], None] | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] | None = None):
        extra = {"sleep": sleep} if sleep is not None else {}
        self.transport = Transport(base_url, credentials, gate=gate, connect_timeout=connect_timeout,
                                   read_timeout=read_timeout, retry=retry, on_request=on_request,
                                   session=session, **extra)
        self.credentials = credentials

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise errors.UnexpectedResponse(
                tr("Tripletex answered {status} without JSON", status=response.status_code), method=response.request.method or "",
                url=response.url.split("?")[0], status=response.status_code) from None

    def _value(self, response: requests.Response) -> dict:
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("value"), dict):
            raise errors.UnexpectedResponse(tr("Tripletex's answer has no `value`"), url=response.url.split("?")[0],
                                            status=response.status_code)
        return body["value"]

    def _pages(self, template: str, params: dict[str, Any], path_params: dict | None = None) -> Iterator[dict]:
        """Every value of a list operation: advance `from` by what came back until a short page."""
        start = 0
        while True:
            response = self.transport.send("GET", template, path_params, params={**params, "from": start, "count": PAGE})
            body = self._json(response)
            values = body.get("values") or [] if isinstance(body, dict) else []
            yield from values
            start += len(values)
            if len(values) < PAGE or start >= int(body.get("fullResultSize") or 0):
                return

    # --- who and where --------------------------------------------------------------------------

    def who_am_i(self) -> dict:
        return self._value(self.transport.send("GET", "/token/session/>whoAmI",
                                               params={"fields": "employeeId,companyId,employee(id,displayName)"}))

    def company(self, company_id: int) -> dict:
        return self._value(self.transport.send("GET", "/company/{id}", {"id": company_id},
                                               params={"fields": "id,name,organizationNumber"}))

    # --- reference data (looked up once per run by resolve.py) --------------------------------------

    def accounts(self) -> list[dict]:
        return list(self._pages("/ledger/account", {"fields": ACCOUNT_FIELDS}))

    def vat_types(self) -> list[dict]:
        return list(self._pages("/ledger/vatType", {"fields": "id,number,name,percentage"}))

    def departments(self) -> list[dict]:
        return list(self._pages("/department", {"fields": "id,departmentNumber,name,isInactive"}))

    def projects(self) -> list[dict]:
        return list(self._pages("/project", {"fields": "id,number,name,isClosed"}))

    def customers(self) -> list[dict]:
        # The spec has no customerNumber filter: list them and match the number here.
        return list(self._pages("/customer", {"fields": "id,customerNumber,name,isInactive"}))

    def suppliers(self) -> list[dict]:
        return list(self._pages("/supplier", {"fields": "id,supplierNumber,name,isInactive"}))

    def accounting_periods(self, start_from: date, start_to: date) -> list[dict]:
        return list(self._pages("/ledger/accountingPeriod", {
            "startFrom": start_from.isoformat(), "startTo": start_to.isoformat(),
            "fields": "id,name,start,end,isClosed"}))

    # --- vouchers ------------------------------------------------------------------------------------

    def create_voucher(self, body: dict) -> dict:
        """POST /ledger/voucher?sendToLedger=true: book it (the voucher gets its number)."""
        return self._value(self.transport.send("POST", "/ledger/voucher", params={"sendToLedger": "true"}, json=body))

    def vouchers_by_external_number(self, number: str) -> list[dict]:
        return list(self._pages("/ledger/voucher/>externalVoucherNumber",
                                {"externalVoucherNumber": number, "fields": VOUCHER_FIELDS}))

    def vouchers_on(self, day: date) -> list[dict]:
        """Vouchers dated `day` (dateTo is exclusive)."""
        return list(self._pages("/ledger/voucher", {"dateFrom": day.isoformat(),
                                                    "dateTo": (day + timedelta(days=1)).isoformat(),
                                                    "fields": VOUCHER_FIELDS}))

    def voucher(self, voucher_id: int) -> dict:
        return self._value(self.transport.send("GET", "/ledger/voucher/{id}", {"id": voucher_id},
                                               params={"fields": VOUCHER_FIELDS}))

    def reverse_voucher(self, voucher_id: int, day: date) -> dict:
        """PUT /ledger/voucher/{id}/:reverse?date=: the reversal voucher."""
        return self._value(self.transport.send("PUT", "/ledger/voucher/{id}/:reverse", {"id": voucher_id},
                                               params={"date": day.isoformat()}))

    def attach(self, voucher_id: int, filename: str, pdf: bytes) -> dict:
        """POST …/attachment with the multipart part `file`; Tripletex appends to an existing one."""
        return self._value(self.transport.send("POST", "/ledger/voucher/{voucherId}/attachment",
                                               {"voucherId": voucher_id},
                                               files={"file": (filename, pdf, "application/pdf")}))
