"""The sandbox's memory: clients (companies) with their chart, VAT codes, dimensions, contacts and
vouchers. Plain records; the rules of posting live in api.py and vouchers.py.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from settlement.poweroffice_sandbox import seed

# Ids are made distinct per kind so that an id of one kind never names an object of another by chance.
ACCOUNT_ID_BASE = 4_100_000
VAT_ID_BASE = 700
DEPARTMENT_ID_BASE = 51_000
PROJECT_ID_BASE = 62_000
CUSTOMER_ID_BASE = 9_300_000
SUPPLIER_ID_BASE = 9_600_000
NO_LOCK_DATE = date(1, 1, 1)


@dataclass
class Account:
    id: int
    number: int
    name: str
    is_active: bool = True
    vat_locked_to: str | None = None  # IsVatCodeLocked with this VatCode
    department_required: bool = False
    project_required: bool = False
    changed: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass
class VatCode:
    id: int
    code: str
    name: str
    rate: Decimal
    valid_from: date = date(2000, 1, 1)
    valid_to: date | None = None
    is_active: bool = True


@dataclass
class Dimension:
    """A department or a project: its Id and the Code people know."""

    id: int
    code: str
    name: str
    is_active: bool = True


@dataclass
class Contact:
    """A customer or supplier: a sub-ledger account under its control account."""

    id: int
    number: int
    name: str
    kind: str  # "customer" | "supplier"
    control_account: int


@dataclass
class Line:
    id: int
    account: Account | None  # the general-ledger account (the control account for a contact)
    contact: Contact | None
    posting_date: date
    vat: VatCode
    gross_ore: int  # debit positive, credit negative
    vat_ore: int  # the VAT Go computed from the gross, same sign
    department: Dimension | None
    project: Dimension | None
    description: str | None


@dataclass
class Voucher:
    id: str
    number: int
    kind: str  # "ManualJournal" | "ReversalVoucher"
    voucher_date: date
    description: str | None
    reference: str | None  # ExternalImportReference
    imported_voucher_no: int | None
    integration: str | None  # the application key that created it; None: made in Go's GUI
    lines: list[Line]
    created: datetime
    created_monotonic: float
    is_reversed: bool = False
    reversal_of: str | None = None  # on a reversal voucher: the voucher it reverses
    reversed_by: str | None = None
    documentation: bytes | None = None
    documentation_filename: str | None = None


@dataclass
class Client:
    """One Go client (company), reached with its own client key."""

    index: int
    client_id: str
    name: str
    client_key: str
    accounts: dict[int, Account] = field(default_factory=dict)  # by Id
    vat_codes: dict[int, VatCode] = field(default_factory=dict)
    departments: dict[int, Dimension] = field(default_factory=dict)
    projects: dict[int, Dimension] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    vouchers: dict[str, Voucher] = field(default_factory=dict)  # in creation order
    references: dict[str, str] = field(default_factory=dict)  # live ExternalImportReference → voucher id
    lock_date: date = NO_LOCK_DATE
    privileges: set[str] = field(default_factory=lambda: set(seed.PRIVILEGES))
    next_voucher_no: int = 1
    next_line_id: int = 880_001

    def account_by_number(self, number: int) -> Account | None:
        return next((a for a in self.accounts.values() if a.number == number), None)

    def vat_by_code(self, code: str) -> VatCode | None:
        return next((v for v in self.vat_codes.values() if v.code == code), None)


def seeded_client(index: int, name: str) -> Client:
    client = Client(index, str(uuid.uuid4()), name, client_key=str(uuid.uuid4()))
    for i, (number, account_name) in enumerate(sorted(seed.ACCOUNTS.items())):
        account_id = ACCOUNT_ID_BASE + 1000 * index + i
        client.accounts[account_id] = Account(account_id, number, account_name)
    for i, (code, vat_name, rate) in enumerate(seed.VAT_CODES):
        client.vat_codes[VAT_ID_BASE + i] = VatCode(VAT_ID_BASE + i, code, vat_name, rate)
    for i, (code, dim_name) in enumerate(seed.DEPARTMENTS):
        client.departments[DEPARTMENT_ID_BASE + i] = Dimension(DEPARTMENT_ID_BASE + i, code, dim_name)
    for i, (code, dim_name) in enumerate(seed.PROJECTS):
        client.projects[PROJECT_ID_BASE + i] = Dimension(PROJECT_ID_BASE + i, code, dim_name)
    for i, (number, contact_name) in enumerate(seed.CUSTOMERS):
        client.contacts[CUSTOMER_ID_BASE + i] = Contact(CUSTOMER_ID_BASE + i, number, contact_name, "customer",
                                                         seed.CUSTOMER_CONTROL_ACCOUNT)
    for i, (number, contact_name) in enumerate(seed.SUPPLIERS):
        client.contacts[SUPPLIER_ID_BASE + i] = Contact(SUPPLIER_ID_BASE + i, number, contact_name, "supplier",
                                                         seed.SUPPLIER_CONTROL_ACCOUNT)
    return client


class State:
    """Every client of the sandbox, behind one lock (requests are handled in threads)."""

    def __init__(self, application_key: str, subscription_key: str) -> None:
        self.lock = threading.RLock()
        self.application_key = application_key
        self.subscription_key = subscription_key
        self.clients = [seeded_client(i, name) for i, name in enumerate(seed.CLIENT_NAMES)]

    def client_by_key(self, client_key: str) -> Client | None:
        return next((c for c in self.clients if c.client_key == client_key), None)
