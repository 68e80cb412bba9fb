"""`test-connection` for a PowerOffice vendor: privileges, accounts and their VAT locks, required
departments and projects, and the lock date, as Problem values (settlement.domain.problems).

The judgements are small pure functions of what Go returned; `check_vendor()` fetches and combines.
A read refused with 403 becomes a problem naming the privilege rather than stopping the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from settlement.domain.chart import LedgerRow
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import N_, tr
from settlement.domain.vendors import Vendor
from settlement.targets.poweroffice.errors import ForbiddenError
from settlement.targets.poweroffice.payloads import NO_VAT, SUBLEDGERS, ledger_account
from settlement.targets.poweroffice.resolve import Resolver

# What posting needs, each as the privileges that satisfy it (the spec's "Auth roles").
NEEDED_PRIVILEGES = (
    (N_("posting vouchers"), ("ManualVoucher_Full",)),
    (N_("finding them again"), ("AccountTransaction", "AccountTransaction_Full")),
    (N_("reversing them"), ("YearEndVoucher_Full",)),
    (N_("attaching the report"), ("VoucherDocumentation_Full",)),
    (N_("reading the chart of accounts"), ("GeneralLedgerAccount", "GeneralLedgerAccount_Full")),
    (N_("reading VAT codes and the lock date"), ("CommonServices", "CommonServices_Full")),
)
# Ledger keys whose lines carry no VAT (VAT code 0); the others carry the VAT code of the sales data.
PLAIN_KEYS = frozenset({"settlement", "rounding", "tips", "gift_card", "difference"})


def _plain(key: str) -> bool:
    return key in PLAIN_KEYS or key.startswith("payment")


def privilege_problems(info: dict, vendor: Vendor) -> list[Problem]:
    """Privileges posting needs that the client's subscriptions do not give (InvalidPrivileges)."""
    valid = set(info.get("ValidPrivileges") or [])
    invalid = set(info.get("InvalidPrivileges") or [])
    needed = list(NEEDED_PRIVILEGES)
    if vendor.department:
        needed.append((N_("reading departments"), ("Department", "Department_Full")))
    if vendor.project:
        needed.append((N_("reading projects"), ("Project", "Project_Full")))
    problems = []
    for purpose, names in needed:
        if valid.intersection(names):
            continue
        named = [n for n in names if n in invalid] or list(names)
        problems.append(error(_lacks(named, purpose, info.get('ClientName')), ref=vendor.id))
    return problems


def _lacks(named: list[str], purpose: str, client: str | None) -> str:
    privilege = named[0] if named else ""
    for name in named[1:]:
        privilege = tr("{first} or {second}", first=privilege, second=name)
    return tr("the integration lacks the privilege {privilege} (for {purpose}) on {client}: activate it in "
              "PowerOffice Go", privilege=privilege, purpose=tr(purpose), client=client or tr("the client"))


