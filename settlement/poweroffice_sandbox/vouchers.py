"""Posting a manual voucher and reversing it, as Go does (poweroffice-api.md §2, §4, §8).

Every rule is checked before anything is stored, so a refused voucher leaves no trace. Amounts come
in as JSON numbers (parsed as Decimal, never float) and are kept in øre.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from settlement.poweroffice_sandbox.errors import ApiProblem, invalid, not_found
from settlement.poweroffice_sandbox.state import Client, Line, Voucher

DESCRIPTION_LIMIT = 255  # UNCERTAIN: Go's limit is not documented


def ore_of(value: Any, field: str) -> int:
    """Øre from a JSON number with at most two decimals (NOK)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise invalid("must be a number", field)
    try:
        ore = Decimal(value) * 100
        if ore != ore.to_integral_value():
            raise invalid("NOK amounts have at most two decimals", field)
    except InvalidOperation:
        raise invalid("is not a valid amount", field) from None
    return int(ore)


def vat_in_gross(gross_ore: int, rate: Decimal, rounding: str = ROUND_HALF_UP) -> int:
    """The VAT inside a gross amount, as Go is assumed to compute it: gross × r / (1 + r), rounded to
    the øre half away from zero (UNCERTAIN), with the gross amount's sign."""
    magnitude = (Decimal(abs(gross_ore)) * rate / (1 + rate)).quantize(Decimal(1), rounding=rounding)
    return int(magnitude) if gross_ore >= 0 else -int(magnitude)


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise invalid("is required and must be a date (YYYY-MM-DD)", field)
    try:
        # Go's model binder also takes a date-time; the date part is what counts.
        return date.fromisoformat(value[:10])
    except ValueError:
        raise invalid(f"{value!r} is not a valid date", field) from None


def _id(value: Any, field: str, required: bool) -> int | None:
    if value is None:
        if required:
            raise invalid("is required", field)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("must be an integer id", field)
    return value


def _line(client: Client, raw: Any, i: int, lock: date, line_id: int) -> Line:
    where = f"VoucherLines[{i}]"
    if not isinstance(raw, dict):
        raise invalid("must be an object", where)
    account_id = _id(raw.get("AccountId"), f"{where}.AccountId", True)
    posting_date = _date(raw.get("PostingDate"), f"{where}.PostingDate")
    vat_id = _id(raw.get("VatId"), f"{where}.VatId", True)
    amount = raw.get("CurrencyAmount")
    if amount is None:
        raise invalid("is required", f"{where}.CurrencyAmount")
    gross = ore_of(amount, f"{where}.CurrencyAmount")
    if gross == 0:
        raise invalid("must be a positive or negative number, not 0", f"{where}.CurrencyAmount")
    if raw.get("CurrencyCode") not in (None, "NOK"):
        raise invalid("only NOK is supported by the sandbox", f"{where}.CurrencyCode")
    account = client.accounts.get(account_id)
    contact = client.contacts.get(account_id) if account is None else None
    if contact is not None:
        account = client.account_by_number(contact.control_account)
    if account is None:
        raise not_found(f"Account with Id {account_id}", f"{where}.AccountId")
    vat = client.vat_codes.get(vat_id)
    if vat is None:
        raise not_found(f"Vat code with Id {vat_id}", f"{where}.VatId")
    department_id = _id(raw.get("DepartmentId"), f"{where}.DepartmentId", False)
    project_id = _id(raw.get("ProjectId"), f"{where}.ProjectId", False)
    department = client.departments.get(department_id) if department_id is not None else None
    project = client.projects.get(project_id) if project_id is not None else None
    if department_id is not None and department is None:
        raise not_found(f"Department with Id {department_id}", f"{where}.DepartmentId")
    if project_id is not None and project is None:
        raise not_found(f"Project with Id {project_id}", f"{where}.ProjectId")
    label = f"account {account.number}"
    if not account.is_active:
        raise invalid(f"The {label} is not active", f"{where}.AccountId")
    if not vat.is_active or posting_date < vat.valid_from or (vat.valid_to and posting_date > vat.valid_to):
        raise invalid(f"Vat code {vat.code} is not valid on {posting_date}", f"{where}.VatId")
    if account.vat_locked_to is not None and vat.code != account.vat_locked_to:
        raise invalid(f"The {label} is locked to vat code {account.vat_locked_to}; vat code {vat.code} "
                      "cannot be used", f"{where}.VatId")
    if account.department_required and department is None:
        raise invalid(f"Department is required on {label}", f"{where}.DepartmentId")
    if account.project_required and project is None:
        raise invalid(f"Project is required on {label}", f"{where}.ProjectId")
    if department is not None and not department.is_active:
        raise invalid(f"Department {department.code} is not active", f"{where}.DepartmentId")
    if project is not None and not project.is_active:
        raise invalid(f"Project {project.code} is not active", f"{where}.ProjectId")
    if posting_date <= lock:
        raise _locked(lock, f"{where}.PostingDate")
    description = raw.get("Description")
    return Line(line_id, account, contact, posting_date, vat, gross, vat_in_gross(gross, vat.rate),
                department, project, description if isinstance(description, str) else None)


