"""The settlement report XLSX from portal.vipps.no (Oppgjørsrapport, Norwegian headers) as payouts.

The sheet opens with a few lines about the company, then a header row (Salgsdato, Salgssted,
Vippsnummer, Produkt, Transaksjons-ID, Ordre-ID, Brutto, Gebyr, Netto, Transaksjonstype,
Oppgjørs-ID, Oppgjørsdato, Oppgjørssum, Oppgjørskonto, …), found by its names. Below it, the rows
of each settlement and then its summary row ("Til utbetaling netto" in Salgsdato, the settled sum
in Oppgjørssum). A row is a transaction (Brutto, Gebyr ≤ 0, Netto = Brutto + Gebyr; `Salg` a
capture, `Refundering` a refund with Brutto ≤ 0); a summary row is a payout (Oppgjørs-ID, the
Vippsnummer as account, Oppgjørsdato, Oppgjørssum).

Cells are read as text: numbers as the shortest decimal that round-trips their stored value (what
Excel shows for a two-decimal amount), never through float arithmetic. Problems name the sheet and
cell ("Rapport!H12"). openpyxl refuses some portal files' stylesheets; those are read again without
the stylesheet, which holds only formatting.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from settlement.domain.payouts import PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.vipps.rows import Cells, MachineDecimal, SettlementRow, TransactionRow, Where, assemble
from settlement.sources.payouts.vipps.transactions import PROVIDER

HEADERS = ("Salgsdato", "Vippsnummer", "Transaksjons-ID", "Ordre-ID", "Brutto", "Gebyr", "Netto",
           "Transaksjonstype", "Oppgjørs-ID", "Oppgjørsdato", "Oppgjørssum")
SUMMARY = re.compile(r"til utbetaling\s+(netto|brutto)", re.IGNORECASE)
_MODEL = {"net": "Netto", "settlement_id": "Oppgjørs-ID", "msn": "Vippsnummer"}


class VippsXlsxSource:
    """The portal's Oppgjørsrapport as XLSX."""

    provider = PROVIDER
    name = "Vipps settlement report XLSX"

    def sniff(self, data: bytes, file: str) -> bool:
        if not data.startswith(b"PK"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                sheet = next((n for n in names if n.startswith("xl/worksheets/")), None)
                strings = archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
                body = archive.read(sheet)[:200_000] if sheet else b""
        except (zipfile.BadZipFile, KeyError, OSError):
            return False
        text = strings + body
        # ASCII names only: a writer may store "ø" as a character reference (&#248;)
        return b"Transaksjons-ID" in text and b"Vippsnummer" in text and b"Transaksjonstype" in text

    def read(self, data: bytes, file: str) -> PayoutRead:
        try:
            sheets = _load(data)
        except Exception as exc:  # openpyxl raises many kinds for a broken file; all mean "not readable"
            return PayoutRead(problems=(error(tr("not a readable XLSX workbook ({error}: {reason})", error=type(exc).__name__, reason=exc),
                                              file=file),))
        problems: list[Problem] = []
        settlements: list[SettlementRow] = []
        transactions: list[TransactionRow] = []
        found = False
        for title, rows in sheets:
            header_at, columns = _header(rows)
            if header_at is None:
                continue
            found = True
            for number, row in rows:
                if number <= header_at or not any(v.strip() for v in row.values()):
                    continue
                values = {name: row.get(letter, "") for name, letter in columns.items()}
                where = Where(file, number, {name: f"{title}!{letter}{number} ({name})"
                                             for name, letter in columns.items()}
                              | {model: f"{title}!{columns.get(n, '?')}{number} ({n})" for model, n in _MODEL.items()})
                cells = Cells(where, values, problems)
                summary = SUMMARY.match(values.get("Salgsdato", "").strip())
                if summary:
                    row_ = _settlement(cells, summary.group(1).lower() == "netto")
                    if row_ is not None:
                        settlements.append(row_)
                else:
                    row_ = _transaction(cells)
                    if row_ is not None:
                        transactions.append(row_)
        if not found:
            problems.append(error(tr("no sheet has the report's header row ({columns})", columns=", ".join(HEADERS)),
                                  file=file))
        payouts = assemble(settlements, transactions, file, problems)
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))


