"""What the writing endpoints do to a company's books: fri postering, sales, attachments, reversals.

Each function validates first (collecting every problem into one ApiError(400)) and changes nothing
unless the whole request is valid. Callers hold State.lock.
"""

from __future__ import annotations

import uuid
from datetime import date

from settlement.fiken_sandbox import postings as pst
from settlement.fiken_sandbox.errors import ApiError, bad_request, not_found
from settlement.fiken_sandbox.state import Attachment, Company, JournalEntry, Sale, State, Transaction, today
from settlement.fiken_sandbox.validation import (
    ACCOUNT_RE, GENERAL_JOURNAL_ENTRY_REQUEST, SALE_REQUEST, check, raise_problems,
)

ALLOWED_ATTACHMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif")
FEE_ACCOUNT = "7770"
# Where a sale line goes when it names no account (the usual Fiken income accounts per VAT type).
DEFAULT_SALE_ACCOUNTS = {"HIGH": "3000", "MEDIUM": "3030", "LOW": "3050", "RAW_FISH": "3000",
                         "NONE": "3200", "OUTSIDE": "3200", "EXEMPT": "3100",
                         "EXEMPT_IMPORT_EXPORT": "3100", "EXEMPT_REVERSE": "3100"}
CUSTOMER_ACCOUNT = "1500:10001"


def _account_problem(company: Company, code: object, path: str) -> str | None:
    if not isinstance(code, str) or not ACCOUNT_RE.match(code):
        return f"{path}: {code!r} is not an account code (NNNN or NNNN:NNNNN)"
    if code not in company.accounts:
        return f"{path}: account {code} does not exist in {company.slug}"
    return None


def _date_problem(company: Company, value: str, path: str) -> str | None:
    # Not observed live (fiken-api.md §8.8); the sandbox refuses dates before the accounting start.
    if value < company.accounting_start_date:
        return (f"{path}: {value} is before the company's accounting start date "
                f"{company.accounting_start_date}")
    return None


def _vat_code_problem(code: int, path: str) -> str | None:
    if code in pst.UNMODELLED_CODES:
        return f"{path}: VAT code {code} is valid in Fiken but not modelled by the sandbox"
    if code not in pst.VAT_CODES:
        return f"{path}: {code} is not a valid VAT code"
    return None


def _line_problems(company: Company, line: dict, path: str) -> list[str]:
    problems = []
    if line["amount"] <= 0:
        problems.append(f"{path}.amount: must be a positive number of øre, got {line['amount']}")
    if line.get("debitAccount") is None and line.get("creditAccount") is None:
        problems.append(f"{path}: needs debitAccount or creditAccount")
    for side in ("debit", "credit"):
        account, code = line.get(f"{side}Account"), line.get(f"{side}VatCode")
        if account is not None:
            problems.append(_account_problem(company, account, f"{path}.{side}Account"))
        if code is not None:
            if account is None:
                problems.append(f"{path}.{side}VatCode: a VAT code needs {side}Account on the same line")
            problems.append(_vat_code_problem(code, f"{path}.{side}VatCode"))
    return [p for p in problems if p]


def _description_problem(text: str | None, path: str) -> str | None:
    if text is not None and len(pst.API_PREFIX) + len(text) > pst.DESCRIPTION_MAX:
        return (f"{path}: too long; with Fiken's prefix {pst.API_PREFIX!r} it is "
                f"{len(pst.API_PREFIX) + len(text)} characters, max {pst.DESCRIPTION_MAX}")
    return None


def post_general_journal_entries(state: State, company: Company, body: dict, one_sided_credit_vat: str) -> Transaction:
    """POST /generalJournalEntries: validate the request, book it, return the new transaction."""
    check(body, GENERAL_JOURNAL_ENTRY_REQUEST, "generalJournalEntryRequest")
    problems = [_description_problem(body.get("description"), "description")]
    for i, entry in enumerate(body["journalEntries"]):
        path = f"journalEntries[{i}]"
        problems.append(_description_problem(entry["description"], f"{path}.description"))
        problems.append(_date_problem(company, entry["date"], f"{path}.date"))
        for j, line in enumerate(entry["lines"]):
            problems.extend(_line_problems(company, line, f"{path}.lines[{j}]"))
    raise_problems([p for p in problems if p])
    entries = []
    for entry in body["journalEntries"]:
        lines = pst.entry_postings(entry["lines"], one_sided_credit_vat)
        message = pst.imbalance_message(lines)
        if message:
            raise bad_request(message)
        entries.append((pst.API_PREFIX + entry["description"], entry["date"], lines))
    description = body.get("description") or body["journalEntries"][0]["description"]
    return book(state, company, description, "General Journal Entry", entries, open_=bool(body.get("open")))


def book(state: State, company: Company, description: str, kind: str,
         entries: list[tuple[str, str, list[dict]]], open_: bool = False) -> Transaction:
    """Store a transaction with its journal entries (description, date, signed postings)."""
    now = today()
    transaction = Transaction(state.next_transaction_id(), description, kind, now, now, [])
    for text, day, lines in entries:
        entry = JournalEntry(state.next_entry_id(), company.next_entry_number, transaction.transaction_id,
                             text, day, lines, now, now, open=open_)
        company.next_entry_number += 1
        company.entries[entry.journal_entry_id] = entry
        transaction.entry_ids.append(entry.journal_entry_id)
    company.transactions[transaction.transaction_id] = transaction
    return transaction