def _locked(lock: date, field: str) -> ApiProblem:
    # UNCERTAIN: the status and text for a date on or before the lock date are not documented.
    return invalid(f"The date is on or before the lock date {lock.isoformat()} of the client; no accounting "
                   "entries can be created on or before the lock date", field, title="Lock date violation")


def post_manual_voucher(client: Client, body: Any, integration: str) -> Voucher:
    """Validate and book a ManualVoucherPostDto; ApiProblem when Go would refuse it."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a ManualVoucherPostDto object", "body")
    currency = body.get("CurrencyCode")
    if not isinstance(currency, str) or not currency:
        raise invalid("is required", "CurrencyCode")
    if len(currency) > 3 or currency != "NOK":
        raise invalid(f"currency {currency!r} is not supported (the sandbox books NOK)", "CurrencyCode")
    voucher_date = _date(body.get("VoucherDate"), "VoucherDate")
    description = body.get("Description")
    if description is not None and (not isinstance(description, str) or len(description) > DESCRIPTION_LIMIT):
        raise invalid(f"must be text of at most {DESCRIPTION_LIMIT} characters", "Description")
    reference = body.get("ExternalImportReference")
    if reference is not None and not isinstance(reference, str):
        raise invalid("must be text", "ExternalImportReference")
    raw_lines = body.get("VoucherLines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise invalid("A manual voucher needs at least one voucher line", "VoucherLines")
    if voucher_date <= client.lock_date:
        raise _locked(client.lock_date, "VoucherDate")
    lines = [_line(client, raw, i, client.lock_date, client.next_line_id + i) for i, raw in enumerate(raw_lines)]
    total = sum(line.gross_ore for line in lines)
    if total != 0:
        # UNCERTAIN: the text for an unbalanced voucher is not documented.
        raise invalid(f"The voucher does not balance: the sum of the lines is {Decimal(total).scaleb(-2)}, "
                      "it must be 0", "VoucherLines", title="Voucher not balanced")
    if reference and reference in client.references:
        # UNCERTAIN: v2's status and body for a duplicate reference (v1 answered 200, Success false).
        raise invalid(f"A voucher with ExternalImportReference '{reference}' already exists on the client. "
                      "The ExternalImportReference must be unique", "ExternalImportReference",
                      title="Duplicate ExternalImportReference")
    imported_no = body.get("ImportedVoucherNo")
    voucher = Voucher(str(uuid.uuid4()), client.next_voucher_no, "ManualJournal", voucher_date,
                      description, reference or None, imported_no if isinstance(imported_no, int) else None,
                      integration, lines, datetime.now(timezone.utc), time.monotonic())
    client.next_voucher_no += 1
    client.next_line_id += len(lines)
    client.vouchers[voucher.id] = voucher
    if voucher.reference:
        client.references[voucher.reference] = voucher.id
    return voucher


def own_voucher(client: Client, voucher_id: str, integration: str) -> Voucher:
    """A manual voucher this integration created; 404 for any other (Go shows only its own)."""
    voucher = client.vouchers.get(voucher_id)
    if voucher is None or voucher.integration != integration or voucher.kind != "ManualJournal":
        raise not_found(f"Manual voucher with Id {voucher_id}")
    return voucher


def reverse(client: Client, voucher_id: str, integration: str) -> Voucher:
    """Book the reversal voucher of one of our vouchers, dated like the original, and free its reference."""
    voucher = own_voucher(client, voucher_id, integration)
    if voucher.is_reversed:
        raise invalid(f"Voucher {voucher.number} is already reversed", "id", title="Voucher already reversed")
    if voucher.voucher_date <= client.lock_date or any(l.posting_date <= client.lock_date for l in voucher.lines):
        raise _locked(client.lock_date, "id")
    lines = [Line(client.next_line_id + i, l.account, l.contact, l.posting_date, l.vat, -l.gross_ore, -l.vat_ore,
                  l.department, l.project, l.description) for i, l in enumerate(voucher.lines)]
    reversal = Voucher(str(uuid.uuid4()), client.next_voucher_no, "ReversalVoucher", voucher.voucher_date,
                       # UNCERTAIN: Go's text for a reversal; the original's is kept so a person sees what it undoes.
                       f"Reversering av bilag {voucher.number}: {voucher.description or ''}".strip()[:DESCRIPTION_LIMIT],
                       None, None, integration, lines,
                       datetime.now(timezone.utc), time.monotonic(), is_reversed=True, reversal_of=voucher.id)
    client.next_voucher_no += 1
    client.next_line_id += len(lines)
    client.vouchers[reversal.id] = reversal
    voucher.is_reversed, voucher.reversed_by = True, reversal.id
    if voucher.reference:
        client.references.pop(voucher.reference, None)
    return reversal
