"""From the numbers people know to Tripletex's internal ids, looked up once per target (per run).

A rendered body names accounts by number, VAT types by code, departments, projects, customers and
suppliers by their numbers; Tripletex wants `{"id": …}` everywhere (tripletex-api.md §2, FAQ
"Object not found"). `Reference` fetches each list once, on first need, and `resolve_body` rewrites a
body. A sub-ledger reference follows the account's real ledgerType: on a GENERAL account the
customer/supplier number is dropped (the plain account is booked), on a CUSTOMER account it names a
customer, on a VENDOR account a supplier.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from settlement.domain.text import tr
from settlement.targets.tripletex.client import TripletexClient


class UnknownReference(Exception):
    """A number in the body that the company does not have; `index` is the posting's index."""

    def __init__(self, index: int, field: str, message: str):
        super().__init__(message)
        self.index, self.field, self.message = index, field, message


class Reference:
    """The company's accounts, VAT types and dimensions by number (each list fetched once)."""

    def __init__(self, client: TripletexClient):
        self.client = client
        self._lock = threading.Lock()
        self._cache: dict[str, dict[Any, dict]] = {}

    def _table(self, name: str) -> dict[Any, dict]:
        with self._lock:
            if name not in self._cache:
                if name == "accounts":
                    table = {a["number"]: a for a in self.client.accounts()}
                elif name == "vat_types":
                    table = {str(v["number"]): v for v in self.client.vat_types()}
                elif name == "departments":
                    table = {str(d.get("departmentNumber")): d for d in self.client.departments()}
                elif name == "projects":
                    table = {str(p.get("number")): p for p in self.client.projects()}
                elif name == "customers":
                    table = {str(c.get("customerNumber")): c for c in self.client.customers()}
                else:
                    table = {str(s.get("supplierNumber")): s for s in self.client.suppliers()}
                self._cache[name] = table
            return self._cache[name]

    def account(self, number: int) -> dict | None:
        return self._table("accounts").get(number)

    def vat_type(self, code: str) -> dict | None:
        return self._table("vat_types").get(code)

    def department(self, number: str) -> dict | None:
        return self._table("departments").get(number)

    def project(self, number: str) -> dict | None:
        return self._table("projects").get(number)

    def customer(self, number: str) -> dict | None:
        return self._table("customers").get(number)

    def supplier(self, number: str) -> dict | None:
        return self._table("suppliers").get(number)


def _sub_ledger_number(posting: dict) -> str | None:
    for name, key in (("customer", "customerNumber"), ("supplier", "supplierNumber")):
        if name in posting:
            return str(posting[name][key])
    return None


def resolve_body(body: dict, ref: Reference) -> dict:
    """A copy of `body` with every number replaced by the id; UnknownReference for the first miss."""
    resolved = copy.deepcopy(body)
    for index, posting in enumerate(resolved["postings"]):
        number = posting["account"]["number"]
        account = ref.account(number)
        if account is None:
            raise UnknownReference(index, "account", tr("account {account} does not exist in Tripletex", account=number))
        posting["account"] = {"id": account["id"]}
        sub = _sub_ledger_number(posting)
        posting.pop("customer", None)
        posting.pop("supplier", None)
        ledger_type = account.get("ledgerType") or "GENERAL"
        if ledger_type in ("CUSTOMER", "VENDOR"):
            kind = "customer" if ledger_type == "CUSTOMER" else "supplier"
            if sub is None:
                raise UnknownReference(index, kind, tr(
                    "account {account} is a customer ledger in Tripletex; write the account as "
                    "{account}:<customer number> in the ledger file", account=number) if kind == "customer" else tr(
                    "account {account} is a supplier ledger in Tripletex; write the account as "
                    "{account}:<supplier number> in the ledger file", account=number))
            item = ref.customer(sub) if kind == "customer" else ref.supplier(sub)
            if item is None:
                raise UnknownReference(index, kind, tr("customer {number} does not exist in Tripletex", number=sub)
                                       if kind == "customer" else
                                       tr("supplier {number} does not exist in Tripletex", number=sub))
            posting[kind] = {"id": item["id"]}
        code = posting["vatType"]["number"]
        vat = ref.vat_type(code)
        if vat is None:
            raise UnknownReference(index, "vatType", tr("VAT code {code} does not exist in Tripletex", code=code))
        posting["vatType"] = {"id": vat["id"]}
        if "department" in posting:
            number = posting["department"]["departmentNumber"]
            item = ref.department(number)
            if item is None:
                raise UnknownReference(index, "department", tr("department {number} does not exist in Tripletex",
                                                                     number=number))
            posting["department"] = {"id": item["id"]}
        if "project" in posting:
            number = posting["project"]["number"]
            item = ref.project(number)
            if item is None:
                raise UnknownReference(index, "project", tr("project {number} does not exist in Tripletex",
                                                                  number=number))
            posting["project"] = {"id": item["id"]}
    return resolved
