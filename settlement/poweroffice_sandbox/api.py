"""The /v2 endpoints: one handler per operation, each naming the privilege it needs.

A handler gets a `Call` (the client the token belongs to, the integration, the request) and returns
a `Reply`, or raises ApiProblem. Missing privileges answer 403 with an empty body, as Go does
(poweroffice-api.md §2).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from settlement.poweroffice_sandbox import seed, views
from settlement.poweroffice_sandbox import vouchers as vch
from settlement.poweroffice_sandbox.errors import ApiProblem, invalid, not_found
from settlement.poweroffice_sandbox.state import NO_LOCK_DATE, Client, Voucher
from settlement.sandbox_kit.multipart import parse_form

DEFAULT_PAGE_SIZE = 5000
MAX_PAGE_SIZE = 20_000


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Call:
    client: Client
    integration: str  # the application key of the token
    method: str
    query: dict[str, str]
    content_type: str
    raw: bytes
    replica_lag: float
    max_documentation_bytes: int

    def json(self) -> Any:
        if not self.content_type.lower().startswith(("application/json", "text/json", "application/*+json")):
            raise ApiProblem(415, "Unsupported Media Type", "Send application/json")
        try:
            return json.loads(self.raw or b"null", parse_float=Decimal)
        except ValueError as exc:
            raise invalid(f"The JSON body could not be read: {exc}", "body") from None

    def visible(self, voucher: Voucher) -> bool:
        """Whether a GET sees the voucher yet (reads may come from a lagging replica)."""
        return not self.replica_lag or time.monotonic() - voucher.created_monotonic >= self.replica_lag


def _require(call: Call, *privileges: str) -> None:
    if not call.client.privileges.intersection(privileges):
        raise ApiProblem(403, "Forbidden", body=False)


def _date_param(call: Call, name: str) -> date:
    value = call.query.get(name)
    if not value:
        raise invalid(f"The query parameter {name} is required", name)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise invalid(f"{value!r} is not a valid date", name) from None


def _numbers_filter(text: str | None) -> Callable[[int], bool] | None:
    """A filter for "1000-1999,2500,3000-" (lists and open or closed ranges); None: no filter."""
    if not text:
        return None
    tests = []
    for item in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d*)\s*-\s*(\d*)", item)
        if match and (match.group(1) or match.group(2)):
            low = int(match.group(1)) if match.group(1) else None
            high = int(match.group(2)) if match.group(2) else None
            tests.append(lambda n, lo=low, hi=high: (lo is None or n >= lo) and (hi is None or n <= hi))
        elif item.isdigit():
            tests.append(lambda n, v=int(item): n == v)
        elif item:
            raise invalid(f"{item!r} is not an account number or range", "accountNos")
    return lambda n: any(test(n) for test in tests)


def _codes(text: str | None) -> set[str] | None:
    return None if not text else {c.strip() for c in text.split(",") if c.strip()}


def _page(call: Call, items: list) -> Reply:
    """ResourceParameters flattened into the query (PageSize, PageNumber from 1: UNCERTAIN); 204 when empty."""
    try:
        size = int(call.query.get("PageSize") or DEFAULT_PAGE_SIZE)
        page = int(call.query.get("PageNumber") or 1)
    except ValueError:
        raise invalid("PageSize and PageNumber must be whole numbers", "resourceParameter") from None
    if size < 1 or size > MAX_PAGE_SIZE or page < 1:
        raise invalid(f"PageSize must be 1..{MAX_PAGE_SIZE} and PageNumber at least 1", "resourceParameter")
    chosen = items[(page - 1) * size: page * size]
    return Reply(200, chosen) if chosen else Reply(204)


# --- handlers -----------------------------------------------------------------------------------

def post_manual_journal(call: Call) -> Reply:
    _require(call, "ManualVoucher_Full")
    voucher = vch.post_manual_voucher(call.client, call.json(), call.integration)
    return Reply(201, views.manual_voucher_view(voucher))


def get_manual_journal(call: Call, voucher_id: str) -> Reply:
    _require(call, "ManualVoucher_Full")
    voucher = vch.own_voucher(call.client, voucher_id, call.integration)
    if not call.visible(voucher):
        raise not_found(f"Manual voucher with Id {voucher_id}")
    return Reply(200, views.manual_voucher_view(voucher))


def reverse_voucher(call: Call, voucher_id: str) -> Reply:
    _require(call, "YearEndVoucher_Full")
    vch.reverse(call.client, voucher_id, call.integration)
    return Reply(202)


def account_transactions(call: Call) -> Reply:
    _require(call, "AccountTransaction", "AccountTransaction_Full")
    start, end = _date_param(call, "fromDate"), _date_param(call, "toDate")
    kinds = _codes(call.query.get("voucherTypes"))
    numbers = _numbers_filter(call.query.get("voucherNos"))
    accounts = _numbers_filter(call.query.get("accountNos"))
    rows = []
    for voucher in call.client.vouchers.values():
        if not call.visible(voucher) or (kinds and voucher.kind not in kinds):
            continue
        if numbers and not numbers(voucher.number):
            continue
        for row in views.transactions_of(call.client, voucher):
            if start <= date.fromisoformat(row["PostingDate"]) <= end and (not accounts or accounts(row["AccountNo"])):
                rows.append(row)
    return _page(call, rows)


def _documentation_target(call: Call, required: bool) -> Voucher | None:
    voucher_id, voucher_no = call.query.get("id"), call.query.get("voucherNo")
    for voucher in call.client.vouchers.values():
        if voucher.id == voucher_id or (voucher_no and str(voucher.number) == voucher_no):
            return voucher
    if required:
        raise not_found(f"Voucher with Id {voucher_id}", "id")
    return None


def get_documentation(call: Call) -> Reply:
    _require(call, "VoucherDocumentation", "VoucherDocumentation_Full")
    voucher = _documentation_target(call, required=False)
    if voucher is None or not call.visible(voucher):
        return Reply(204)
    return Reply(200, [views.documentation_view(voucher)])


def put_documentation(call: Call) -> Reply:
    _require(call, "VoucherDocumentation_Full")
    if not call.query.get("id"):
        raise invalid("The query parameter id is required", "id")
    voucher = _documentation_target(call, required=True)
    if voucher.integration is None:
        raise invalid("Documentation can only be added to vouchers imported via the API", "id")
    if voucher.integration != call.integration:
        raise invalid("Only the integration that imported the voucher may add or replace its documentation", "id")
    if not call.content_type.lower().startswith("multipart/form-data"):
        raise ApiProblem(415, "Unsupported Media Type", "Send multipart/form-data with a part named file")
    try:
        parts = parse_form(call.content_type, call.raw)
    except ValueError as exc:
        raise invalid(f"The multipart body could not be read: {exc}", "file") from None
    part = parts.get("file")
    if part is None or part.filename is None:
        raise invalid("A file part named 'file' is required", "file")
    if len(part.data) > call.max_documentation_bytes:
        raise invalid(f"The file is larger than the maximum of {call.max_documentation_bytes} bytes", "file")
    if not part.data.startswith(b"%PDF-") or part.content_type not in ("application/pdf", "application/octet-stream"):
        raise invalid("Only PDF files can be imported", "file")
    voucher.documentation, voucher.documentation_filename = part.data, part.filename
    return Reply(204)


def general_ledger_accounts(call: Call) -> Reply:
    _require(call, "GeneralLedgerAccount", "GeneralLedgerAccount_Full")
    wanted = _numbers_filter(call.query.get("accountNos"))
    accounts = sorted(call.client.accounts.values(), key=lambda a: a.number)
    return _page(call, [views.account_view(a) for a in accounts if wanted is None or wanted(a.number)])


def vat_codes(call: Call) -> Reply:
    _require(call, "CommonServices", "CommonServices_Full")
    active = call.query.get("isActive")
    codes = [v for v in call.client.vat_codes.values() if active is None or str(v.is_active).lower() == active.lower()]
    return _page(call, [views.vat_view(v) for v in codes])


def departments(call: Call) -> Reply:
    _require(call, "Department", "Department_Full")
    codes = _codes(call.query.get("codes"))
    found = [d for d in call.client.departments.values() if codes is None or d.code in codes]
    return _page(call, [views.dimension_view(d) for d in found])


def projects(call: Call) -> Reply:
    _require(call, "Project", "Project_Full")
    codes = _codes(call.query.get("projectCodes"))
    found = [p for p in call.client.projects.values() if codes is None or p.code in codes]
    return _page(call, [views.dimension_view(p) for p in found])


def _contacts(call: Call, kind: str, numbers_param: str) -> Reply:
    numbers = _codes(call.query.get(numbers_param))
    found = [c for c in call.client.contacts.values()
             if c.kind == kind and (numbers is None or str(c.number) in numbers)]
    return _page(call, [views.contact_view(c) for c in found])


def customers(call: Call) -> Reply:
    _require(call, "Customer", "Customer_Full")
    return _contacts(call, "customer", "customerNos")


def suppliers(call: Call) -> Reply:
    _require(call, "Supplier", "Supplier_Full")
    return _contacts(call, "supplier", "supplierNos")


def client_integration_information(call: Call) -> Reply:
    held = call.client.privileges
    return Reply(200, {
        "ClientId": call.client.client_id, "ClientName": call.client.name,
        "ActiveClientSubscriptions": ["Go Regnskap"],
        "ValidPrivileges": [p for p in seed.PRIVILEGES if p in held],
        "InvalidPrivileges": [p for p in seed.PRIVILEGES if p not in held],
    })


def lock_date_settings(call: Call) -> Reply:
    _require(call, "CommonServices", "CommonServices_Full")
    return Reply(200, {"LockDate": call.client.lock_date.isoformat() if call.client.lock_date != NO_LOCK_DATE
                       else "0001-01-01"})


_UUID = r"(?P<voucher_id>[0-9a-fA-F-]{36})"
ROUTES: list[tuple[str, re.Pattern, Callable[..., Reply]]] = [
    ("POST", re.compile(r"(?i)/Vouchers/ManualJournals"), post_manual_journal),
    ("GET", re.compile(rf"(?i)/Vouchers/ManualJournals/{_UUID}"), get_manual_journal),
    ("POST", re.compile(rf"(?i)/Vouchers/Reverse/{_UUID}"), reverse_voucher),
    ("GET", re.compile(r"(?i)/AccountTransactions"), account_transactions),
    ("GET", re.compile(r"(?i)/VoucherDocumentation"), get_documentation),
    ("PUT", re.compile(r"(?i)/VoucherDocumentation"), put_documentation),
    ("GET", re.compile(r"(?i)/GeneralLedgerAccounts"), general_ledger_accounts),
    ("GET", re.compile(r"(?i)/VatCodes"), vat_codes),
    ("GET", re.compile(r"(?i)/Departments"), departments),
    ("GET", re.compile(r"(?i)/Projects"), projects),
    ("GET", re.compile(r"(?i)/Customers"), customers),
    ("GET", re.compile(r"(?i)/Suppliers"), suppliers),
    ("GET", re.compile(r"(?i)/ClientIntegrationInformation"), client_integration_information),
    ("GET", re.compile(r"(?i)/LockDateSettings"), lock_date_settings),
]


def dispatch(call: Call, path: str) -> Reply:
    """Route /v2<path> (case-insensitive, as ASP.NET routes are) to its handler."""
    known_path = False
    for method, pattern, handler in ROUTES:
        match = pattern.fullmatch(path.rstrip("/"))
        if match is None:
            continue
        known_path = True
        if method == call.method:
            return handler(call, **match.groupdict())
    if known_path:
        raise ApiProblem(405, "Method Not Allowed", f"{call.method} is not allowed on {path}")
    raise not_found(f"Resource {path}")
