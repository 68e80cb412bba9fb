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
from settlement.report.data import DayReport

# Whose settlement each ledger key is reconciled against.
COUNTERPARTS = {
    "payment_card": "Kortterminal",
    "payment_vipps": "Vipps",
    "payment_klarna": "Klarna",
    "payment_stripe": "Stripe",
    "payment_cash": "Kontant",
    "payment_bank": "Bank",
    "payment_cod": "Postoppkrav",
    "payment_customer": "Faktura",
    "gift_card": "Gavekort",
}

COLUMNS = (
    "forhandler", "forretningsdag", "betalingsmåte", "motpart", "konto", "kontonavn",
    "antall", "innbetalt", "refundert", "netto", "status",
)
_AMOUNT_COLUMNS = ("innbetalt", "refundert", "netto")
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

    status: "ok", or "sperret" when the day's voucher is blocked (not posted yet).
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
                    counterpart=COUNTERPARTS.get(payment.key or "", "Annet" if payment.key else "(ikke koblet)"),
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


def _values(row: ReconciliationRow) -> tuple:
    return (
        row.vendor, row.day, row.method, row.counterpart, row.account, row.account_name,
        row.receipts, row.paid, row.refunded, row.net, row.status,
    )


def to_csv(rows: Iterable[ReconciliationRow]) -> str:
    """`;`-separated text with decimal commas, as Excel on a Norwegian machine reads it.

    Write it as UTF-8 with the BOM this text starts with, so Excel shows æøå.
    """
    out = io.StringIO()
    out.write(_BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = [neutralise(v) if isinstance(v, str) else v for v in _values(row)]
        values[1] = row.day.isoformat()
        # No thousands separator: Excel would read "1 234,56" as text. Numbers are not neutralised.
        for index in (7, 8, 9):
            values[index] = format_nok(values[index], thousands="")
        writer.writerow(values)
    return out.getvalue()


def to_xlsx(rows: Iterable[ReconciliationRow]) -> bytes:
    """An Excel workbook with one sheet "Oppgjør"; amounts are numbers in kroner (exact decimals).

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
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Oppgjør", index=False, freeze_panes=(1, 0))
        sheet = writer.sheets["Oppgjør"]
        for sheet_row in sheet.iter_rows():
            for cell in sheet_row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl makes a formula of any text starting with "="
        for index, column in enumerate(COLUMNS, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = 32 if column == "kontonavn" else max(12, len(column) + 2)
            if column in _AMOUNT_COLUMNS:
                for cell in sheet[letter][1:]:
                    cell.number_format = "#,##0.00"
            elif column == "forretningsdag":
                for cell in sheet[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
    return buffer.getvalue()
