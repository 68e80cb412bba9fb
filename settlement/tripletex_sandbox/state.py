"""What a sandbox company holds: accounts, VAT types, dimensions, periods and vouchers.

Amounts are kept in integer øre. Ids are unique across the whole sandbox (as Tripletex's are), so an
id from one company is simply not found in the other.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date


@dataclass
class VatType:
    id: int
    number: str  # the VAT code ("3", "31", "0")
    name: str
    numerator: int  # the rate as a fraction, so VAT is computed with integers only
    denominator: int
    vat_account: int | None  # the account the generated VAT row goes to (None: no VAT row)

    @property
    def percentage(self) -> str:
        whole, rest = divmod(self.numerator * 10000 // self.denominator, 100)
        return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}"


@dataclass
class Account:
    id: int
    number: int
    name: str
    vat_type_id: int | None = None  # the account's default VAT type
    vat_locked: bool = False  # postings must use vat_type_id
    legal_vat_type_ids: tuple[int, ...] = ()  # non-empty: postings must use one of these
    requires_department: bool = False
    requires_project: bool = False
    ledger_type: str = "GENERAL"  # GENERAL, CUSTOMER, VENDOR, EMPLOYEE, ASSET
    inactive: bool = False


@dataclass
class Dimension:
    """A department, project, customer or supplier: an id, the number people know, a name."""

    id: int
    number: str
    name: str
    inactive: bool = False


@dataclass
class Period:
    id: int
    number: int
    name: str
    start: date
    end: date  # exclusive, as Tripletex shows periods (start of the next one)
    closed: bool = False


@dataclass
class Posting:
    id: int
    row: int
    date: date
    description: str
    account_id: int
    gross: int  # øre, debit positive
    vat: int  # øre of VAT inside `gross` (same sign); the system row carries it
    vat_type_id: int | None
    department_id: int | None = None
    project_id: int | None = None
    customer_id: int | None = None
    supplier_id: int | None = None
    system_generated: bool = False

    @property
    def net(self) -> int:
        return self.gross - self.vat


@dataclass
class Attachment:
    id: int
    filename: str
    mime_type: str
    data: bytes
    pages: int = 1  # uploads after the first are appended as pages


@dataclass
class Voucher:
    id: int
    date: date
    description: str
    external_number: str | None
    postings: list[Posting]
    voucher_type_id: int | None = None
    number: int | None = None  # assigned when sent to ledger
    temp_number: int | None = None
    year: int | None = None
    reverse_voucher_id: int | None = None  # on both: the original and its reversal point at each other
    is_reversal: bool = False
    attachment: Attachment | None = None
    version: int = 0
    deleted: bool = False


@dataclass
class Company:
    id: int
    name: str
    organization_number: str
    employee_id: int
    employee_name: str
    accounts: dict[int, Account] = field(default_factory=dict)  # by id
    vat_types: dict[int, VatType] = field(default_factory=dict)
    departments: dict[int, Dimension] = field(default_factory=dict)
    projects: dict[int, Dimension] = field(default_factory=dict)
    customers: dict[int, Dimension] = field(default_factory=dict)
    suppliers: dict[int, Dimension] = field(default_factory=dict)
    voucher_types: dict[int, Dimension] = field(default_factory=dict)
    periods: dict[int, Period] = field(default_factory=dict)
    vouchers: dict[int, Voucher] = field(default_factory=dict)
    next_number: dict[int, int] = field(default_factory=dict)  # per year

    def account_by_number(self, number: int) -> Account | None:
        return next((a for a in self.accounts.values() if a.number == number), None)

    def vat_type_by_number(self, number: str) -> VatType | None:
        return next((v for v in self.vat_types.values() if v.number == number), None)

    def closed_period_on(self, day: date) -> Period | None:
        return next((p for p in self.periods.values() if p.closed and p.start <= day < p.end), None)

    def take_number(self, year: int) -> int:
        number = self.next_number.get(year, 1)
        self.next_number[year] = number + 1
        return number


class State:
    """Every company of one sandbox, behind one lock (requests are handled in threads)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.companies: dict[int, Company] = {}
        self._ids = itertools.count(1001)

    def new_id(self) -> int:
        return next(self._ids)
