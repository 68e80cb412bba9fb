"""Request-body checks in the spirit of Fiken's: schema violations, unknown and read-only fields → 400.

The schemas are written out here (the sandbox must not read the OpenAPI file at runtime). A field spec
is a Field(kind, ...); objects are dicts name → Field. `check` collects every problem in a body and
raises one ApiError(400) listing them all, each naming the field path (e.g. journalEntries[0].lines[1].amount).
Null values are treated as absent for optional and read-only fields: Fiken.py sends nulls for every unset
field and Fiken accepted that live (fiken-api.md §1.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from settlement.fiken_sandbox.errors import ApiError

ACCOUNT_RE = re.compile(r"^\d{4}(:\d{5})?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Field:
    """kind: "string" | "integer" | "boolean" | "date" | "object" | "array"."""

    kind: str
    required: bool = False
    read_only: bool = False
    max_length: int | None = None
    items: "Field | None" = None  # for arrays
    properties: dict[str, "Field"] = field(default_factory=dict)  # for objects
    enum: tuple[str, ...] | None = None
    pattern: re.Pattern | None = None
    min_items: int = 0


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string" or kind == "date":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    raise AssertionError(kind)


def _check(value: Any, spec: Field, path: str, problems: list[str]) -> None:
    if not _type_ok(spec.kind, value):
        problems.append(f"{path}: expected {spec.kind}, got {type(value).__name__} {value!r}"[:300])
        return
    if spec.kind == "date":
        try:
            if len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            problems.append(f"{path}: {value!r} is not a date yyyy-MM-dd")
    if spec.max_length is not None and len(value) > spec.max_length:
        problems.append(f"{path}: longer than {spec.max_length} characters")
    if spec.enum is not None and value not in spec.enum:
        problems.append(f"{path}: {value!r} is not one of {', '.join(spec.enum)}")
    if spec.pattern is not None and not spec.pattern.match(value):
        problems.append(f"{path}: {value!r} does not match {spec.pattern.pattern}")
    if spec.kind == "array":
        if len(value) < spec.min_items:
            problems.append(f"{path}: needs at least {spec.min_items} item(s)")
        for i, item in enumerate(value):
            _check(item, spec.items, f"{path}[{i}]", problems)
    if spec.kind == "object":
        check_object(value, spec.properties, path, problems)


def check_object(value: dict, properties: dict[str, Field], path: str, problems: list[str]) -> None:
    prefix = f"{path}." if path else ""
    for name, item in value.items():
        spec = properties.get(name)
        if spec is None:
            problems.append(f"{prefix}{name}: unrecognized field")
        elif spec.read_only:
            if item not in (None, []):
                problems.append(f"{prefix}{name}: read-only field")
        elif item is None:
            if spec.required:
                problems.append(f"{prefix}{name}: required, must not be null")
        else:
            _check(item, spec, f"{prefix}{name}", problems)
    for name, spec in properties.items():
        if spec.required and name not in value:
            problems.append(f"{prefix}{name}: required field missing")


def check(body: Any, properties: dict[str, Field], what: str) -> None:
    """Raise ApiError(400) listing every schema problem of a JSON request body."""
    problems: list[str] = []
    if not isinstance(body, dict):
        problems.append(f"{what}: the body must be a JSON object")
    else:
        check_object(body, properties, "", problems)
    raise_problems(problems)


def raise_problems(problems: list[str]) -> None:
    if problems:
        raise ApiError(400, "; ".join(problems))


# --- generalJournalEntryRequest (fiken-openapi.yaml components/schemas) --------------------------

JOURNAL_ENTRY_LINE = {
    "amount": Field("integer", required=True),
    "debitAccount": Field("string"),
    "debitVatCode": Field("integer"),
    "creditAccount": Field("string"),
    "creditVatCode": Field("integer"),
    "account": Field("string", read_only=True),
    "vatCode": Field("string", read_only=True),
    "projectId": Field("array", read_only=True),
    "lastModifiedDate": Field("date", read_only=True),
}
JOURNAL_ENTRY = {
    "description": Field("string", required=True, max_length=200),
    "date": Field("date", required=True),
    "lines": Field("array", required=True, min_items=1,
                   items=Field("object", properties=JOURNAL_ENTRY_LINE)),
    **{name: Field("integer", read_only=True) for name in
       ("journalEntryId", "transactionId", "offsetTransactionId", "journalEntryNumber")},
    "createdDate": Field("date", read_only=True),
    "lastModifiedDate": Field("date", read_only=True),
    "attachments": Field("array", read_only=True),
}
GENERAL_JOURNAL_ENTRY_REQUEST = {
    "description": Field("string", max_length=200),
    "open": Field("boolean"),
    "journalEntries": Field("array", required=True, min_items=1,
                            items=Field("object", properties=JOURNAL_ENTRY)),
}

# --- saleRequest ----------------------------------------------------------------------------------

SALE_VAT_TYPES = ("NONE", "HIGH", "MEDIUM", "RAW_FISH", "LOW", "EXEMPT_IMPORT_EXPORT", "EXEMPT",
                  "OUTSIDE", "EXEMPT_REVERSE")
ORDER_LINE = {
    "description": Field("string", required=True, max_length=200),
    "netPrice": Field("integer"),
    "vat": Field("integer"),
    "account": Field("string"),
    "vatType": Field("string", required=True, enum=SALE_VAT_TYPES),
    "netPriceInCurrency": Field("integer"),
    "vatInCurrency": Field("integer"),
    "projectId": Field("integer"),
}
SALE_REQUEST = {
    "saleNumber": Field("string"),
    "date": Field("date", required=True),
    "kind": Field("string", required=True, enum=("cash_sale", "invoice", "external_invoice")),
    "paid": Field("boolean", required=True),
    "totalPaid": Field("integer"),
    "totalPaidInCurrency": Field("integer"),
    "lines": Field("array", required=True, min_items=1, items=Field("object", properties=ORDER_LINE)),
    "customerId": Field("integer"),
    "currency": Field("string", required=True, pattern=CURRENCY_RE),
    "dueDate": Field("date"),
    "kid": Field("string"),
    "paymentAccount": Field("string"),
    "paymentDate": Field("date"),
    "paymentFee": Field("integer"),
    "projectId": Field("integer"),
}