def account_problems(vendor: Vendor, ledger: Mapping[str, LedgerRow], accounts: Mapping[int, dict],
                     contacts: Mapping[tuple[str, int], dict]) -> list[Problem]:
    """Every ledger account exists and is active, takes the VAT code our lines carry, and has the
    department or project it requires."""
    problems = []
    for key in sorted(ledger):
        row = ledger[key]
        fields = ledger_account(row.account)
        where = tr("ledger key {key} ({where})", key=key, where=row.where())
        sub = next(((f, n) for f, n in fields.items() if f != "AccountNo"), None)
        if sub is not None:
            if sub not in contacts:
                said = (tr("PowerOffice has no customer number {number} for {account}, {where}", number=sub[1],
                           account=row.account, where=where) if sub[0] == "CustomerAccountNo" else
                        tr("PowerOffice has no supplier number {number} for {account}, {where}", number=sub[1],
                           account=row.account, where=where))
                problems.append(error(said, ref=vendor.id))
            continue
        number = fields["AccountNo"]
        account = accounts.get(number)
        if account is None:
            problems.append(error(tr("account {account} is not in PowerOffice's chart of accounts, {where}",
                                     account=number, where=where), ref=vendor.id))
            continue
        if account.get("IsActive") is False:
            problems.append(error(tr("account {account} is not active in PowerOffice, {where}", account=number,
                                     where=where), ref=vendor.id))
        locked = account.get("VatCode") if account.get("IsVatCodeLocked") else None
        if locked is not None and _plain(key) and str(locked) != NO_VAT:
            problems.append(error(tr("account {account} is locked to VAT code {locked} in PowerOffice, but its lines "
                                     "carry no VAT (code {none}), {where}", account=number, locked=locked, none=NO_VAT,
                                     where=where), ref=vendor.id))
        elif locked is not None and not _plain(key):
            problems.append(warning(tr("account {account} is locked to VAT code {locked} in PowerOffice: only sales "
                                       "with that VAT code can be booked there, {where}", account=number,
                                       locked=locked, where=where), ref=vendor.id))
        if account.get("IsDepartmentRequired") and not vendor.department:
            problems.append(error(tr("account {account} requires a department in PowerOffice: set department for "
                                     "{vendor} in vendors.toml, {where}", account=number, vendor=vendor.id,
                                     where=where), ref=vendor.id))
        if account.get("IsProjectRequired") and not vendor.project:
            problems.append(error(tr("account {account} requires a project in PowerOffice: set project for "
                                     "{vendor} in vendors.toml, {where}", account=number, vendor=vendor.id,
                                     where=where), ref=vendor.id))
    return problems


def dimension_problem(kind: str, code: str | None, known: Mapping[str, dict], vendor: Vendor) -> list[Problem]:
    if not code:
        return []
    found = known.get(code)
    if found is None:
        listed = ", ".join(sorted(known)) or tr("none")
        said = (tr("PowerOffice has no department {code} (vendors.toml {vendor}); it has: {listed}", code=code,
                   vendor=vendor.id, listed=listed) if kind == "department" else
                tr("PowerOffice has no project {code} (vendors.toml {vendor}); it has: {listed}", code=code,
                   vendor=vendor.id, listed=listed))
        return [error(said, ref=vendor.id)]
    if found.get("IsActive") is False:
        said = (tr("department {code} is not active in PowerOffice", code=code) if kind == "department" else
                tr("project {code} is not active in PowerOffice", code=code))
        return [error(said, ref=vendor.id)]
    return []


def lock_date_problem(lock: date | None, enabled_since: date, vendor: Vendor) -> list[Problem]:
    if lock is None or lock < enabled_since:
        return []
    return [warning(tr("PowerOffice's lock date is {lock}, on or after enabled_since {enabled_since}: days up to "
                       "{lock} can neither be posted nor corrected until the lock date is moved back", lock=lock,
                       enabled_since=enabled_since), ref=vendor.id)]


def check_vendor(resolver: Resolver, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> list[Problem]:
    """Every check for one vendor; credential and network failures propagate."""
    client = resolver.client
    lacking = privilege_problems(client.client_information(), vendor)
    problems = list(lacking)
    try:
        numbers = {ledger_account(row.account)["AccountNo"] for row in ledger.values()}
        accounts = resolver.accounts(numbers)
        contacts: dict[tuple[str, int], dict] = {}
        for field in SUBLEDGERS.values():
            wanted = {ledger_account(r.account)[field] for r in ledger.values() if field in ledger_account(r.account)}
            if wanted:
                contacts.update({(field, n): c for n, c in resolver.contacts(field, wanted).items()})
        problems += account_problems(vendor, ledger, accounts, contacts)
        if NO_VAT not in resolver.vat_codes():
            problems.append(error(tr("PowerOffice has no VAT code {code} (no VAT handling) for lines without VAT",
                                     code=NO_VAT), ref=vendor.id))
        if vendor.department:
            problems += dimension_problem("department", vendor.department, resolver.departments(), vendor)
        if vendor.project:
            problems += dimension_problem("project", vendor.project, resolver.projects(), vendor)
        problems += lock_date_problem(client.lock_date(), vendor.enabled_since, vendor)
    except ForbiddenError as exc:
        if not lacking:  # a refused read is explained by the privilege already named
            problems.append(error(str(exc), ref=vendor.id))
    return problems
