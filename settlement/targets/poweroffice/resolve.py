"""Turning the numbers in a rendered body into PowerOffice's internal ids, looked up once per run.

A `Resolver` belongs to one target (one credential, one run): the chart, the VAT codes, the
departments, projects and sub-ledger contacts are read on first need and kept. A number Go does not
know is refused here, naming the voucher line, rather than sent to be refused by Go.
"""

from __future__ import annotations

from settlement.domain.text import N_, tr
from settlement.targets.poweroffice.client import PowerOfficeClient
from settlement.targets.poweroffice.errors import ValidationError
from settlement.targets.poweroffice.line_errors import describe_line

# The rendered fields and the ids they become.
_NUMBER_FIELDS = ("AccountNo", "CustomerAccountNo", "SupplierAccountNo", "VatCode", "DepartmentCode", "ProjectCode")


class Resolver:
    """Ids by number for one client, cached for the life of the object."""

    def __init__(self, client: PowerOfficeClient):
        self.client = client
        self._accounts: dict[int, dict] = {}
        self._vat: dict[str, dict] | None = None
        self._departments: dict[str, dict] | None = None
        self._projects: dict[str, dict] | None = None
        self._contacts: dict[tuple[str, int], dict] = {}

    # --- lookups ----------------------------------------------------------------------------------

    def accounts(self, numbers: set[int]) -> dict[int, dict]:
        """GeneralLedgerAccountDto by AccountNo for these numbers (absent: Go has no such account)."""
        missing = numbers - set(self._accounts)
        if missing:
            for account in self.client.accounts(missing):
                self._accounts[int(account["AccountNo"])] = account
        return {n: self._accounts[n] for n in numbers if n in self._accounts}

    def vat_codes(self) -> dict[str, dict]:
        if self._vat is None:
            self._vat = {str(v.get("Code")): v for v in self.client.vat_codes()}
        return self._vat

    def departments(self) -> dict[str, dict]:
        if self._departments is None:
            self._departments = {str(d.get("Code")): d for d in self.client.departments()}
        return self._departments

    def projects(self) -> dict[str, dict]:
        if self._projects is None:
            self._projects = {str(p.get("Code")): p for p in self.client.projects()}
        return self._projects

    def contacts(self, field: str, numbers: set[int]) -> dict[int, dict]:
        """Customers (CustomerAccountNo) or suppliers (SupplierAccountNo) by their Number."""
        missing = {n for n in numbers if (field, n) not in self._contacts}
        if missing:
            found = self.client.customers(missing) if field == "CustomerAccountNo" else self.client.suppliers(missing)
            for contact in found:
                self._contacts[(field, int(contact["Number"]))] = contact
        return {n: self._contacts[(field, n)] for n in numbers if (field, n) in self._contacts}

    # --- the body ---------------------------------------------------------------------------------

    def resolve(self, body: dict) -> dict:
        """The body with every number replaced by its id; ValidationError naming the line otherwise."""
        lines = body.get("VoucherLines") or []
        accounts = self.accounts({int(line["AccountNo"]) for line in lines})
        resolved = []
        for i, line in enumerate(lines):
            out = {k: v for k, v in line.items() if k not in _NUMBER_FIELDS}
            out["AccountId"] = self._account_id(i, line, accounts)
            out["VatId"] = self._id(i, line, "VatCode", self.vat_codes(), N_("PowerOffice has no VAT code {code}"))
            if "DepartmentCode" in line:
                out["DepartmentId"] = self._id(i, line, "DepartmentCode", self.departments(),
                                               N_("PowerOffice has no department {code}"))
            if "ProjectCode" in line:
                out["ProjectId"] = self._id(i, line, "ProjectCode", self.projects(), N_("PowerOffice has no project {code}"))
            resolved.append(out)
        return {**body, "VoucherLines": resolved}

    def _refuse(self, i: int, line: dict, what: str) -> ValidationError:
        return ValidationError(f"{describe_line(i, line)}: {what}")

    def _account_id(self, i: int, line: dict, accounts: dict[int, dict]) -> int:
        number = int(line["AccountNo"])
        for field in ("CustomerAccountNo", "SupplierAccountNo"):
            if field in line:
                contacts = self.contacts(field, {int(line[field])})
                contact = contacts.get(int(line[field]))
                if contact is None:
                    what = (tr("PowerOffice has no customer number {number}", number=line[field])
                            if field == "CustomerAccountNo" else
                            tr("PowerOffice has no supplier number {number}", number=line[field]))
                    raise self._refuse(i, line, what)
                return int(contact["Id"])
        account = accounts.get(number)
        if account is None:
            raise self._refuse(i, line, tr("account {account} is not in PowerOffice's chart of accounts", account=number))
        return int(account["Id"])

    def _id(self, i: int, line: dict, field: str, known: dict[str, dict], what: str) -> int:
        found = known.get(str(line[field]))
        if found is None:
            raise self._refuse(i, line, tr(what, code=line[field]))
        return int(found["Id"])
