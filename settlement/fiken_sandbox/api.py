"""The /api/v2 endpoints: routing table, paging, filters and one handler per operation.

A handler gets a Call (who, what, the state) and returns a Reply; errors are raised as ApiError.
Paths and parameters follow fiken-openapi.yaml; see docs/fiken-sandbox.md for the list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from settlement.fiken_sandbox import bookkeeping
from settlement.fiken_sandbox.errors import ApiError, bad_request, not_found
from settlement.sandbox_kit.multipart import parse_form
from settlement.fiken_sandbox.state import (
    Company, State, attachment_view, entry_view, sale_view, transaction_view,
)


@dataclass
class Call:
    """One authenticated API request."""

    state: State
    user_id: str
    method: str
    query: dict[str, str]
    content_type: str
    raw_body: bytes
    base_url: str  # "http://127.0.0.1:PORT/api/v2"
    config: Any  # the sandbox's SandboxConfig
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        if not self.content_type.lower().startswith("application/json"):
            raise ApiError(415, f"Unsupported media type {self.content_type or '(none)'}; send application/json")
        import json
        try:
            return json.loads(self.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request(f"Malformed JSON body: {exc}") from None

    def form(self) -> dict:
        if not self.content_type.lower().startswith("multipart/form-data"):
            raise ApiError(415, f"Unsupported media type {self.content_type or '(none)'}; send multipart/form-data")
        try:
            return parse_form(self.content_type, self.raw_body)
        except ValueError as exc:
            raise bad_request(f"Malformed multipart body: {exc}") from None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, bytes, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


# --- helpers ---------------------------------------------------------------------------------

def _company(call: Call, needs_api: bool = True) -> Company:
    company = call.state.companies.get(call.params["slug"])
    if company is None:
        raise not_found(f"Company {call.params['slug']} not found")
    if call.user_id not in company.owners:
        raise ApiError(403, f"No access to company {company.slug}")
    if needs_api and not company.has_api_access:
        raise ApiError(403, "API module not activated")
    return company


def _int_param(call: Call, name: str) -> int:
    try:
        return int(call.params[name])
    except ValueError:
        raise not_found(f"{name} {call.params[name]!r} not found") from None


def _page(call: Call, items: list) -> Reply:
    """Fiken paging: page (0-based, default 0), pageSize (default 25, max 100) + Fiken-Api-* headers."""
    try:
        page = int(call.query.get("page", 0))
        size = int(call.query.get("pageSize", 25))
    except ValueError:
        raise bad_request("page and pageSize must be integers") from None
    if page < 0 or not 1 <= size <= 100:
        raise bad_request("page must be >= 0 and pageSize between 1 and 100")
    count = len(items)
    headers = {"Fiken-Api-Page": str(page), "Fiken-Api-Page-Size": str(size),
               "Fiken-Api-Page-Count": str(math.ceil(count / size)), "Fiken-Api-Result-Count": str(count)}
    return Reply(200, items[page * size:(page + 1) * size], headers)


def _date_filter(call: Call, items: list, name: str, value_of: Callable[[Any], str]) -> list:
    """Apply name, nameLe, nameLt, nameGe, nameGt (yyyy-MM-dd) filters."""
    tests = {"": str.__eq__, "Le": str.__le__, "Lt": str.__lt__, "Ge": str.__ge__, "Gt": str.__gt__}
    for suffix, test in tests.items():
        wanted = call.query.get(name + suffix)
        if wanted is None:
            continue
        if not bookkeeping.is_valid_date(wanted):
            raise bad_request(f"{name + suffix}: {wanted!r} is not a date yyyy-MM-dd")
        items = [item for item in items if test(value_of(item), wanted)]
    return items


def _bool_param(call: Call, name: str) -> bool | None:
    value = call.query.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise bad_request(f"{name}: must be true or false")
    return value.lower() == "true"


def _created(call: Call, location: str) -> Reply:
    return Reply(201, None, {"Location": call.base_url + location})


# --- handlers -----------------------------------------------------------------------------------

def get_user(call: Call) -> Reply:
    user = call.state.users[call.user_id]
    return Reply(200, {"name": user.name, "email": user.email})


def get_companies(call: Call) -> Reply:
    companies = [c for c in call.state.companies.values() if call.user_id in c.owners]
    order = call.query.get("sortBy", "name asc")
    keys = {"name": lambda c: c.name, "createdDate": lambda c: c.creation_date,
            "organizationNumber": lambda c: c.organization_number}
    field_name, _, direction = order.partition(" ")
    if field_name not in keys or direction not in ("asc", "desc"):
        raise bad_request(f"sortBy: {order!r} is not supported")
    companies.sort(key=keys[field_name], reverse=direction == "desc")
    return _page(call, [c.view() for c in companies])


def get_company(call: Call) -> Reply:
    return Reply(200, _company(call, needs_api=False).view())


def _account_filter(call: Call, codes: list[str]) -> list[str]:
    def number(code: str) -> int:
        return int(code[:4])
    for name, test in (("fromAccount", int.__ge__), ("toAccount", int.__le__)):
        if name in call.query:
            try:
                bound = int(call.query[name])
            except ValueError:
                raise bad_request(f"{name}: must be an account number without sub-account") from None
            codes = [c for c in codes if test(number(c), bound)]
    if call.query.get("range"):
        ranges = []
        for part in call.query["range"].split(","):
            low, _, high = part.strip().partition("-")
            try:
                ranges.append((int(low), int(high or low)))
            except ValueError:
                raise bad_request(f"range: {part.strip()!r} is not an account number or range") from None
        codes = [c for c in codes if any(lo <= number(c) <= hi for lo, hi in ranges)]
    return codes


def get_accounts(call: Call) -> Reply:
    company = _company(call)
    codes = _account_filter(call, sorted(company.accounts))
    return _page(call, [{"code": code, "name": company.accounts[code]} for code in codes])


def get_account(call: Call) -> Reply:
    company = _company(call)
    code = call.params["code"]
    if code not in company.accounts:
        raise not_found(f"Account {code} not found")
    return Reply(200, {"code": code, "name": company.accounts[code]})


def get_account_balances(call: Call) -> Reply:
    company = _company(call)
    day = call.query.get("date")
    if not day or not bookkeeping.is_valid_date(day):
        raise bad_request("date: required, yyyy-MM-dd")
    balances: dict[str, int] = {}
    for entry in company.entries.values():
        if not entry.removed and entry.date <= day:
            for line in entry.lines:
                balances[line["account"]] = balances.get(line["account"], 0) + line["amount"]
    codes = _account_filter(call, sorted(balances))
    return _page(call, [{"code": c, "name": company.accounts.get(c, ""), "balance": balances[c]} for c in codes])


def get_bank_accounts(call: Call) -> Reply:
    company = _company(call)
    accounts = company.bank_accounts
    inactive = _bool_param(call, "inactive")
    if inactive is not None:
        accounts = [a for a in accounts if a["inactive"] == inactive]
    return _page(call, accounts)


def get_bank_account(call: Call) -> Reply:
    company = _company(call)
    wanted = _int_param(call, "id")
    for account in company.bank_accounts:
        if account["bankAccountId"] == wanted:
            return Reply(200, account)
    raise not_found(f"Bank account {wanted} not found")


def _projects(company: Company) -> list[dict]:
    if company.projects is None:
        raise ApiError(402, "Project/time-tracking module not activated")
    return company.projects


def get_projects(call: Call) -> Reply:
    projects = _projects(_company(call))
    completed = _bool_param(call, "completed")
    if completed is not None:
        projects = [p for p in projects if p["completed"] == completed]
    return _page(call, projects)


def get_project(call: Call) -> Reply:
    wanted = _int_param(call, "id")
    for project in _projects(_company(call)):
        if project["projectId"] == wanted:
            return Reply(200, project)
    raise not_found(f"Project {wanted} not found")


def get_contacts(call: Call) -> Reply:
    return _page(call, list(_company(call).contacts.values()))


def get_journal_entries(call: Call) -> Reply:
    company = _company(call)
    entries = [e for e in company.entries.values() if not e.removed]
    entries = _date_filter(call, entries, "date", lambda e: e.date)
    entries = _date_filter(call, entries, "createdDate", lambda e: e.created)
    entries = _date_filter(call, entries, "lastModified", lambda e: e.modified)
    return _page(call, [entry_view(e, call.base_url) for e in entries])


def _entry(company: Company, call: Call):
    wanted = _int_param(call, "id")
    entry = company.entries.get(wanted)
    if entry is None or entry.removed:
        raise not_found(f"Journal entry {wanted} not found")
    return entry


def get_journal_entry(call: Call) -> Reply:
    return Reply(200, entry_view(_entry(_company(call), call), call.base_url))


def get_journal_entry_attachments(call: Call) -> Reply:
    entry = _entry(_company(call), call)
    return Reply(200, [attachment_view(a, call.base_url) for a in entry.attachments])


def post_journal_entry_attachment(call: Call) -> Reply:
    company = _company(call)
    entry = _entry(company, call)
    attachment = bookkeeping.attach(company, "journalEntry", entry.journal_entry_id, call.form())
    return _created(call, f"/files/{attachment.uuid}")


def post_general_journal_entries(call: Call) -> Reply:
    company = _company(call)
    transaction = bookkeeping.post_general_journal_entries(
        call.state, company, call.json(), call.config.one_sided_credit_vat)
    # Fiken's Location points at the transaction, not the journal entry (fiken-api.md §1.7).
    return _created(call, f"/companies/{company.slug}/transactions/{transaction.transaction_id}")


def get_transactions(call: Call) -> Reply:
    company = _company(call)
    items = list(company.transactions.values())
    items = _date_filter(call, items, "createdDate", lambda t: t.created)
    items = _date_filter(call, items, "lastModified", lambda t: t.modified)
    return _page(call, [transaction_view(company, t, call.base_url) for t in items])


def get_transaction(call: Call) -> Reply:
    company = _company(call)
    wanted = _int_param(call, "id")
    transaction = company.transactions.get(wanted)
    if transaction is None:
        raise not_found(f"Transaction {wanted} not found")
    return Reply(200, transaction_view(company, transaction, call.base_url))


def delete_transaction(call: Call) -> Reply:
    company = _company(call)
    transaction = bookkeeping.delete_transaction(
        call.state, company, _int_param(call, "id"), call.query.get("description"))
    location = f"/companies/{company.slug}/transactions/{transaction.transaction_id}"
    return Reply(200, transaction_view(company, transaction, call.base_url), {"Location": call.base_url + location})


def get_sales(call: Call) -> Reply:
    company = _company(call)
    sales = list(company.sales.values())
    sales = _date_filter(call, sales, "date", lambda s: s.request["date"])
    sales = _date_filter(call, sales, "lastModified", lambda s: s.modified)
    if "saleNumber" in call.query:
        sales = [s for s in sales if s.request.get("saleNumber") == call.query["saleNumber"]]
    settled = _bool_param(call, "settled")
    if settled is not None:
        sales = [s for s in sales if bool(s.request["paid"]) == settled]
    if "contactId" in call.query:
        sales = [s for s in sales if str(s.request.get("customerId")) == call.query["contactId"]]
    return _page(call, [sale_view(company, s, call.base_url) for s in sales])


def _sale(company: Company, call: Call):
    wanted = _int_param(call, "id")
    sale = company.sales.get(wanted)
    if sale is None:
        raise not_found(f"Sale {wanted} not found")
    return sale


def get_sale(call: Call) -> Reply:
    company = _company(call)
    return Reply(200, sale_view(company, _sale(company, call), call.base_url))


def post_sale(call: Call) -> Reply:
    company = _company(call)
    sale = bookkeeping.create_sale(call.state, company, call.json(), call.config.sale_booking_text)
    return _created(call, f"/companies/{company.slug}/sales/{sale.sale_id}")


def delete_sale(call: Call) -> Reply:
    company = _company(call)
    sale = _sale(company, call)
    if sale.deleted:
        raise bad_request(f"Sale {sale.sale_id} is already deleted")
    bookkeeping.delete_transaction(call.state, company, sale.transaction_id, call.query.get("description"))
    location = f"/companies/{company.slug}/sales/{sale.sale_id}"
    return Reply(200, sale_view(company, sale, call.base_url), {"Location": call.base_url + location})


def get_sale_attachments(call: Call) -> Reply:
    company = _company(call)
    return Reply(200, [attachment_view(a, call.base_url) for a in _sale(company, call).attachments])


def post_sale_attachment(call: Call) -> Reply:
    company = _company(call)
    sale = _sale(company, call)
    if not (_bool_param(call, "attachToSale") or _bool_param(call, "attachToPayment")):
        raise bad_request("At least one of attachToPayment and attachToSale must be true")
    form = call.form()
    comment_part = form.get("comment")
    comment = comment_part.data.decode("utf-8", "replace") if comment_part else None
    attachment = bookkeeping.attach(company, "sale", sale.sale_id, form, comment)
    return _created(call, f"/files/{attachment.uuid}")


def get_file(call: Call) -> Reply:
    for company in call.state.companies.values():
        if call.user_id not in company.owners:
            continue
        owners = list(company.entries.values()) + list(company.sales.values())
        for owner in owners:
            for attachment in owner.attachments:
                if attachment.uuid == call.params["uuid"]:
                    return Reply(200, attachment.data, content_type=attachment.content_type)
    raise not_found("File not found")


# --- routing -------------------------------------------------------------------------------------

_C = r"/companies/(?P<slug>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, Callable[[Call], Reply]]] = [
    (method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in [
        ("GET", r"/user", get_user),
        ("GET", r"/companies", get_companies),
        ("GET", _C, get_company),
        ("GET", _C + r"/accounts", get_accounts),
        ("GET", _C + r"/accounts/(?P<code>[^/]+)", get_account),
        ("GET", _C + r"/accountBalances", get_account_balances),
        ("GET", _C + r"/bankAccounts", get_bank_accounts),
        ("GET", _C + r"/bankAccounts/(?P<id>[^/]+)", get_bank_account),
        ("GET", _C + r"/projects", get_projects),
        ("GET", _C + r"/projects/(?P<id>[^/]+)", get_project),
        ("GET", _C + r"/contacts", get_contacts),
        ("GET", _C + r"/journalEntries", get_journal_entries),
        ("GET", _C + r"/journalEntries/(?P<id>[^/]+)", get_journal_entry),
        ("GET", _C + r"/journalEntries/(?P<id>[^/]+)/attachments", get_journal_entry_attachments),
        ("POST", _C + r"/journalEntries/(?P<id>[^/]+)/attachments", post_journal_entry_attachment),
        ("POST", _C + r"/generalJournalEntries", post_general_journal_entries),
        ("GET", _C + r"/transactions", get_transactions),
        ("GET", _C + r"/transactions/(?P<id>[^/]+)", get_transaction),
        ("PATCH", _C + r"/transactions/(?P<id>[^/]+)/delete", delete_transaction),
        ("GET", _C + r"/sales", get_sales),
        ("POST", _C + r"/sales", post_sale),
        ("GET", _C + r"/sales/(?P<id>[^/]+)", get_sale),
        ("PATCH", _C + r"/sales/(?P<id>[^/]+)/delete", delete_sale),
        ("GET", _C + r"/sales/(?P<id>[^/]+)/attachments", get_sale_attachments),
        ("POST", _C + r"/sales/(?P<id>[^/]+)/attachments", post_sale_attachment),
        ("GET", r"/files/(?P<uuid>[^/]+)(/[^/]*)?", get_file),
    ]
]


def dispatch(call: Call, path: str) -> Reply:
    """Run the handler for (method, path below /api/v2) under the state lock; 404/405 otherwise."""
    allowed = False
    for method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match:
            if method != call.method:
                allowed = True
                continue
            call.params = {k: v for k, v in match.groupdict().items() if v is not None}
            with call.state.lock:
                return handler(call)
    if allowed:
        raise ApiError(405, f"Method {call.method} not allowed on {path}")
    raise not_found(f"No such resource: {path}")