def create_sale(state: State, company: Company, body: dict, booking_text: str = "Salg {saleNumber}") -> Sale:
    """POST /sales ("Annet salg"): validate, book the sale's postings, return the sale."""
    check(body, SALE_REQUEST, "saleRequest")
    body = {k: v for k, v in body.items() if v is not None}
    problems = [_date_problem(company, body["date"], "date")]
    lines = []
    for i, raw in enumerate(body["lines"]):
        line = {k: v for k, v in raw.items() if v is not None}
        path = f"lines[{i}]"
        vat_code = pst.SALE_VAT_TYPES[line["vatType"]]
        if "netPrice" not in line:
            problems.append(f"{path}.netPrice: required (NOK sales)")
            continue
        if line["netPrice"] < 0:
            problems.append(f"{path}.netPrice: must not be negative")
        if "projectId" in line:
            problems.append(f"{path}.projectId: only for purchases")
        line.setdefault("vat", vat_code.vat_on_net(line["netPrice"]))
        if vat_code.numerator == 0 and line["vat"] != 0:
            problems.append(f"{path}.vat: must be 0 for vatType {line['vatType']}")
        line.setdefault("account", DEFAULT_SALE_ACCOUNTS[line["vatType"]])
        problems.append(_account_problem(company, line["account"], f"{path}.account"))
        lines.append(line)
    total = sum(line["netPrice"] + line["vat"] for line in lines)
    if body["paid"]:
        if body["currency"] == "NOK" and "totalPaid" not in body:
            problems.append("Missing field 'totalPaid' for sale marked as paid in NOK")
        elif body.get("totalPaid") != total:
            problems.append(f"totalPaid: {body.get('totalPaid')} does not equal the lines' netPrice + vat {total}")
        if "paymentAccount" not in body:
            problems.append("Missing field 'paymentAccount' for sale marked as paid")
        else:
            problems.append(_account_problem(company, body["paymentAccount"], "paymentAccount"))
    elif body["kind"] == "cash_sale":
        problems.append("kind: a cash_sale must be marked as paid")
    if body.get("currency") != "NOK":
        problems.append("currency: the sandbox books NOK sales only")
    if "customerId" in body and body["customerId"] not in company.contacts:
        problems.append(f"customerId: contact {body['customerId']} does not exist")
    if "projectId" in body and not any(p["projectId"] == body["projectId"] for p in company.projects or []):
        problems.append(f"projectId: project {body['projectId']} does not exist")
    raise_problems([p for p in problems if p])

    postings = []
    if body["paid"]:
        fee = body.get("paymentFee", 0)
        postings.append(pst.posting(body["paymentAccount"], total - fee))
        if fee:
            postings.append(pst.posting(FEE_ACCOUNT, fee))
    else:
        postings.append(pst.posting(CUSTOMER_ACCOUNT, total))
    for line in lines:
        code = pst.SALE_VAT_TYPES[line["vatType"]]
        postings.append(pst.posting(line["account"], -line["netPrice"], code.code))
        if line["vat"]:
            postings.append(pst.posting(code.account, -line["vat"]))
    text = booking_text.format(saleNumber=body["saleNumber"]) if "saleNumber" in body else "Annet salg"
    transaction = book(state, company, text, "Sale", [(text, body["date"], postings)])
    now = today()
    sale = Sale(state.next_sale_id(), transaction.transaction_id, body, lines, now, now,
                payment_id=state.next_payment_id() if body["paid"] else None)
    company.sales[sale.sale_id] = sale
    return sale


def attach(company: Company, owner_kind: str, owner_id: int, form: dict, comment: str | None = None) -> Attachment:
    """Store an uploaded file on a journal entry or sale (form: parsed multipart parts)."""
    problems = []
    filename_part, file_part = form.get("filename"), form.get("file")
    filename = filename_part.data.decode("utf-8", "replace").strip() if filename_part else ""
    if not filename:
        problems.append("filename: required")
    elif not filename.lower().endswith(ALLOWED_ATTACHMENT_SUFFIXES):
        problems.append(f"filename: {filename!r} must end with .png, .jpeg, .jpg, .gif or .pdf")
    if file_part is None or not file_part.data:
        problems.append("file: required (the file's bytes)")
    raise_problems(problems)
    attachment = Attachment(str(uuid.uuid4()), owner_kind, owner_id, filename, file_part.data,
                            file_part.content_type, comment)
    owner = company.entries[owner_id] if owner_kind == "journalEntry" else company.sales[owner_id]
    owner.attachments.append(attachment)
    return attachment


def delete_transaction(state: State, company: Company, transaction_id: int, description: str | None) -> Transaction:
    """PATCH /transactions/{id}/delete: reverse the transaction (an open one is just removed)."""
    transaction = company.transactions.get(transaction_id)
    if transaction is None:
        raise not_found(f"Transaction {transaction_id} not found")
    if not description:
        raise bad_request("description: required query parameter")
    if transaction.deleted:
        raise bad_request(f"Transaction {transaction_id} is already deleted")
    entries = [company.entries[i] for i in transaction.entry_ids]
    now = today()
    if all(e.open for e in entries):
        # "Open journal entries can be deleted without creating a counter transaction" (spec).
        for entry in entries:
            entry.removed, entry.modified = True, now
    else:
        reverse = book(state, company, description, transaction.type, [
            (description, e.date, [dict(line, amount=-line["amount"]) for line in e.lines]) for e in entries])
        for entry in entries:
            entry.offset_transaction_id, entry.modified = reverse.transaction_id, now
    transaction.deleted, transaction.modified = True, now
    for sale in company.sales.values():
        if sale.transaction_id == transaction_id:
            sale.deleted, sale.modified = True, now
    return transaction


def is_valid_date(text: str) -> bool:
    try:
        return len(text) == 10 and bool(date.fromisoformat(text))
    except ValueError:
        return False
