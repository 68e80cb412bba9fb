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
from settlement.domain.vendors import Vendor
from settlement.targets.tripletex.client import TripletexClient
from settlement.targets.tripletex.payloads import NO_VAT, account_refs
from settlement.targets.tripletex.resolve import Reference

VAT_FREE_KEYS = frozenset({"settlement", "rounding", "tips", "gift_card", "difference"})
# How far ahead closed periods are looked for.
HORIZON_DAYS = 400


def _vat_free(key: str) -> bool:
    return key in VAT_FREE_KEYS or key.startswith("payment_")


def _numbers(items: list[dict] | None) -> list[str]:
    return [str(i.get("number")) for i in items or [] if i.get("number") is not None]


def account_problems(row: LedgerRow, account: dict | None, vendor: Vendor, ref: Reference,
                     vat_by_id: dict[int, str]) -> list[Problem]:
    """What is wrong with one ledger row's account for this vendor (pure given the lookups)."""
    where = {"file": row.file, "line": row.line, "ref": vendor.id}
    number = account_refs(row.account)["account"]["number"]
    if account is None:
        return [error(f"Tripletex: account {number} (key {row.key}) does not exist", **where)]
    problems = []
    if account.get("isInactive"):
        problems.append(error(f"Tripletex: account {number} (key {row.key}) is inactive", **where))
    locked = (account.get("vatType") or {}).get("number") or vat_by_id.get((account.get("vatType") or {}).get("id"))
    legal = _numbers(account.get("legalVatTypes"))
    if _vat_free(row.key):
        if account.get("vatLocked") and str(locked) != NO_VAT:
            problems.append(error(f"Tripletex: account {number} (key {row.key}) is VAT-locked to code {locked}; "
                                  f"its lines carry no VAT (code {NO_VAT})", **where))
        elif legal and NO_VAT not in legal:
            problems.append(error(f"Tripletex: account {number} (key {row.key}) accepts VAT codes "
                                  f"{', '.join(legal)} only; its lines carry code {NO_VAT}", **where))
    elif account.get("vatLocked"):
        problems.append(warning(f"Tripletex: account {number} (key {row.key}) is VAT-locked to code {locked}: "
                                "lines with another VAT code will be refused", **where))
    elif legal:
        problems.append(warning(f"Tripletex: account {number} (key {row.key}) accepts VAT codes {', '.join(legal)} "
                                "only", **where))
    if account.get("requiresDepartment") and not vendor.department:
        problems.append(error(f"Tripletex: account {number} (key {row.key}) requires a department: set "
                              f"department for vendor {vendor.id} in vendors.toml", **where))
    if account.get("requiresProject") and not vendor.project:
        problems.append(error(f"Tripletex: account {number} (key {row.key}) requires a project: set "
                              f"project for vendor {vendor.id} in vendors.toml", **where))
    ledger_type = account.get("ledgerType") or "GENERAL"
    sub = row.account.partition(":")[2]
    if ledger_type in ("CUSTOMER", "VENDOR"):
        kind = "customer" if ledger_type == "CUSTOMER" else "supplier"
        if not sub:
            problems.append(error(f"Tripletex: account {number} (key {row.key}) is a {kind} ledger: write it as "
                                  f"{number}:<{kind} number>", **where))
        elif (ref.customer(sub) if kind == "customer" else ref.supplier(sub)) is None:
            problems.append(error(f"Tripletex: {kind} {sub} (key {row.key}, account {row.account}) does not exist",
                                  **where))
    elif sub:
        problems.append(warning(f"Tripletex: {row.account} (key {row.key}) is booked on the plain account "
                                f"{number} (a sub-account is Fiken's form)", **where))
    return problems


def check_vendor(client: TripletexClient, ref: Reference, vendor: Vendor,
                 ledger: Mapping[str, LedgerRow]) -> list[Problem]:
    """Every problem of one vendor's configuration in its Tripletex company."""
    problems: list[Problem] = []
    if vendor.department and ref.department(vendor.department) is None:
        problems.append(error(f"Tripletex: department {vendor.department} of vendor {vendor.id} does not exist",
                              ref=vendor.id))
    if vendor.project and ref.project(vendor.project) is None:
        problems.append(error(f"Tripletex: project {vendor.project} of vendor {vendor.id} does not exist",
                              ref=vendor.id))
    vat_by_id = {}
    for key in sorted(ledger):
        row = ledger[key]
        account = ref.account(account_refs(row.account)["account"]["number"])
        problems += account_problems(row, account, vendor, ref, vat_by_id)
    start = vendor.enabled_since.replace(day=1)
    for period in client.accounting_periods(start, vendor.enabled_since + timedelta(days=HORIZON_DAYS)):
        if period.get("isClosed") and date.fromisoformat(period["end"]) > vendor.enabled_since:
            problems.append(error(f"Tripletex: accounting period {period.get('name')} ({period.get('start')} to "
                                  f"{period.get('end')}) is closed, but vendor {vendor.id} settles from "
                                  f"{vendor.enabled_since.isoformat()}: its days cannot be posted or corrected",
                                  ref=vendor.id))
    return problems
