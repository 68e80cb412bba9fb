"""The JSON shapes the sandbox answers with, named and typed as in PowerOffice's v2 spec."""

from __future__ import annotations

from decimal import Decimal

from settlement.poweroffice_sandbox.state import Account, Client, Contact, Dimension, Line, VatCode, Voucher

# Where Go books the output VAT of a line, by VAT code (NS 4102); other codes carry no VAT.
VAT_ACCOUNTS = {"3": 2701, "31": 2702, "32": 2702, "33": 2703}


def number(ore: int) -> float:
    """Kroner as a JSON number whose text is exactly the øre amount with two decimals or fewer."""
    value = Decimal(ore).scaleb(-2)
    as_float = float(value)
    assert Decimal(repr(as_float)) == value, ore
    return as_float


def _stamp(when) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def account_view(account: Account) -> dict:
    return {
        "Id": account.id, "AccountNo": account.number, "Name": account.name, "IsActive": account.is_active,
        "CurrencyCode": "NOK", "IsVatCodeLocked": account.vat_locked_to is not None,
        "VatCode": account.vat_locked_to or "0", "IsDepartmentRequired": account.department_required,
        "IsProjectRequired": account.project_required, "LastChangedDateTimeOffset": _stamp(account.changed),
        "GeneralLedgerAccountType": _account_type(account.number),
    }


def _account_type(number: int) -> str:
    if number < 2000:
        return "Asset"
    if number < 2100:
        return "Equity"
    if number < 3000:
        return "Liability"
    return "Income" if number < 4000 else "Expense"


def vat_view(vat: VatCode) -> dict:
    return {
        "Id": vat.id, "Code": vat.code, "Name": vat.name, "Description": vat.name, "Rate": float(vat.rate),
        "ValidFrom": vat.valid_from.isoformat(), "ValidTo": vat.valid_to.isoformat() if vat.valid_to else None,
        "IsActive": vat.is_active, "IsCustom": False,
    }


def dimension_view(dimension: Dimension) -> dict:
    return {"Id": dimension.id, "Code": dimension.code, "Name": dimension.name, "IsActive": dimension.is_active}


def contact_view(contact: Contact) -> dict:
    return {"Id": contact.id, "Number": contact.number, "Name": contact.name, "LegalName": contact.name,
            "IsActive": True}


def _line_view(line: Line, voucher: Voucher) -> dict:
    view = {
        "Id": line.id, "AccountId": line.contact.id if line.contact else line.account.id,
        "PostingDate": line.posting_date.isoformat(), "VatId": line.vat.id,
        "CurrencyAmount": number(line.gross_ore), "CurrencyCode": "NOK", "Description": line.description,
        "DepartmentId": line.department.id if line.department else None,
        "ProjectId": line.project.id if line.project else None, "CreatedDateTimeOffset": _stamp(voucher.created),
    }
    return view


def manual_voucher_view(voucher: Voucher) -> dict:
    return {
        "Id": voucher.id, "VoucherNo": voucher.number, "VoucherDate": voucher.voucher_date.isoformat(),
        "CurrencyCode": "NOK", "Description": voucher.description,
        "ExternalImportReference": voucher.reference, "ImportedVoucherNo": voucher.imported_voucher_no,
        "IsReversed": voucher.is_reversed, "CreatedDateTimeOffset": _stamp(voucher.created),
        "VoucherLines": [_line_view(line, voucher) for line in voucher.lines],
    }


def transactions_of(client: Client, voucher: Voucher) -> list[dict]:
    """The account transactions Go books for a voucher: each line's net on its account with the VAT
    amount beside it, and the VAT itself on the output-VAT account."""
    rows = []
    original = client.vouchers.get(voucher.reversal_of) if voucher.reversal_of else None
    for line in voucher.lines:
        common = {
            "VoucherId": voucher.id, "VoucherNo": voucher.number, "VoucherType": voucher.kind,
            "VoucherDate": voucher.voucher_date.isoformat(), "VoucherDescription": voucher.description,
            "ExternalImportReference": voucher.reference, "ImportedVoucherNo": voucher.imported_voucher_no,
            "IsReversed": voucher.is_reversed, "PostingDate": line.posting_date.isoformat(),
            "CurrencyCode": "NOK", "Description": line.description,
            "DepartmentId": line.department.id if line.department else None,
            "DepartmentCode": line.department.code if line.department else None,
            "ProjectId": line.project.id if line.project else None,
            "ProjectCode": line.project.code if line.project else None,
            "ReversedVoucherId": original.id if original else None,
            "ReversedVoucherNo": original.number if original else None,
            "CreatedDateTimeOffset": _stamp(voucher.created), "LastChangedDateTimeOffset": _stamp(voucher.created),
        }
        net = line.gross_ore - line.vat_ore
        row = {**common, "Id": line.id * 10, "AccountId": line.account.id, "AccountNo": line.account.number,
               "Amount": number(net), "CurrencyAmount": number(net), "VatId": line.vat.id,
               "VatCode": line.vat.code, "VatRate": float(line.vat.rate), "VatAmount": number(line.vat_ore)}
        if line.contact is not None:
            row["ContactId"] = line.contact.id
            row["CustomerAccountNo" if line.contact.kind == "customer" else "SupplierAccountNo"] = line.contact.number
        rows.append(row)
        vat_account = client.account_by_number(VAT_ACCOUNTS.get(line.vat.code, 0))
        if line.vat_ore and vat_account is not None:
            zero = client.vat_by_code("0")
            rows.append({**common, "Id": line.id * 10 + 1, "AccountId": vat_account.id,
                         "AccountNo": vat_account.number, "Amount": number(line.vat_ore),
                         "CurrencyAmount": number(line.vat_ore), "VatId": zero.id if zero else 0, "VatCode": "0",
                         "VatRate": 0.0, "VatAmount": 0.0})
    return rows


def documentation_view(voucher: Voucher) -> dict:
    return {"VoucherId": voucher.id, "VoucherNo": voucher.number, "VoucherType": voucher.kind,
            "HasPdf": voucher.documentation is not None, "HasImages": False, "HasEhf": False,
            "HasSalesOrderAttachments": False, "IsImported": voucher.integration is not None}
