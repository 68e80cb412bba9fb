"""Reading the configuration files: the vendors file and the chart_of_accounts folder.

The file I/O around the pure parsers in settlement.domain (a missing file is a problem, not an
exception); settlement.wiring calls these. A chart file may be an Excel workbook (.xlsx): it is
read here, with openpyxl, into rows of text for the domain to parse, and `write_chart_workbook`
writes the effective chart as one.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from settlement.domain.chart import LEDGER_COLUMNS, MAPPING_COLUMNS, Chart, LedgerRow, MappingRow, build_chart
from settlement.domain.calendar import parse_dates_csv
from settlement.domain.csvfile import SheetRows
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor, parse_vendors_file

# The sheets `write_chart_workbook` writes; a chart file's sheet of that name is read, else its first.
LEDGER_SHEET = "ledger"
MAPPING_SHEET = "mapping"


def load_vendors(path: Path) -> tuple[list[Vendor], list[Problem]]:
    """Read vendors.toml, with each vendor's closed dates (see vendor_calendar); a missing file is a
    problem, not an exception."""
    if not path.exists():
        return [], [error(tr("vendors file not found (set SETTLEMENT_VENDORS)"), file=str(path))]
    vendors, problems = parse_vendors_file(path.read_bytes(), str(path))
    with_calendars = []
    for vendor in vendors:
        vendor, found = vendor_calendar(vendor, path)
        with_calendars.append(vendor)
        problems += found
    return with_calendars, problems


def vendor_calendar(vendor: Vendor, vendors_file: Path, today: _dt.date | None = None) -> tuple[Vendor, list[Problem]]:
    """The vendor with `closed` filled in: its closed_dates, the dates of the CSV files they name (a
    relative name is read beside the vendors file) and, with `holidays = "NO"`, Norway's public
    holidays from the maintained `holidays` package, for every year from enabled_since to next year.

    The domain gets plain (date, why) pairs: it neither reads files nor imports `holidays`.
    """
    closed: list[tuple[_dt.date, str]] = []
    problems: list[Problem] = []
    for item in vendor.closed_dates:
        if isinstance(item, _dt.date):
            closed.append((item, "closed_dates"))
            continue
        file = Path(item) if Path(item).is_absolute() else vendors_file.parent / item
        where = {"file": str(vendors_file), "line": vendor.source_line, "column": "closed_dates", "ref": vendor.id}
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            problems.append(error(tr("vendor {vendor}: closed_dates file {file} cannot be read: {reason}", vendor=vendor.id,
                                     file=file, reason=exc.strerror or exc), **where))
            continue
        except UnicodeDecodeError:
            problems.append(error(tr("vendor {vendor}: closed_dates file {file} is not UTF-8", vendor=vendor.id, file=file),
                                  **where))
            continue
        found, bad = parse_dates_csv(text, str(file))
        closed += found
        problems += bad
    if vendor.holidays:
        import holidays  # only for vendors that name a calendar: the CLI stays light to import

        today = today or _dt.date.today()
        years = range(vendor.enabled_since.year, max(today.year, vendor.enabled_since.year) + 2)
        calendar = holidays.country_holidays(vendor.holidays, years=years, language="no")
        closed += [(day, f"{name} (holidays {vendor.holidays})") for day, name in sorted(calendar.items())]
    return replace(vendor, closed=tuple(closed)), problems


def chart_files(folder: Path) -> dict[str, bytes | SheetRows]:
    """The chart folder's files by their path inside it (default ledger, mapping, vendors/*), .csv or .xlsx.

    A CSV file is given as its bytes, a workbook as the rows of its sheet.
    """
    names = [f"{stem}{ext}" for stem in ("default_ledger", "mapping") for ext in (".csv", ".xlsx")]
    found = [(name, folder / name) for name in names if (folder / name).is_file()]
    vendor_dir = folder / "vendors"
    if vendor_dir.is_dir():
        # "~$x.xlsx" is the owner file Excel keeps beside a workbook while it is open.
        found += [(f"vendors/{path.name}", path) for path in sorted(vendor_dir.iterdir())
                  if path.suffix in (".csv", ".xlsx") and not path.name.startswith("~$") and path.is_file()]
    files: dict[str, bytes | SheetRows] = {}
    for name, path in found:
        data = path.read_bytes()
        if name.endswith(".xlsx"):
            stem = name.removesuffix(".xlsx")
            sheet = MAPPING_SHEET if stem == "mapping" or stem.endswith(".mapping") else LEDGER_SHEET
            files[name] = read_workbook(data, sheet)
        else:
            files[name] = data
    return files


def _unreadable(exc: Exception) -> str:
    """Why a workbook could not be read, cut to 300 characters."""
    reason = type(exc).__name__ + ": " + str(exc)
    return tr("not a readable Excel workbook (.xlsx): {reason}", reason=reason)[:300]


def read_workbook(data: bytes, sheet: str) -> SheetRows:
    """The rows of a workbook's sheet named `sheet` (else its first sheet), every cell as text.

    A number is written as Excel shows it in the General format (4006, not 4006.0), text as it
    is ('04006 stays 04006). A file that is not a readable workbook gives SheetRows.unreadable.
    """
    from openpyxl import load_workbook  # only when a workbook is there: the CLI stays light to import

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl's failures on a damaged file are many and undocumented
        return SheetRows(unreadable=_unreadable(exc))
    try:
        names = {name.casefold(): name for name in workbook.sheetnames}
        worksheet = workbook[names.get(sheet, workbook.sheetnames[0])]
        # The dimensions some writers record are wrong; read every row the sheet holds.
        worksheet.reset_dimensions()
        rows = tuple((number, tuple(_cell_text(v) for v in values))
                     for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1))
    except Exception as exc:  # noqa: BLE001 - as above: a damaged sheet is the file's problem
        return SheetRows(unreadable=_unreadable(exc))
    finally:
        workbook.close()
    return SheetRows(rows)


def _cell_text(value: object) -> str:
    """A cell's value as the text the CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime) and value.time() == _dt.time():
        return value.date().isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def load_chart(folder: Path, vendor_ids: list[str]) -> tuple[Chart, list[Problem]]:
    """Read and check the whole chart_of_accounts folder; returns every problem at once."""
    return build_chart(str(folder), chart_files(folder), vendor_ids)


def write_chart_workbook(path: Path, ledger: Iterable[LedgerRow], mapping: Iterable[MappingRow]) -> None:
    """Write a ledger and a mapping as one workbook: sheets 'ledger' and 'mapping', every cell text.

    Codes and account numbers are stored as text in text-formatted columns, so that Excel keeps
    04006 and 1920:10001 as written; the same file serves as default_ledger.xlsx and as mapping.xlsx.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    sheets = ((workbook.active, LEDGER_SHEET, LEDGER_COLUMNS, [(r.key, r.account, r.name) for r in ledger]),
              (workbook.create_sheet(), MAPPING_SHEET, MAPPING_COLUMNS, [(r.source, r.code, r.key) for r in mapping]))
    for worksheet, title, columns, rows in sheets:
        worksheet.title = title
        for values in (columns, *rows):
            worksheet.append([str(v) for v in values])
        for column in worksheet.iter_cols():
            for cell in column:
                cell.number_format = "@"  # Excel's "Text": what is typed later stays text too
            letter = column[0].column_letter
            worksheet.column_dimensions[letter].number_format = "@"
            worksheet.column_dimensions[letter].width = max(10, min(60, max(len(str(c.value or "")) for c in column) + 2))
    workbook.save(path)
