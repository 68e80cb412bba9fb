"""`settlement report --format csv|xlsx` never carries a formula: payment codes and account names
that start with = + - @ (tab, CR) are neutralised with a leading ' in CSV and are string cells in
XLSX (read back with openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from settlement.report.reconciliation import ReconciliationRow, to_csv, to_xlsx
from tests.bokmal import bokmal  # noqa: F401

# What this module checks is bokmål (the report's Norwegian texts), so it runs in bokmål.
pytestmark = pytest.mark.usefixtures("bokmal")

HOSTILE = ['=HYPERLINK("http://x","click")', "+1", "-1", "@SUM(A1)"]
NAME = '=HYPERLINK("http://x","click")'


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _setup(workspace):
    # The POS sends the hostile texts as payment codes; the accountant's ledger names the account so.
    mapping = "source;code;key\n" + "".join(f"payment;{_quoted(code)};payment_card\n" for code in HOSTILE)
    workspace.write("chart_of_accounts/vendors/bergen-bryggen.mapping.csv", mapping)
    workspace.write("chart_of_accounts/vendors/bergen-bryggen.csv", f"key;account;name\npayment_card;1580;{_quoted(NAME)}\n")
    rows = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for n, code in enumerate(HOSTILE):
        rows.append(f"F{n};2026-11-02T1{n}:00:00;sale;high;3;100,00;20,00")
        rows.append(f"F{n};2026-11-02T1{n}:00:00;payment;{_quoted(code)};;100,00;")
    path = workspace.write("kasse.csv", "\n".join(rows) + "\n")
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")
    assert status == 0, out + err


def test_csv_export_neutralises_formula_starts(workspace):
    _setup(workspace)
    status, out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out), delimiter=";"))[1:]
    assert sorted(row[2] for row in rows) == sorted("'" + code for code in HOSTILE)
    assert {row[5] for row in rows} == {"'" + NAME}
    # Amounts are numbers, not text: a negative amount keeps its sign and no quote.
    assert {row[9] for row in rows} == {"100,00"}
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def test_xlsx_export_has_no_formula_cell(workspace):
    _setup(workspace)
    target = workspace.path / "avstemming.xlsx"
    status, _out, err = workspace.invoke(
        "report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--format", "xlsx", "--output", str(target)
    )
    assert status == 0, err
    sheet = load_workbook(target)["Oppgjør"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[2] for row in rows) == sorted(HOSTILE), "the text is preserved as it was"
    assert {row[5] for row in rows} == {NAME}


def test_tab_and_carriage_return_starts():
    texts = ["\tx", "\rx", "=1+1", "-1", "plain", "1580"]
    rows = [ReconciliationRow("v", date(2026, 11, 2), t, "Annet", "1580", t, 1, 100, -50, 50, "ok") for t in texts]
    parsed = list(csv.reader(io.StringIO(to_csv(rows).lstrip("\ufeff")), delimiter=";"))[1:]
    assert [row[2] for row in parsed] == ["'\tx", "'\rx", "'=1+1", "'-1", "plain", "1580"]
    assert [row[8] for row in parsed] == ["-0,50"] * len(texts), "numbers are not neutralised"
    sheet = load_workbook(io.BytesIO(to_xlsx(rows))).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == texts
