"""From a voucher to the PowerOffice manual voucher body. Pure: no request, no credential.

One ManualVoucherPostDto per vendor-day: one line per voucher line with its gross amount (debit
positive, credit negative: UNCERTAIN, seen in a live integration, not stated in the spec), the VAT
code, the posting date, and the vendor's department and project. Go splits each gross line into net
and VAT itself. The VAT Go will compute is predicted here (gross × r / (1 + r), rounded half up to
the øre: UNCERTAIN until seen live); where it differs from the source VAT, the gross of that line is
moved by the difference so that Go's net equals the source's net, and the øre moved go to the
vendor's rounding account, as the Fiken journal mode does.

The rendered body names accounts, VAT codes, departments and projects by the numbers people know,
in fields named as Go names them when it reports them (AccountTransactionDto's AccountNo, VatCode,
DepartmentCode, ProjectCode, CustomerAccountNo, SupplierAccountNo). The line schema has only ids
(AccountId, VatId, DepartmentId, ProjectId), so send() replaces these fields by the ids it looks up
(resolve.py); what preview shows and what is sent differ only in that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from settlement.domain.keys import voucher_description
from settlement.domain.vat import rate_on, vat_in_gross
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.targets.poweroffice.amounts import kroner

PATH = "/Vouchers/ManualJournals"
# UNCERTAIN: Go's limit on Description is not documented; 200 keeps well inside common limits.
MAX_DESCRIPTION = 200
LINE_DESCRIPTION = 100
NO_VAT = "0"  # the SAF-T code for lines without VAT handling (payments, tips, rounding)

# Sub-ledger control accounts (NS 4102): "1500:10001" names customer 10001, "2400:20001" supplier 20001.
SUBLEDGERS = {1500: "CustomerAccountNo", 2400: "SupplierAccountNo"}

# Fixed namespace of the references this product gives (uuid5 of the settlement key).
REFERENCE_NAMESPACE = uuid.UUID("6f1e3c2a-5b7d-4e8f-9a0b-1c2d3e4f5a6b")

SECTION_LABELS = {
    "sale": "Salg", "shipping": "Frakt", "return": "Retur", "tip": "Driks", "gift_card": "Gavekort",
    "payment": "Betaling", "rounding": "Øresavrunding", "difference": "Kassedifferanse",
}


def external_reference(key: str) -> str:
    """The ExternalImportReference of a settlement key: a GUID (what the spec recommends), the same for
    the same key on every run, so a second POST of one version is refused by Go as a duplicate."""
    return str(uuid.uuid5(REFERENCE_NAMESPACE, key))


def ledger_account(account: str) -> dict:
    """The line fields for an account of the chart: "3000" → {"AccountNo": 3000}; a Fiken
    sub-account becomes the plain account ("1920:10001" → 1920), except on a customer or supplier
    control account, where the number names the customer or supplier ("1500:10001")."""
    number, _, sub = account.partition(":")
    fields: dict = {"AccountNo": int(number)}
    if sub and int(number) in SUBLEDGERS:
        fields[SUBLEDGERS[int(number)]] = int(sub)
    return fields


def predicted_vat(gross: int, code: str, day: date) -> int:
    """The VAT Go is assumed to book inside a gross amount (same sign as the gross)."""
    magnitude = vat_in_gross(abs(gross), rate_on(code, day))
    return magnitude if gross >= 0 else -magnitude


def gross_for_net(net: int, gross: int, code: str, day: date) -> int:
    """The gross amount nearest to `gross` (same sign) whose net, after Go's VAT, is `net`.

    gross − vat(gross) grows by 0 or 1 per øre, so such an amount always exists."""
    if gross and net and (gross > 0) != (net > 0):
        raise ValueError(f"the source VAT is larger than the gross amount ({gross} øre, net {net} øre)")
    sign = 1 if (gross or net) >= 0 else -1
    wanted, candidate = abs(net), abs(gross)

    def net_of(g: int) -> int:
        return g - vat_in_gross(g, rate_on(code, day))

    step = 1 if net_of(candidate) < wanted else -1
    while net_of(candidate) != wanted:
        candidate += step
    return sign * candidate


@dataclass(frozen=True)
class RenderedVoucher:
    """The body to post, the VAT Go books per code (credit positive) and the rounding (credit positive)."""

    body: dict
    vat_by_code: dict[str, int]
    rounding: int


def _line(day: date, account: str, amount: int, code: str, text: str, department: str | None,
          project: str | None) -> dict:
    line = {**ledger_account(account), "VatCode": code, "PostingDate": day.isoformat(),
            "CurrencyAmount": kroner(amount), "Description": text[:LINE_DESCRIPTION]}
    if department is not None:
        line["DepartmentCode"] = department
    if project is not None:
        line["ProjectCode"] = project
    return line


def _signed(line: VoucherLine) -> int:
    return line.debit - line.credit


def render_voucher(voucher: Voucher, vendor_name: str, rounding_account: str, key: str,
                   department: str | None = None, project: str | None = None) -> RenderedVoucher:
    """The ManualVoucherPostDto (with numbers, see the module docstring) of one vendor-day."""
    day = voucher.day
    lines: list[dict] = []
    vat_by_code: dict[str, int] = {}
    rounding_debit = 0  # what the rounding account must take (debit positive) for the lines to balance
    for line in voucher.lines:
        if line.section == "rounding":
            rounding_debit += _signed(line)
            continue
        amount = _signed(line)
        if amount == 0:
            continue  # Go refuses CurrencyAmount 0; such a line moves nothing
        code = line.vat_code or NO_VAT
        if line.vat_code is not None:
            source_vat = line.vat if amount > 0 else -line.vat
            sent = gross_for_net(amount - source_vat, amount, code, day)
            rounding_debit += amount - sent  # moving a line's gross moves the same øre to rounding
            amount = sent
            if amount == 0:
                continue  # the source's VAT was the whole line (a data oddity): rounding takes it
            vat_by_code[code] = vat_by_code.get(code, 0) - predicted_vat(amount, code, day)
        text = f"{SECTION_LABELS.get(line.section, line.section)}: {line.name}"
        lines.append(_line(day, line.account, amount, code, text, department, project))
    if rounding_debit:
        lines.append(_line(day, rounding_account, rounding_debit, NO_VAT, SECTION_LABELS["rounding"],
                           department, project))
    total = sum(_signed(line) for line in voucher.lines)
    if total != 0:
        raise AssertionError(f"the voucher does not balance ({total} øre); it must not be rendered")
    body = {
        "CurrencyCode": "NOK", "VoucherDate": day.isoformat(),
        "Description": voucher_description(vendor_name, day, key, MAX_DESCRIPTION),
        "ExternalImportReference": external_reference(key), "VoucherLines": lines,
    }
    return RenderedVoucher(body, vat_by_code, -rounding_debit)
