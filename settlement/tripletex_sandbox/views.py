"""How the sandbox shows its objects in answers, and Tripletex's `fields` selection.

Without `fields`, an answer has the object's own properties and its references as {id, url}, as
Tripletex answers. `fields=id,number,postings(row,account(number))` picks properties and expands
references; `*` means every property.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from settlement.tripletex_sandbox.errors import bad_request
from settlement.tripletex_sandbox.state import Account, Company, Dimension, Period, Posting, VatType, Voucher

Tree = dict[str, "Tree | None"]


def kroner(ore: int) -> float | int:
    """øre as a JSON number of kroner; exact because its repr is the shortest round-tripping text."""
    value = Decimal(ore) / 100
    number = int(value) if value == value.to_integral_value() else float(value)
    assert Decimal(str(number)) == value
    return number


def parse_fields(text: str | None) -> Tree | None:
    """'id,postings(row,account(number))' → {"id": None, "postings": {"row": None, "account": {...}}}."""
    if not text:
        return None
    tree, stack, name = {}, [], ""
    current = tree
    for char in text.replace(" ", "") + ",":
        if char == "(":
            child: Tree = {}
            current[name] = child
            stack.append(current)
            current, name = child, ""
        elif char == ")":
            if name:
                current[name] = None
            if not stack:
                raise bad_request(f"Ugyldig fields-uttrykk: {text}")
            current, name = stack.pop(), ""
        elif char == ",":
            if name:
                current[name] = current.get(name)
            name = ""
        else:
            name += char
    if stack:
        raise bad_request(f"Ugyldig fields-uttrykk: {text}")
    return tree


def select(value: Any, tree: Tree | None, top: bool = True) -> Any:
    """The view narrowed to `tree` (None at the top: everything, references shortened)."""
    if isinstance(value, list):
        return [select(item, tree, top) for item in value]
    if not isinstance(value, dict):
        return value
    if tree is None:
        if not top:
            return {k: value[k] for k in ("id", "url") if k in value}
        return {k: select(v, None, False) for k, v in value.items() if v is not None}
    names = list(value) if "*" in tree else [n for n in tree if n in value]
    out = {}
    for name in names:
        if value[name] is None:  # Tripletex leaves out what is not set; the spec allows no null here
            continue
        sub = tree.get(name)
        item = value[name]
        if sub is None:
            out[name] = select(item, None, False) if isinstance(item, (dict, list)) else item
        else:
            out[name] = select(item, sub, False)
    return out


def _ref(kind: str, item_id: int | None, base_url: str, extra: dict | None = None) -> dict | None:
    if item_id is None:
        return None
    return {"id": item_id, "url": f"{base_url}/{kind}/{item_id}", **(extra or {})}


def vat_type_view(vat: VatType, base_url: str) -> dict:
    return {"id": vat.id, "version": 0, "url": f"{base_url}/ledger/vatType/{vat.id}", "name": vat.name,
            "number": vat.number, "displayName": f"{vat.number} {vat.name}", "percentage": float(vat.percentage)}


def account_view(company: Company, account: Account, base_url: str) -> dict:
    vat = company.vat_types.get(account.vat_type_id)
    return {
        "id": account.id, "version": 0, "url": f"{base_url}/ledger/account/{account.id}", "number": account.number,
        "numberPretty": str(account.number), "name": account.name, "displayName": f"{account.number} {account.name}",
        "ledgerType": account.ledger_type, "vatLocked": account.vat_locked,
        "vatType": vat_type_view(vat, base_url) if vat else None,
        "legalVatTypes": [vat_type_view(company.vat_types[i], base_url) for i in account.legal_vat_type_ids],
        "requiresDepartment": account.requires_department, "requiresProject": account.requires_project,
        "isInactive": account.inactive,
    }


def dimension_view(kind: str, item: Dimension, base_url: str) -> dict:
    base = {"id": item.id, "version": 0, "url": f"{base_url}/{kind}/{item.id}", "name": item.name}
    if kind == "department":
        return {**base, "departmentNumber": item.number, "displayName": f"{item.number} {item.name}",
                "isInactive": item.inactive}
    if kind == "project":
        return {**base, "number": item.number, "displayName": f"{item.number} {item.name}", "isClosed": item.inactive}
    if kind == "customer":
        return {**base, "customerNumber": int(item.number), "isCustomer": True, "isInactive": item.inactive}
    if kind == "supplier":
        return {**base, "supplierNumber": int(item.number), "isSupplier": True, "isInactive": item.inactive}
    return {**base, "displayName": item.name}  # ledger/voucherType


def period_view(period: Period, base_url: str) -> dict:
    return {"id": period.id, "version": 0, "url": f"{base_url}/ledger/accountingPeriod/{period.id}",
            "name": period.name, "number": period.number, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "isClosed": period.closed}


def posting_view(company: Company, posting: Posting, voucher: Voucher, base_url: str) -> dict:
    account = company.accounts[posting.account_id]
    vat = company.vat_types.get(posting.vat_type_id) if posting.vat_type_id else None
    view = {
        "id": posting.id, "version": 0, "url": f"{base_url}/ledger/posting/{posting.id}",
        "voucher": _ref("ledger/voucher", voucher.id, base_url), "date": posting.date.isoformat(),
        "description": posting.description, "account": account_view(company, account, base_url),
        "amount": kroner(posting.net), "amountCurrency": kroner(posting.net),
        "amountGross": kroner(posting.gross), "amountGrossCurrency": kroner(posting.gross),
        "vatType": vat_type_view(vat, base_url) if vat else None, "row": posting.row,
        "systemGenerated": posting.system_generated,
    }
    for name, bucket, item_id in (("department", company.departments, posting.department_id),
                                  ("project", company.projects, posting.project_id),
                                  ("customer", company.customers, posting.customer_id),
                                  ("supplier", company.suppliers, posting.supplier_id)):
        view[name] = dimension_view(name, bucket[item_id], base_url) if item_id else None
    return view


def voucher_view(company: Company, voucher: Voucher, base_url: str) -> dict:
    attachment = voucher.attachment
    number = f"{voucher.number}-{voucher.year}" if voucher.number else ""
    return {
        "id": voucher.id, "version": voucher.version, "url": f"{base_url}/ledger/voucher/{voucher.id}",
        "date": voucher.date.isoformat(), "number": voucher.number or 0, "tempNumber": voucher.temp_number or 0,
        "year": voucher.year or voucher.date.year, "description": voucher.description,
        "voucherType": (dimension_view("ledger/voucherType", company.voucher_types[voucher.voucher_type_id], base_url)
                        if voucher.voucher_type_id else None),
        "reverseVoucher": _ref("ledger/voucher", voucher.reverse_voucher_id, base_url),
        "postings": [posting_view(company, p, voucher, base_url) for p in voucher.postings],
        "attachment": (None if attachment is None else
                       {"id": attachment.id, "url": f"{base_url}/document/{attachment.id}",
                        "fileName": attachment.filename, "size": len(attachment.data), "mimeType": attachment.mime_type}),
        "externalVoucherNumber": voucher.external_number,
        "displayName": f"{number} {voucher.description}".strip(), "numberAsString": number,
    }