def _load(data: bytes) -> list[tuple[str, list[tuple[int, dict[str, str]]]]]:
    """Every sheet's title and rows (row number, {column letter: cell text}), read-only."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TypeError:
        # openpyxl could not read the stylesheet (e.g. "expected <class 'openpyxl.styles.fills.Fill'>"):
        # the values do not depend on it, so read the workbook again without it.
        workbook = openpyxl.load_workbook(io.BytesIO(_without_styles(data)), read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # portal files state too small a dimension (A1:N1); read every row
            rows = []
            for row in sheet.iter_rows():
                cells = {}
                number = None
                for cell in row:
                    if getattr(cell, "column_letter", None) is None:
                        continue  # an empty cell of a read-only sheet has no place
                    number = cell.row
                    cells[cell.column_letter] = _text(cell.value)
                if number is not None:
                    rows.append((number, cells))
            sheets.append((sheet.title, rows))
        return sheets
    finally:
        workbook.close()


def _without_styles(data: bytes) -> bytes:
    """The workbook's bytes with its stylesheet (and the references to it) left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == "xl/styles.xml":
                continue
            content = source.read(item.filename)
            if item.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                content = re.sub(rb"<(Override|Relationship)\b[^>]*styles[^>]*/>", b"", content)
            target.writestr(item, content)
    return out.getvalue()


def _text(value: object) -> str:
    """A cell's value as the text it shows: numbers without float arithmetic, dates as DD.MM.YYYY."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        text = repr(value)  # the shortest decimal that reads back as the stored double
        return MachineDecimal(text[:-2] if text.endswith(".0") else text)
    if isinstance(value, int):
        return MachineDecimal(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _header(rows: list[tuple[int, dict[str, str]]]) -> tuple[int | None, dict[str, str]]:
    """The header row's number and the column letter of each name, or (None, {})."""
    for number, row in rows[:50]:
        names = {v.strip(): letter for letter, v in row.items() if v.strip()}
        if all(h in names for h in HEADERS):
            return number, names
    return None, {}


def _settlement(cells: Cells, net_settlement: bool) -> SettlementRow | None:
    # Some portal files leave Vippsnummer empty on the summary row: it is then taken from the
    # settlement's transactions (rows.assemble).
    row = dict(settlement_id=cells.text("Oppgjørs-ID"), msn=cells.text("Vippsnummer", required=False),
               paid_on=cells.day("Oppgjørsdato"), net=cells.amount("Oppgjørssum"))
    if cells.bad:
        return None
    return SettlementRow(cells.where, net_settlement=net_settlement, **row)


def _transaction(cells: Cells) -> TransactionRow | None:
    kind = cells.text("Transaksjonstype")
    gross, fee = cells.amount("Brutto"), cells.amount("Gebyr")
    if kind not in ("Salg", "Refundering", ""):
        cells.fail(tr("Transaksjonstype {kind!r} is neither Salg nor Refundering", kind=kind), "Transaksjonstype", kind)
    if kind == "Salg" and gross < 0:
        cells.fail(tr("a sale (Salg) with a negative Brutto"), "Brutto", cells.values.get("Brutto"))
    if kind == "Refundering" and gross > 0:
        cells.fail(tr("a refund (Refundering) with a positive Brutto"), "Brutto", cells.values.get("Brutto"))
    if fee > 0:
        cells.fail(tr("Gebyr is positive (fees are ≤ 0 in this report)"), "Gebyr", cells.values.get("Gebyr"))
    row = dict(settlement_id=cells.text("Oppgjørs-ID"), msn=cells.text("Vippsnummer"), sold_on=cells.day("Salgsdato"),
               transaction_id=cells.text("Transaksjons-ID"), order_id=cells.text("Ordre-ID", required=False),
               capture=max(gross, 0), refund=min(gross, 0), fee=fee, net=cells.amount("Netto"))
    if cells.bad:
        return None
    return TransactionRow(cells.where, **row)
