"""`test-connection` as values: is the credential good, and is each vendor's company ready?

The judgements (missing accounts, start date, foreign bookings) are pure functions of what Fiken
returned and what the configuration says; `check_connection()` only fetches and combines them. The
CLI prints the resulting `ConnectionReport`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from settlement.domain.chart import LedgerRow
from settlement.domain.text import N_, ntr, show, tr
from settlement.targets.fiken.client import Company, FikenClient, FikenUser
from settlement.targets.fiken.errors import (
    AuthenticationError,
    FikenConnectionError,
    FikenError,
    ForbiddenError,
    ModuleNotActive,
    NotFoundError,
)
from settlement.targets.fiken.markers import is_ours
from settlement.domain.vendors import Vendor

# How many foreign bookings are listed by name; the rest are counted.
SHOWN_EXAMPLES = 5
# The names of the checks that are also said when skipped (tr where a check is made).
ACCOUNTS_CHECK = N_("every ledger account exists in Fiken's chart of accounts")
FOREIGN_CHECK = N_("no bookings from others")


class Status(str, Enum):
    OK = "OK"
    FAILED = "FAILED"
    WARNING = "WARNING"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: what was checked, the outcome, why, and optional detail lines."""

    name: str
    status: Status
    reason: str = ""
    details: tuple[str, ...] = ()


@dataclass
class VendorReport:
    vendor: Vendor
    company: Company | None = None
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class ConnectionReport:
    """The whole run: who we are connected as (or why not), and one report per vendor."""

    user: FikenUser | None
    failure: str | None = None
    vendors: list[VendorReport] = field(default_factory=list)

    def passed(self, strict: bool = False) -> bool:
        """True when the credential works and every check is OK (warnings fail only when strict)."""
        if self.failure or self.user is None:
            return False
        allowed = {Status.OK} if strict else {Status.OK, Status.WARNING}
        return all(c.status in allowed for v in self.vendors for c in v.checks)


# --- pure judgements ----------------------------------------------------------------------------

def missing_accounts(ledger: Mapping[str, LedgerRow], codes: Iterable[str]) -> list[LedgerRow]:
    """Ledger rows whose account is not among the company's account codes, in key order."""
    known = {str(c).strip() for c in codes}
    return [ledger[k] for k in sorted(ledger) if ledger[k].account not in known]


def accounts_check(ledger: Mapping[str, LedgerRow], codes: Iterable[str]) -> CheckResult:
    name = tr(ACCOUNTS_CHECK)
    missing = missing_accounts(ledger, codes)
    if not missing:
        return CheckResult(name, Status.OK, ntr("{n} ledger keys", "{n} ledger keys", len(ledger)))
    lines = tuple(tr("missing account {account} (ledger key {key}, {where})", account=r.account, key=r.key,
                     where=r.where()) for r in missing)
    return CheckResult(name, Status.FAILED,
                       ntr("{n} account(s) missing in Fiken", "{n} account(s) missing in Fiken", len(missing)), lines)


def api_access_check(company: Company) -> CheckResult:
    name = tr("API module active (hasApiAccess)")
    if company.has_api_access:
        return CheckResult(name, Status.OK)
    return CheckResult(
        name, Status.FAILED,
        tr("the API module is not active for {company}: activate it in Fiken under "
           "Innstillinger › Tilleggstjenester › API", company=company.slug),
    )


def start_date_check(enabled_since: date, accounting_start: date | None) -> CheckResult:
    name = tr("enabled_since is not before the company's accounting start")
    if accounting_start is None:
        return CheckResult(name, Status.WARNING, tr("Fiken did not report accountingStartDate; not checked"))
    if enabled_since < accounting_start:
        return CheckResult(
            name, Status.FAILED,
            tr("enabled_since {enabled_since} is before the accounting start {start}; "
               "Fiken cannot book days before it (move enabled_since in vendors.toml)",
               enabled_since=enabled_since, start=accounting_start),
        )
    return CheckResult(name, Status.OK, f"{show(enabled_since)} ≥ {show(accounting_start)}")


