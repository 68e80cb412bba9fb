"""The sandbox's data: users, companies and everything booked in them, plus their JSON views.

All access goes through `State.lock` (an RLock); the views return fresh dicts shaped like Fiken's
read models (fiken-openapi.yaml: company, account, bankAccountResult, projectResult, journalEntry,
transaction, saleResult, attachment).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date


@dataclass
class User:
    user_id: str
    name: str
    email: str


@dataclass
class Attachment:
    """An uploaded file; owner_kind is "journalEntry" or "sale"."""

    uuid: str
    owner_kind: str
    owner_id: int
    filename: str
    data: bytes
    content_type: str
    comment: str | None = None


@dataclass
class JournalEntry:
    journal_entry_id: int
    number: int
    transaction_id: int
    description: str
    date: str
    lines: list[dict]  # signed read-back postings (see postings.posting)
    created: str
    modified: str
    open: bool = False
    offset_transaction_id: int | None = None
    removed: bool = False  # an open entry deleted without a counter transaction
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class Transaction:
    transaction_id: int
    description: str
    type: str
    created: str
    modified: str
    entry_ids: list[int]
    deleted: bool = False


@dataclass
class Sale:
    sale_id: int
    transaction_id: int
    request: dict  # the accepted saleRequest (nulls dropped)
    lines: list[dict]  # orderLines with vat filled in
    created: str
    modified: str
    payment_id: int | None = None  # the payment a paid sale records
    deleted: bool = False
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class Company:
    slug: str
    name: str
    organization_number: str
    accounting_start_date: str
    owners: set[str]
    has_api_access: bool = True
    vat_type: str = "bi-monthly"
    email: str = ""
    creation_date: str = "2025-12-01"
    test_company: bool = True
    accounts: dict[str, str] = field(default_factory=dict)
    bank_accounts: list[dict] = field(default_factory=list)
    projects: list[dict] | None = None  # None: the project module is not activated (→ 402)
    contacts: dict[int, dict] = field(default_factory=dict)
    transactions: dict[int, Transaction] = field(default_factory=dict)
    entries: dict[int, JournalEntry] = field(default_factory=dict)
    sales: dict[int, Sale] = field(default_factory=dict)
    next_entry_number: int = 1

    def view(self) -> dict:
        return {
            "name": self.name, "slug": self.slug, "organizationNumber": self.organization_number,
            "vatType": self.vat_type,
            "address": {"streetAddress": "Storgata 1", "city": "Oslo", "postCode": "0155", "country": "Norway"},
            "email": self.email, "creationDate": self.creation_date, "hasApiAccess": self.has_api_access,
            "testCompany": self.test_company, "accountingStartDate": self.accounting_start_date,
            "vatRegistrationDate": self.accounting_start_date,
        }


# Where each id counter starts: large ids, like Fiken's.
FIRST_IDS = {"transaction": 14_462_737_001, "entry": 5_200_001, "sale": 7_300_001, "payment": 2_880_001}


class State:
    """Everything the sandbox knows. Ids come from global counters, like Fiken's large ids.

    next_ids: the next id of each kind (FIRST_IDS' keys); plain numbers so that a saved state
    (settlement.fiken_sandbox.persist) goes on where it stopped.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.companies: dict[str, Company] = {}
        self.next_ids: dict[str, int] = dict(FIRST_IDS)

    def _take(self, kind: str) -> int:
        with self.lock:
            taken = self.next_ids[kind]
            self.next_ids[kind] = taken + 1
            return taken

    def next_transaction_id(self) -> int:
        return self._take("transaction")

    def next_entry_id(self) -> int:
        return self._take("entry")

    def next_sale_id(self) -> int:
        return self._take("sale")

    def next_payment_id(self) -> int:
        return self._take("payment")


def today() -> str:
    return date.today().isoformat()


# --- views ---------------------------------------------------------------------------------------

def attachment_view(attachment: Attachment, base_url: str) -> dict:
    # identifier: Fiken calls it "user-defined"; the sandbox shows the uploaded filename (UNCERTAIN).
    url = f"{base_url}/files/{attachment.uuid}/{attachment.filename}"
    view = {"identifier": attachment.filename, "downloadUrl": url,
            "downloadUrlWithFikenNormalUserCredentials": url.replace("/api/v2/", "/"),
            "type": "unspecified"}
    if attachment.comment:
        view["comment"] = attachment.comment
    return view


def entry_view(entry: JournalEntry, base_url: str) -> dict:
    view = {
        "journalEntryId": entry.journal_entry_id, "createdDate": entry.created,
        "lastModifiedDate": entry.modified, "transactionId": entry.transaction_id,
        "journalEntryNumber": entry.number, "description": entry.description, "date": entry.date,
        "lines": [dict(line, lastModifiedDate=entry.modified) for line in entry.lines],
        "attachments": [attachment_view(a, base_url) for a in entry.attachments],
    }
    if entry.offset_transaction_id is not None:
        view["offsetTransactionId"] = entry.offset_transaction_id
    return view


def transaction_view(company: Company, transaction: Transaction, base_url: str) -> dict:
    entries = [company.entries[i] for i in transaction.entry_ids]
    return {
        "transactionId": transaction.transaction_id, "createdDate": transaction.created,
        "lastModifiedDate": transaction.modified, "description": transaction.description,
        "type": transaction.type,
        "entries": [entry_view(e, base_url) for e in entries if not e.removed],
        "deleted": transaction.deleted,
    }


def sale_view(company: Company, sale: Sale, base_url: str) -> dict:
    request = sale.request
    net = sum(line.get("netPrice", 0) for line in sale.lines)
    vat = sum(line.get("vat", 0) for line in sale.lines)
    paid = request.get("paid", False)
    view = {
        "saleId": sale.sale_id, "lastModifiedDate": sale.modified, "transactionId": sale.transaction_id,
        "date": request["date"], "kind": request["kind"], "netAmount": net, "vatAmount": vat,
        "settled": bool(paid), "writeOff": False, "totalPaid": request.get("totalPaid", 0) if paid else 0,
        "outstandingBalance": 0 if paid else net + vat, "lines": sale.lines,
        "currency": request["currency"], "salePayments": [], "deleted": sale.deleted,
        "saleAttachments": [attachment_view(a, base_url) for a in sale.attachments],
    }
    for key in ("saleNumber", "dueDate", "kid"):
        if key in request:
            view[key] = request[key]
    if paid:
        payment_date = request.get("paymentDate", request["date"])
        view["settledDate"] = payment_date
        view["paymentDate"] = payment_date
        view["salePayments"] = [{"paymentId": sale.payment_id, "date": payment_date,
                                 "account": request.get("paymentAccount", ""),
                                 "amount": request.get("totalPaid", 0), "currency": request["currency"]}]
        if "paymentFee" in request:
            view["salePayments"][0]["fee"] = request["paymentFee"]
    if "customerId" in request and request["customerId"] in company.contacts:
        view["customer"] = company.contacts[request["customerId"]]
    if "projectId" in request:
        project = next((p for p in company.projects or [] if p["projectId"] == request["projectId"]), None)
        if project:
            view["project"] = project
    return view
