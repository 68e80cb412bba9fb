"""`test-connection` for a Tripletex vendor, as Problem values.

Checked: every mapped account exists, is active and takes the VAT code its lines will carry
(vatLocked / legalVatTypes); accounts that require a department or project get one from the vendor;
the vendor's department and project exist; a customer/supplier ledger account names an existing
customer/supplier; no accounting period from the vendor's enabled_since on is closed.

Which VAT code a line carries is known for the keys that never carry one (payments, tips, gift
cards, rounding, difference, settlement: code 0); revenue keys take their codes from the sales data,
so for them only a VAT lock is reported (as a warning naming the code the account is locked to).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from settlement.domain.chart import LedgerRow
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.targets.tripletex.client import TripletexClient
from settlement.targets.tripletex.payloads import NO_VAT, account_refs
from settlement.targets.tripletex.resolve import Reference

VAT_FREE_KEYS = frozenset({"settlement", "rounding", "tips", "gift_card", "difference"})
# How far ahead closed periods are looked for.
HORIZON_DAYS = 400


def _vat_free(key: str) -> bool:
    return key in VAT_FREE_KEYS or key.startswith("payment_")


def _day(value):
    """Tripletex's ISO date as a date (shown the language's way), or the value as it came."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _numbers(items: list[dict] | None) -> list[str]:
    return [str(i.get("number")) for i in items or [] if i.get("number") is not None]


def account_problems(row: LedgerRow, account: dict | None, vendor: Vendor, ref: Reference,
                     vat_by_id: dict[int, str]) -> list[Problem]:
    """What is wrong with one ledger row's account for this vendor (pure given the lookups)."""
    where = {"file": row.file, "line": row.line, "ref": vendor.id}
    number = account_refs(row.account)["account"]["number"]
    named = {"account": number, "key": row.key}
    if account is None:
        return [error(tr("Tripletex: account {account} (key {key}) does not exist", **named), **where)]
    problems = []
    if account.get("isInactive"):
        problems.append(error(tr("Tripletex: account {account} (key {key}) is inactive", **named), **where))
    locked = (account.get("vatType") or {}).get("number") or vat_by_id.get((account.get("vatType") or {}).get("id"))
    legal = _numbers(account.get("legalVatTypes"))
    if _vat_free(row.key):
        if account.get("vatLocked") and str(locked) != NO_VAT:
            problems.append(error(tr("Tripletex: account {account} (key {key}) is VAT-locked to code {locked}; "
                                     "its lines carry no VAT (code {none})", locked=locked, none=NO_VAT, **named),
                                  **where))
        elif legal and NO_VAT not in legal:
            problems.append(error(tr("Tripletex: account {account} (key {key}) accepts VAT codes {codes} only; "
                                     "its lines carry code {none}", codes=", ".join(legal), none=NO_VAT, **named),
                                  **where))
    elif account.get("vatLocked"):
        problems.append(warning(tr("Tripletex: account {account} (key {key}) is VAT-locked to code {locked}: "
                                   "lines with another VAT code will be refused", locked=locked, **named), **where))
    elif legal:
        problems.append(warning(tr("Tripletex: account {account} (key {key}) accepts VAT codes {codes} only",
                                   codes=", ".join(legal), **named), **where))
    if account.get("requiresDepartment") and not vendor.department:
        problems.append(error(tr("Tripletex: account {account} (key {key}) requires a department: set "
                                 "department for vendor {vendor} in vendors.toml", vendor=vendor.id, **named),
                              **where))
    if account.get("requiresProject") and not vendor.project:
        problems.append(error(tr("Tripletex: account {account} (key {key}) requires a project: set "
                                 "project for vendor {vendor} in vendors.toml", vendor=vendor.id, **named), **where))
    ledger_type = account.get("ledgerType") or "GENERAL"
    sub = row.account.partition(":")[2]
    if ledger_type in ("CUSTOMER", "VENDOR"):
        customer = ledger_type == "CUSTOMER"
        if not sub:
            problems.append(error(
                tr("Tripletex: account {account} (key {key}) is a customer ledger: write it as "
                   "{account}:<customer number>", **named) if customer else
                tr("Tripletex: account {account} (key {key}) is a supplier ledger: write it as "
                   "{account}:<supplier number>", **named), **where))
        elif (ref.customer(sub) if customer else ref.supplier(sub)) is None:
            problems.append(error(
                tr("Tripletex: customer {number} (key {key}, account {account}) does not exist", number=sub,
                   key=row.key, account=row.account) if customer else
                tr("Tripletex: supplier {number} (key {key}, account {account}) does not exist", number=sub,
                   key=row.key, account=row.account), **where))
    elif sub:
        problems.append(warning(tr("Tripletex: {written} (key {key}) is booked on the plain account "
                                   "{account} (a sub-account is Fiken's form)", written=row.account, **named),
                                **where))
    return problems


def check_vendor(client: TripletexClient, ref: Reference, vendor: Vendor,
                 ledger: Mapping[str, LedgerRow]) -> list[Problem]:
    """Every problem of one vendor's configuration in its Tripletex company."""
    problems: list[Problem] = []
    if vendor.department and ref.department(vendor.department) is None:
        problems.append(error(tr("Tripletex: department {department} of vendor {vendor} does not exist",
                                 department=vendor.department, vendor=vendor.id), ref=vendor.id))
    if vendor.project and ref.project(vendor.project) is None:
        problems.append(error(tr("Tripletex: project {project} of vendor {vendor} does not exist",
                                 project=vendor.project, vendor=vendor.id), ref=vendor.id))
    vat_by_id = {}
    for key in sorted(ledger):
        row = ledger[key]
        account = ref.account(account_refs(row.account)["account"]["number"])
        problems += account_problems(row, account, vendor, ref, vat_by_id)
    start = vendor.enabled_since.replace(day=1)
    for period in client.accounting_periods(start, vendor.enabled_since + timedelta(days=HORIZON_DAYS)):
        if period.get("isClosed") and date.fromisoformat(period["end"]) > vendor.enabled_since:
            problems.append(error(tr("Tripletex: accounting period {name} ({start} to {end}) is closed, but vendor "
                                     "{vendor} settles from {enabled_since}: its days cannot be posted or corrected",
                                     name=period.get('name'), start=_day(period.get('start')),
                                     end=_day(period.get('end')), vendor=vendor.id,
                                     enabled_since=vendor.enabled_since), ref=vendor.id))
    return problems
