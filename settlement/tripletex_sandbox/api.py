"""The /v2 endpoints the sandbox serves: one handler per operation, a routing table, list envelopes.

A handler gets a Call (the authenticated company, the request) and returns a Reply; errors are
raised as ApiError in Tripletex's envelope. Paths and parameters follow tripletex-openapi.json.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from settlement.sandbox_kit.multipart import parse_form
from settlement.tripletex_sandbox import vouchers
from settlement.tripletex_sandbox.errors import (
    CODE_INVALID_JSON, ApiError, Invalid, bad_request, not_found, validation_failed,
)
from settlement.tripletex_sandbox.state import Attachment, Company, State
from settlement.tripletex_sandbox.views import (
    account_view, dimension_view, parse_fields, period_view, select, vat_type_view, voucher_view,
)

ATTACHMENT_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}


@dataclass
class Call:
    """One authenticated API request."""

    state: State
    company: Company
    employee_id: int
    method: str
    query: dict[str, str]
    content_type: str
    raw_body: bytes
    base_url: str  # "http://127.0.0.1:PORT/v2"
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        if not self.content_type.lower().startswith("application/json"):
            raise ApiError(415, 15000, f"Unsupported media type {self.content_type or '(none)'}")
        try:
            # Decimal keeps kroner exact: 0.1 + 0.2 must not become 0.30000000000000004 øre.
            return json.loads(self.raw_body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(422, CODE_INVALID_JSON, "Ugyldig JSON.", developer_message=str(exc)) from None

    def fields(self):
        return parse_fields(self.query.get("fields"))

    def integer(self, name: str, default: int) -> int:
        value = self.query.get(name)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except ValueError:
            raise validation_failed([Invalid(name, "Må være et heltall.", name)]) from None
        if number < 0:
            raise validation_failed([Invalid(name, "Kan ikke være negativ.", name)])
        return number

    def day(self, name: str, required: bool = False) -> date | None:
        value = self.query.get(name)
        if not value:
            if required:
                raise validation_failed([Invalid(name, "Kan ikke være null.", name)])
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise validation_failed([Invalid(name, "Ugyldig dato (YYYY-MM-DD).", name)]) from None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def listing(call: Call, views: list[dict]) -> Reply:
    """Tripletex's list envelope with from/count paging and a digest of the whole result."""
    start, count = call.integer("from", 0), call.integer("count", 1000)
    tree = call.fields()
    page = [select(v, tree) for v in views[start:start + count]]
    digest = hashlib.sha1(json.dumps(views, sort_keys=True, default=str).encode()).hexdigest() if views else None
    body = {"fullResultSize": len(views), "from": start, "count": len(page), "values": page}
    if digest:
        body["versionDigest"] = digest
    return Reply(200, body)


def single(call: Call, view: dict, status: int = 200) -> Reply:
    return Reply(status, {"value": select(view, call.fields())})


def _numbers(text: str | None) -> set[str] | None:
    return None if not text else {part.strip() for part in text.split(",") if part.strip()}


# --- handlers -----------------------------------------------------------------------------------


def who_am_i(call: Call) -> Reply:
    company = call.company
    view = {"employeeId": call.employee_id, "actualEmployeeId": call.employee_id,
            "employee": {"id": call.employee_id, "url": f"{call.base_url}/employee/{call.employee_id}",
                         "firstName": company.employee_name.split()[0], "lastName": company.employee_name.split()[-1],
                         "displayName": company.employee_name},
            "companyId": company.id, "company": _company_view(call), "language": "no",
            "loggedInWithConnect": False, "employeeIsProxy": False}
    return single(call, view)


def _company_view(call: Call) -> dict:
    company = call.company
    return {"id": company.id, "version": 0, "url": f"{call.base_url}/company/{company.id}", "name": company.name,
            "displayName": company.name, "organizationNumber": company.organization_number, "type": "AS",
            "startDate": "2020-01-01"}


def get_company(call: Call) -> Reply:
    if call.params["id"] not in ("0", str(call.company.id)):
        raise not_found(f"company {call.params['id']}")
    return single(call, _company_view(call))


def list_accounts(call: Call) -> Reply:
    company, numbers = call.company, _numbers(call.query.get("number"))
    ids = _numbers(call.query.get("id"))
    found = []
    for account in sorted(company.accounts.values(), key=lambda a: a.number):
        if numbers is not None and str(account.number) not in numbers:
            continue
        if ids is not None and str(account.id) not in ids:
            continue
        if call.query.get("ledgerType") and account.ledger_type != call.query["ledgerType"]:
            continue
        if call.query.get("isInactive") in ("true", "false") and account.inactive != (call.query["isInactive"] == "true"):
            continue
        found.append(account_view(company, account, call.base_url))
    return listing(call, found)


def list_vat_types(call: Call) -> Reply:
    numbers = _numbers(call.query.get("number"))
    found = [vat_type_view(v, call.base_url) for v in call.company.vat_types.values()
             if numbers is None or v.number in numbers]
    return listing(call, found)


def _dimensions(kind: str, bucket_name: str, filter_name: str | None) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        wanted = _numbers(call.query.get(filter_name)) if filter_name else None
        ids = _numbers(call.query.get("id"))
        bucket = getattr(call.company, bucket_name)
        found = [dimension_view(kind, item, call.base_url) for item in bucket.values()
                 if (wanted is None or item.number in wanted) and (ids is None or str(item.id) in ids)]
        return listing(call, found)
    return handler


def list_periods(call: Call) -> Reply:
    start_from, start_to = call.day("startFrom"), call.day("startTo")
    found = [period_view(p, call.base_url) for p in sorted(call.company.periods.values(), key=lambda p: p.start)
             if (start_from is None or p.start >= start_from) and (start_to is None or p.start < start_to)]
    return listing(call, found)