def foreign_bookings(journal_entries: Iterable[dict], sales: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """Journal entries and sales this job did not make (no settlement marker).

    Fiken books every sale as journal entries too, with Fiken's own descriptions. Such an entry is
    judged with its sale: ours when the sale is ours, and otherwise reported once, as the sale.
    """
    sales = [s for s in sales if not s.get("deleted")]
    sale_transactions = {s.get("transactionId") for s in sales} - {None}
    entries = [
        e for e in journal_entries
        if not is_ours(e.get("description")) and e.get("transactionId") not in sale_transactions
    ]
    return entries, [s for s in sales if not is_ours(s.get("saleNumber"))]


def foreign_check(enabled_since: date, journal_entries: Iterable[dict], sales: Iterable[dict]) -> CheckResult:
    name = tr("no bookings from others dated on or after enabled_since {enabled_since}", enabled_since=enabled_since)
    entries, foreign_sales = foreign_bookings(journal_entries, sales)
    if not entries and not foreign_sales:
        return CheckResult(name, Status.OK)
    examples = [
        tr("journal entry {number} on {day}: {description!r}", number=e.get('journalEntryNumber') or e.get('journalEntryId'),
           day=_day(e.get('date')), description=e.get('description', ''))
        for e in entries
    ] + [tr("sale {number} on {day}", number=s.get('saleNumber') or s.get('saleId'), day=_day(s.get('date')))
         for s in foreign_sales]
    shown = tuple(examples[:SHOWN_EXAMPLES])
    if len(examples) > SHOWN_EXAMPLES:
        shown += (tr("... and {count} more", count=len(examples) - SHOWN_EXAMPLES),)
    held = ntr("{n} journal entry", "{n} journal entries", len(entries))
    return CheckResult(
        name, Status.WARNING,
        tr("Fiken already holds {entries} and {sales} sale(s) on or after {enabled_since} that settlement did not "
           "create: risk of booking the same days twice",
           entries=held, sales=len(foreign_sales), enabled_since=enabled_since),
        shown,
    )


def _day(value):
    """Fiken's ISO date as a date (shown the language's way), or the value as it came."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def project_check(project_id: int, projects: Iterable[dict] | None, slug: str) -> CheckResult:
    """The vendor's fiken_project exists in the company (None: the project module is not active)."""
    name = tr("project {project} exists", project=project_id)
    if projects is None:
        return CheckResult(
            name, Status.FAILED,
            tr("the project module is not active for {company} (402), but vendors.toml sets fiken_project; "
               "activate it in Fiken or remove fiken_project", company=slug),
        )
    found = next((p for p in projects if p.get("projectId") == project_id), None)
    if found is None:
        known = ", ".join(f"{p.get('projectId')} ({p.get('name')})" for p in projects) or tr("none")
        return CheckResult(name, Status.FAILED, tr("no project {project} in {company}; it has: {known}",
                                                   project=project_id, company=slug, known=known))
    if found.get("completed"):
        return CheckResult(name, Status.WARNING, tr("project {project} ({name}) is marked completed",
                                                    project=project_id, name=found.get("name")))
    return CheckResult(name, Status.OK, str(found.get("name") or ""))


def describe_failure(exc: FikenError, base_url: str) -> str:
    """A plain-words cause for a failure that stops all checks."""
    if isinstance(exc, FikenConnectionError):
        return tr("cannot reach Fiken at {url}: {cause}", url=base_url,
                  cause=exc.message.removeprefix(tr("cannot reach {ledger}: {cause}", ledger="Fiken", cause="")))
    if isinstance(exc, AuthenticationError):
        return exc.message
    return str(exc)


# --- fetching and combining -----------------------------------------------------------------------

def _find_company(client: FikenClient, slug: str) -> tuple[Company | None, CheckResult]:
    name = tr("token works and company reachable")
    try:
        company = client.company(slug)
    except NotFoundError:
        known = ", ".join(sorted(c.slug for c in client.companies())) or tr("none")
        return None, CheckResult(
            name, Status.FAILED,
            tr("unknown company slug {slug!r}: this credential reaches {known} (fix fiken_company in vendors.toml)",
               slug=slug, known=known),
        )
    except ForbiddenError as exc:
        # Without the API module Fiken refuses company endpoints; the list still shows the company.
        listed = {c.slug: c for c in client.companies()}
        if slug in listed:
            return listed[slug], CheckResult(name, Status.OK, tr("listed, but {why}", why=exc.message))
        return None, CheckResult(name, Status.FAILED, tr("access to {slug!r} refused: {why}", slug=slug, why=exc))
    return company, CheckResult(name, Status.OK)


def check_vendor(client: FikenClient, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> VendorReport:
    """Run every check for one vendor; authentication and network failures propagate."""
    report = VendorReport(vendor)
    company, reachable = _find_company(client, vendor.fiken_company)
    report.company = company
    report.checks.append(reachable)
    if company is None:
        return report
    access = api_access_check(company)
    report.checks.append(access)
    report.checks.append(start_date_check(vendor.enabled_since, company.accounting_start_date))
    if access.status is not Status.OK:
        for name in (ACCOUNTS_CHECK, FOREIGN_CHECK):
            report.checks.append(CheckResult(tr(name), Status.SKIPPED, tr("needs the API module")))
        return report
    try:
        codes = [a.get("code", "") for a in client.accounts(company.slug)]
        report.checks.append(accounts_check(ledger, codes))
        entries = client.journal_entries(company.slug, start=vendor.enabled_since)
        sales = client.sales(company.slug, start=vendor.enabled_since)
        report.checks.append(foreign_check(vendor.enabled_since, entries, sales))
        if vendor.fiken_project is not None:
            try:
                projects: list[dict] | None = client.projects(company.slug)
            except ModuleNotActive:
                projects = None
            report.checks.append(project_check(vendor.fiken_project, projects, company.slug))
    except (ModuleNotActive, ForbiddenError) as exc:
        report.checks.append(CheckResult(tr("reading accounts and bookings"), Status.FAILED, str(exc)))
    return report


def check_connection(
    client: FikenClient, vendors: Iterable[Vendor], ledgers: Mapping[str, Mapping[str, LedgerRow]]
) -> ConnectionReport:
    """Who the credential is, then every vendor's checks; stops at the first credential/network failure."""
    try:
        report = ConnectionReport(client.user())
    except FikenError as exc:
        return ConnectionReport(None, describe_failure(exc, client.base_url))
    for vendor in vendors:
        try:
            report.vendors.append(check_vendor(client, vendor, ledgers[vendor.id]))
        except FikenError as exc:
            report.failure = tr("vendor {vendor}: {why}", vendor=vendor.id, why=describe_failure(exc, client.base_url))
            break
    return report
