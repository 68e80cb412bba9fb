"""From a voucher to the Tripletex voucher body. Pure: no I/O, no credential.

One manual voucher per vendor-day (POST /ledger/voucher?sendToLedger=true): each voucher line is one
posting on its own row (rows numbered from 1; row 0 is Tripletex's own VAT rows), debit positive and
credit negative, so the postings sum to 0. Only gross amounts are sent (`amountGross` and
`amountGrossCurrency`): the spec says "Only the gross amounts will be used", and the maintainers'
minimal example sends exactly these two (tripletex-api.md §2); `amount` is what Tripletex derives.

VAT: Tripletex takes the VAT out of each gross amount with the VAT type's rate (gross × r/(1+r),
rounded half up to the øre: UNCERTAIN). So that the revenue account gets exactly the source's net,
a VAT-coded line is sent with the gross whose net after Tripletex's VAT is the source net; the øre
this adds or removes (Tripletex's VAT minus the source VAT) go to the rounding account together
with the data's own rounding, in one posting, so the voucher still balances.

Accounts, VAT codes, departments, projects and customers are named by the numbers people know
(`{"account": {"number": 3000}}`, `{"vatType": {"number": "3"}}`); the target resolves them to ids
(resolve.py) just before sending.
"""

from __future__ import annotations

from datetime import date

from settlement.domain.keys import voucher_description
from settlement.domain.vat import VatRate, rate_on, vat_in_gross, vat_on_net
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.targets.tripletex.amounts import kroner

# Assumed limits (no maxLength in the spec; UNCERTAIN in docs/tripletex.md). A settlement key is at
# most 12 + 64 + 12 + 6 characters (vendor ids are at most 64), so it always fits.
MAX_DESCRIPTION = 255
MAX_EXTERNAL_NUMBER = 100
NO_VAT = "0"  # Tripletex's "Ingen avgiftsbehandling", for lines without a VAT code
VOUCHER_PATH = "/ledger/voucher?sendToLedger=true"

SECTION_TEXT = {
    "sale": "Salg", "shipping": "Frakt", "return": "Retur", "tip": "Driks", "gift_card": "Gavekort",
    "payment": "Betaling", "rounding": "Øresavrunding", "difference": "Kassedifferanse",
}
# Customer (15xx) and supplier (24xx) ledgers in the Norwegian standard chart: a Fiken sub-account
# 1500:10001 names customer 10001 here. send() corrects this by the account's real ledgerType.
CUSTOMER_LEDGER, SUPPLIER_LEDGER = "15", "24"


def gross_for_net(net: int, rate: VatRate) -> int:
    """The smallest gross amount (øre, ≥ 0) whose net after Tripletex's VAT is `net` (≥ 0)."""
    gross = net + vat_on_net(net, rate)
    # gross - vat_in_gross(gross) rises by 0 or 1 per øre, so every net is reached; step to it.
    while gross - vat_in_gross(gross, rate) > net:
        gross -= 1
    while gross - vat_in_gross(gross, rate) < net:
        gross += 1
    while gross > 0 and (gross - 1) - vat_in_gross(gross - 1, rate) == net:
        gross -= 1
    return gross


def account_refs(account: str) -> dict:
    """{"account": {"number": 1500}, "customer": {"customerNumber": 10001}} for "1500:10001";
    a plain account for "3000" or a sub-account outside the customer/supplier ledgers."""
    number, _, sub = account.partition(":")
    refs: dict = {"account": {"number": int(number)}}
    if sub and number.startswith(CUSTOMER_LEDGER):
        refs["customer"] = {"customerNumber": int(sub)}
    elif sub and number.startswith(SUPPLIER_LEDGER):
        refs["supplier"] = {"supplierNumber": int(sub)}
    return refs


def _posting(row: int, line: VoucherLine, gross: int, vendor_department: str | None,
             vendor_project: str | None, vat_code: str) -> dict:
    section = SECTION_TEXT.get(line.section, line.section)
    text = line.name if line.name.casefold() == section.casefold() else f"{section}: {line.name}"
    posting = {
        "row": row,
        "description": text[:MAX_DESCRIPTION],
        **account_refs(line.account),
        "amountGross": kroner(gross),
        "amountGrossCurrency": kroner(gross),
        "vatType": {"number": vat_code},
    }
    if vendor_department:
        posting["department"] = {"departmentNumber": vendor_department}
    if vendor_project:
        posting["project"] = {"number": vendor_project}
    return posting


def build_voucher_body(voucher: Voucher, vendor_name: str, rounding_account: str, rounding_name: str, key: str,
                       department: str | None = None, project: str | None = None) -> dict:
    """The POST /ledger/voucher body for a voucher under `key` (see the module docstring)."""
    day = voucher.day
    signed: list[tuple[VoucherLine, int, str]] = []  # (line, gross sent, debit positive; VAT code)
    rounding_credit = 0  # credit positive
    rounding_at: int | None = None
    for line in voucher.lines:
        sign = 1 if line.debit else -1
        if line.section == "rounding":
            rounding_credit += line.credit - line.debit
            rounding_at = len(signed) if rounding_at is None else rounding_at
            continue
        if line.gross == 0:
            continue
        if line.vat_code is None:
            signed.append((line, sign * line.gross, NO_VAT))
            continue
        sent = gross_for_net(line.net, rate_on(line.vat_code, day)) if line.net >= 0 else line.gross
        signed.append((line, sign * sent, line.vat_code))
        # More gross sent on a credit line is more credit: the rounding account gives it back.
        rounding_credit += sign * (sent - line.gross)
    if rounding_credit:
        template = VoucherLine("rounding", "rounding", rounding_account, rounding_name, None,
                               max(-rounding_credit, 0), max(rounding_credit, 0))
        at = len(signed) if rounding_at is None else rounding_at
        signed.insert(at, (template, -rounding_credit, NO_VAT))
    if sum(gross for _, gross, _ in signed) != 0:
        raise AssertionError(f"Tripletex voucher for {day} would not balance")
    postings = [_posting(row, line, gross, department, project, code)
                for row, (line, gross, code) in enumerate(signed, start=1)]
    body = {
        "date": day.isoformat(),
        "description": voucher_description(vendor_name, day, key, MAX_DESCRIPTION),
        "postings": postings,
    }
    if len(key) <= MAX_EXTERNAL_NUMBER:
        body["externalVoucherNumber"] = key
    return body


def voucher_day(body: dict) -> date:
    return date.fromisoformat(body["date"])