def _voucher(call: Call, name: str = "id"):
    try:
        voucher = call.company.vouchers.get(int(call.params[name]))
    except ValueError:
        voucher = None
    if voucher is None or voucher.deleted:
        raise not_found(f"voucher {call.params[name]}")
    return voucher


def _live(call: Call):
    return sorted((v for v in call.company.vouchers.values() if not v.deleted), key=lambda v: (v.date, v.id))


def search_vouchers(call: Call) -> Reply:
    """dateFrom and dateTo are required; from inclusive, to exclusive."""
    missing = [Invalid(n, "Kan ikke være null.", n) for n in ("dateFrom", "dateTo") if not call.query.get(n)]
    if missing:
        raise validation_failed(missing)
    date_from, date_to = call.day("dateFrom", True), call.day("dateTo", True)
    if date_to <= date_from:
        raise validation_failed([Invalid("dateTo", "Til-dato må være etter fra-dato.", "dateTo")])
    number = call.query.get("number")
    found = [voucher_view(call.company, v, call.base_url) for v in _live(call)
             if date_from <= v.date < date_to and (not number or str(v.number) == number)]
    reply = listing(call, found)
    reply.body["totalNumberOfPostings"] = sum(len(v["postings"]) for v in found)
    return reply


def by_external_number(call: Call) -> Reply:
    wanted = call.query.get("externalVoucherNumber") or ""
    found = [voucher_view(call.company, v, call.base_url) for v in _live(call) if v.external_number == wanted]
    return listing(call, found)


def get_voucher(call: Call) -> Reply:
    return single(call, voucher_view(call.company, _voucher(call), call.base_url))


def post_voucher(call: Call) -> Reply:
    send = call.query.get("sendToLedger", "true").lower() != "false"
    voucher = vouchers.create_voucher(call.state, call.company, call.json(), send)
    return single(call, voucher_view(call.company, voucher, call.base_url), 201)


def delete_voucher(call: Call) -> Reply:
    voucher = _voucher(call)
    refused = vouchers.closed_period_error(call.company, voucher.date)
    if refused:
        raise refused
    if voucher.reverse_voucher_id is not None:
        raise validation_failed([Invalid("id", "Et tilbakeført bilag kan ikke slettes.", "id")])
    voucher.deleted = True
    return Reply(204, None)


def reverse(call: Call) -> Reply:
    voucher = _voucher(call)
    day = call.day("date", required=True)
    reversal = vouchers.reverse_voucher(call.state, call.company, voucher, day)
    return single(call, voucher_view(call.company, reversal, call.base_url))


def attach(call: Call) -> Reply:
    """Multipart part `file`; a second upload is appended to the first as extra pages."""
    voucher = _voucher(call, "voucherId")
    if not call.content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, 15000, f"Unsupported media type {call.content_type or '(none)'}")
    try:
        parts = parse_form(call.content_type, call.raw_body)
    except ValueError as exc:
        raise bad_request(f"Ugyldig multipart: {exc}") from None
    part = parts.get("file")
    if part is None or not part.data:
        raise validation_failed([Invalid("file", "Kan ikke være null.", "file")])
    if part.content_type not in ATTACHMENT_TYPES:
        raise validation_failed([Invalid("file", f"Filtypen {part.content_type} støttes ikke.", "file")])
    if voucher.attachment is None:
        voucher.attachment = Attachment(call.state.new_id(), part.filename or "vedlegg.pdf", "application/pdf", part.data)
    else:
        voucher.attachment.data += part.data
        voucher.attachment.pages += 1
    voucher.version += 1
    return single(call, voucher_view(call.company, voucher, call.base_url))


ROUTES: list[tuple[str, str, Callable[[Call], Reply]]] = [
    ("GET", "/token/session/>whoAmI", who_am_i),
    ("GET", "/company/{id}", get_company),
    ("GET", "/ledger/account", list_accounts),
    ("GET", "/ledger/vatType", list_vat_types),
    ("GET", "/ledger/accountingPeriod", list_periods),
    ("GET", "/ledger/voucherType", _dimensions("ledger/voucherType", "voucher_types", None)),
    ("GET", "/department", _dimensions("department", "departments", "departmentNumber")),
    ("GET", "/project", _dimensions("project", "projects", "number")),
    ("GET", "/customer", _dimensions("customer", "customers", None)),
    ("GET", "/supplier", _dimensions("supplier", "suppliers", "supplierNumber")),
    ("GET", "/ledger/voucher", search_vouchers),
    ("POST", "/ledger/voucher", post_voucher),
    ("GET", "/ledger/voucher/>externalVoucherNumber", by_external_number),
    ("GET", "/ledger/voucher/{id}", get_voucher),
    ("DELETE", "/ledger/voucher/{id}", delete_voucher),
    ("PUT", "/ledger/voucher/{id}/:reverse", reverse),
    ("POST", "/ledger/voucher/{voucherId}/attachment", attach),
]
_COMPILED = [(m, re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(t)) + "$"), h)
             for m, t, h in ROUTES]


def dispatch(call: Call, path: str) -> Reply:
    """Run the handler for `path` (below /v2); 404 for an unknown path, 405 for a wrong method."""
    matched = False
    for method, pattern, handler in _COMPILED:
        match = pattern.match(path)
        if match:
            matched = True
            if method == call.method:
                call.params = match.groupdict()
                with call.state.lock:
                    return handler(call)
    if matched:
        raise ApiError(405, 4000, f"Metoden {call.method} støttes ikke her.")
    raise not_found(f"no such path: {path}")
