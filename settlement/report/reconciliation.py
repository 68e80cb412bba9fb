"""Payment totals per day and method, to reconcile against Vipps, Klarna, Stripe and card-terminal
settlements. Pure: rows from DayReports, CSV or XLSX bytes from rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from settlement.domain.money import format_nok
from settlement.domain.text import N_, tr
from settlement.report.data import DayReport

# Whose settlement each ledger key is reconciled against.
# (Names, not texts, are shown as they are: Vipps, Klarna, Stripe, Bank.)
COUNTERPARTS = {
    "payment_card": N_("Card terminal"),
    "payment_vipps": "Vipps",
    "payment_klarna": "Klarna",
    "payment_stripe": "Stripe",
    "payment_cash": N_("Cash"),
    "payment_bank": "Bank",
    "payment_cod": N_("Cash on delivery"),
    "payment_customer": N_("Invoice"),
    "gift_card": N_("Gift card"),
}
_OTHER, _NOT_MAPPED = N_("Other"), N_("(not mapped)")
# A row's status as the exports show it ("ok" as it is): the status is a value (--json), its text is not.
_STATUS_TEXTS = {"sperret": N_("blocked, not posted")}

# The exports' column headings (shown in the installed language: `headings()`).
COLUMNS = (
    N_("retailer"), N_("business day"), N_("payment method"), N_("counterparty"), N_("account"), N_("account name"),
    N_("count"), N_("paid in"), N_("refunded"), N_("net"), N_("status"),
)
_AMOUNT_COLUMNS = (N_("paid in"), N_("refunded"), N_("net"))
_DAY_COLUMN, _NAME_COLUMN = N_("business day"), N_("account name")
_BOM = "\ufeff"
# A text cell starting with one of these is a formula (or becomes one) in a spreadsheet: a payment
# code or account name "=HYPERLINK(...)" from a POS export must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell as written to CSV: a leading ' when it would start a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True, slots=True)
class ReconciliationRow:
    """One payment method on one business day. Amounts in øre; refunded is negative or zero.

    status: "ok", or "sperret" when the day's voucher is blocked (not posted yet): a value, the
    same in every language (the --json output); the CSV and XLSX show it as a text (status_text).
    """

    vendor: str
    day: date
    method: str
    counterpart: str
    account: str
    account_name: str
    receipts: int
    paid: int
    refunded: int
    net: int
    status: str


def reconciliation_rows(reports: Iterable[DayReport]) -> list[ReconciliationRow]:
    """Rows for every payment method of every report, by day then method."""
    rows = []
    for report in sorted(reports, key=lambda r: (r.vendor, r.day)):
        for payment in report.payments:
            rows.append(
                ReconciliationRow(
                    vendor=report.vendor,
                    day=report.day,
                    method=payment.code,
                    counterpart=_counterpart(payment.key),
                    account=payment.account or "",
                    account_name=payment.account_name or "",
                    receipts=payment.receipts,
                    paid=payment.amount - payment.refunds,
                    refunded=payment.refunds,
                    net=payment.amount,
                    status="sperret" if report.blocked else "ok",
                )
            )
    return rows


def _counterpart(key: str | None) -> str:
    if not key:
        return tr(_NOT_MAPPED)
    if key not in COUNTERPARTS:
        return tr(_OTHER)
    return tr(COUNTERPARTS[key])


def status_text(status: str) -> str:
    """A row's status as a person reads it: "ok", or "blocked, not posted" ("sperret" in bokmål)."""
    return tr(_STATUS_TEXTS[status]) if status in _STATUS_TEXTS else status


def headings() -> tuple[str, ...]:
    """The column headings as a person reads them, in the installed language."""
    return tuple(tr(column) for column in COLUMNS)


def _values(row: ReconciliationRow) -> tuple:
    return (
        row.vendor, row.day, row.method, row.counterpart, row.account, row.account_name,
        row.receipts, row.paid, row.refunded, row.net, status_text(row.status),
    )


def to_csv(rows: Iterable[ReconciliationRow]) -> str:
    """`;`-separated text with decimal commas, as Excel on a Norwegian machine reads it.

    Write it as UTF-8 with the BOM this text starts with, so Excel shows æøå.
    """
    out = io.StringIO()
    out.write(_BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings())
    for row in rows:
        values = [neutralise(v) if isinstance(v, str) else v for v in _values(row)]
        values[1] = row.day.isoformat()
        # No thousands separator: Excel would read "1 234,56" as text. Numbers are not neutralised.
        for index in (7, 8, 9):
            values[index] = format_nok(values[index], thousands="")
        writer.writerow(values)
    return out.getvalue()


def to_xlsx(rows: Iterable[ReconciliationRow]) -> bytes:
    """An Excel workbook with one sheet ("Settlement"; "Oppgjør" in bokmål); amounts are numbers in
    kroner (exact decimals).

    Every text is a string cell, never a formula, whatever it starts with.
    """
    import pandas as pd  # only the XLSX export needs pandas; keep the import off the CSV path

    records = []
    for row in rows:
        values = dict(zip(COLUMNS, _values(row)))
        for column in _AMOUNT_COLUMNS:
            # Decimal, not float: openpyxl writes the exact value.
            values[column] = Decimal(values[column]).scaleb(-2)
        records.append(values)
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    frame.columns = list(headings())
    sheet_name = tr("Settlement")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet_name, index=False, freeze_panes=(1, 0))
        sheet = writer.sheets[sheet_name]
        for sheet_row in sheet.iter_rows():
            for cell in sheet_row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl makes a formula of any text starting with "="
        for index, (column, heading) in enumerate(zip(COLUMNS, headings()), start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = 32 if column == _NAME_COLUMN else max(12, len(heading) + 2)
            if column in _AMOUNT_COLUMNS:
                for cell in sheet[letter][1:]:
                    cell.number_format = "#,##0.00"
            elif column == _DAY_COLUMN:
                for cell in sheet[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
    return buffer.getvalue()
