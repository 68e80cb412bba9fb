"""An accountant keeps the chart in Excel: the files Excel writes are read, and its traps are named.

The files are built here the way Excel writes them: "CSV (semicolon)" on a Norwegian Windows
(Windows-1252, CRLF, quoted fields, trailing empty columns, a blank `;;;;` row), "Unicode text"
(UTF-16-LE with a BOM, tab-separated) and a workbook (.xlsx) where a code typed as 4006 is a number.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

# Header and rows as the accountant typed them (Norwegian header names, trailing empty columns).
# Two mistakes: sales_food's account has five digits, and payment_swish is in no ledger.
LEDGER = [
    ["Nøkkel", "Konto", "Navn", "", ""],
    ["settlement", "1901", "Oppgjørskonto kasse"],
    ["rounding", "7740", "Øresavrunding"],
    ["tips", "2990", "Skyldig driks; ansatte"],  # a ';' inside a name: Excel quotes the field
    ["gift_card", "2900", "Gavekort"],
    ["shipping", "3090", "Fraktinntekter"],
    ["difference", "7790", "Kassedifferanse"],
    [],  # Excel's blank row
    ["sales_high", "3000", 'Salgsinntekt "høy" 25 %'],
    ["sales_food", "30300", "Salgsinntekt næringsmidler"],  # line 10: bad account
    ["payment_cash", "1900", "Kontanter"],
    ["payment_card", "1920:10001", "Kortoppgjør"],
]
MAPPING = [
    ["Kilde", "Kode", "Nøkkel", "", ""],
    ["group", "high", "sales_high"],
    ["group", "4006", "sales_food"],  # line 3: Excel's 04006; its key was refused (no second error)
    ["group", "4003", "sales_high"],  # line 4: Excel's 04003
    [],
    ["payment", "cash", "payment_cash"],
    ["payment", "2001", "payment_cash"],  # line 7: 12001 without its first digit
    ["payment", "swish", "payment_swish"],  # line 8: unknown key
    ["payment", "card", "payment_card"],
]
WIDTH = 5  # Excel writes every row as wide as the widest


def _expected(chart: Path, ext: str) -> list[str]:
    ledger, mapping = chart / f"default_ledger.{ext}", chart / f"mapping.{ext}"
    lost = "with its first digit lost (Excel drops leading zeros)"
    return [
        f"{ledger}:10: bad account number for key 'sales_food': expected NNNN or NNNN:NNNNN (column 'konto', value '30300')",
        f"{mapping}:8: mapping to unknown key 'payment_swish' (column 'nøkkel', value 'payment_swish')",
        f"{mapping}:3: warning: group code '4006' looks like the SAF-T code '04006' {lost}; if '04006' is meant, "
        f"write it so (as text in Excel: '04006) (column 'code', value '4006')",
        f"{mapping}:4: warning: group code '4003' looks like the SAF-T code '04003' {lost}; if '04003' is meant, "
        f"write it so (as text in Excel: '04003) (column 'code', value '4003')",
        f"{mapping}:7: warning: payment code '2001' looks like the SAF-T code '12001' {lost}; if '12001' is meant, "
        f"write it so (as text in Excel: '12001) (column 'code', value '2001')",
    ]


def _excel_csv(rows: list[list[str]]) -> bytes:
    """Excel's "CSV (semicolon)": cp1252, CRLF, fields with ; or " quoted, every row WIDTH wide."""
    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if (";" in value or '"' in value) else value

    lines = [";".join(field(v) for v in row + [""] * (WIDTH - len(row))) for row in rows]
    return "\r\n".join(lines).encode("cp1252") + b"\r\n"


def _unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode text": UTF-16-LE with a BOM, tab-separated, CRLF, fields with " quoted."""
    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if '"' in value else value

    lines = ["\t".join(field(v) for v in row + [""] * (WIDTH - len(row))) for row in rows]
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def _workbook(rows: list[list[str]], path: Path) -> None:
    """A workbook as Excel saves it after typing: digits become numbers (4006, 3000), a blank row is absent."""
    workbook = Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value:
                sheet.cell(number, column, int(value) if value.isdigit() else value)
    workbook.save(path)


def _fresh_chart(workspace) -> Path:
    shutil.rmtree(workspace.chart)
    workspace.chart.mkdir()
    return workspace.chart


def _check(workspace) -> tuple[int, list[str], str]:
    status, out, err = workspace.invoke("accounts", "check")
    return status, err.strip().splitlines(), out.strip()


def test_an_excel_saved_csv_chart_gives_exactly_its_problems_and_warnings(workspace):
    chart = _fresh_chart(workspace)
    (chart / "default_ledger.csv").write_bytes(_excel_csv(LEDGER))
    (chart / "mapping.csv").write_bytes(_excel_csv(MAPPING))
    status, lines, out = _check(workspace)
    assert (status, lines, out) == (1, _expected(chart, "csv"), "2 problem(s) found")


def test_the_same_chart_as_excel_unicode_text(workspace):
    chart = _fresh_chart(workspace)
    (chart / "default_ledger.csv").write_bytes(_unicode_text(LEDGER))
    (chart / "mapping.csv").write_bytes(_unicode_text(MAPPING))
    status, lines, out = _check(workspace)
    assert (status, lines, out) == (1, _expected(chart, "csv"), "2 problem(s) found")


def test_the_same_chart_as_workbooks_with_numeric_cells(workspace):
    chart = _fresh_chart(workspace)
    _workbook(LEDGER, chart / "default_ledger.xlsx")
    _workbook(MAPPING, chart / "mapping.xlsx")
    status, lines, out = _check(workspace)
    assert (status, lines, out) == (1, _expected(chart, "xlsx"), "2 problem(s) found")


def test_a_workbook_keeps_codes_typed_as_text_and_names_are_read_as_written(workspace):
    chart = _fresh_chart(workspace)
    shutil.copy(Path(__file__).parent.parent / "chart_of_accounts" / "default_ledger.csv", chart)
    workbook = Workbook()
    sheet = workbook.active
    for row in (["source", "code", "key"], ["group", "04006", "sales_food"], ["group", 4006.0, "sales_food"],
                ["# a comment row"], ["payment", 12001, "payment_cash"]):
        sheet.append(row)
    workbook.save(chart / "mapping.xlsx")
    status, lines, out = _check(workspace)
    assert status == 0, lines
    assert [line.split(": warning: ")[0] for line in lines] == [f"{chart}/mapping.xlsx:3"]
    mapping = workspace.app().chart.default_mapping
    assert [(r.code, r.line) for r in mapping.values()] == [("04006", 2), ("4006", 3), ("12001", 5)]


def test_excel_owner_files_of_open_workbooks_are_not_chart_files(workspace):
    workspace.write("chart_of_accounts/vendors/~$oslo-sentrum.xlsx", "\x00owner")
    assert _check(workspace)[0] == 0


def test_a_part_written_as_csv_and_as_xlsx_is_one_problem(workspace):
    chart = workspace.chart
    _workbook([["key", "account", "name"], ["settlement", "1901", "Oppgjør"]], chart / "default_ledger.xlsx")
    status, lines, out = _check(workspace)
    assert (status, out) == (1, "1 problem(s) found")
    assert lines == [f"{chart}/default_ledger.csv: both default_ledger.csv and default_ledger.xlsx are in the folder; "
                     "keep only one of them"]


def test_a_missing_column_is_one_problem_and_nothing_follows_from_it(workspace):
    chart = workspace.chart
    (chart / "default_ledger.csv").write_bytes(b"key;konto\r\nsettlement;1901\r\nrounding;7740\r\n")
    status, lines, out = _check(workspace)
    assert (status, out) == (1, "1 problem(s) found")
    assert lines == [f"{chart}/default_ledger.csv:1: missing column(s) name; found key, konto"]


def test_a_refused_ledger_row_is_not_reported_again_by_what_refers_to_it(workspace):
    ledger = workspace.chart / "default_ledger.csv"
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("rounding;7740;", "rounding;774;")
                      .replace("payment_vipps;1581;", "Payment_Vipps;1581;"), encoding="utf-8")
    status, lines, _ = _check(workspace)
    assert status == 1
    # Neither "missing reserved key 'rounding'" nor the mapping rows to payment_vipps.
    assert [line.split(": ", 1)[1] for line in lines] == [
        "bad account number for key 'rounding': expected NNNN or NNNN:NNNNN (column 'account', value '774')",
        "bad ledger key (use lower-case letters, digits and _) (column 'key', value 'Payment_Vipps')",
    ]


def test_norwegian_header_beside_its_english_name_is_refused(workspace):
    (workspace.chart / "mapping.csv").write_text("source;code;key;nøkkel\ngroup;high;sales_high;x\n", encoding="utf-8")
    status, lines, _ = _check(workspace)
    assert status == 1
    assert lines == [f"{workspace.chart}/mapping.csv:1: columns 'key' and 'nøkkel' are the same column; keep one"]


def test_a_damaged_workbook_is_a_problem_with_its_file(workspace):
    chart = workspace.chart
    (chart / "mapping.csv").unlink()
    (chart / "mapping.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    status, lines, _ = _check(workspace)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"{chart}/mapping.xlsx: not a readable Excel workbook (.xlsx): ")


def test_the_saft_codes_are_the_five_digit_codes_of_the_shipped_mapping():
    from settlement.domain.chart import SAFT_CODES

    rows = (Path(__file__).parent.parent / "chart_of_accounts" / "mapping.csv").read_text(encoding="utf-8").splitlines()
    shipped: dict[str, list[str]] = {}
    for row in rows:
        source, _, rest = row.partition(";")
        code = rest.partition(";")[0]
        if len(code) == 5 and code.isdigit():
            shipped.setdefault(source, []).append(code)
    assert {source: tuple(codes) for source, codes in shipped.items()} == SAFT_CODES


# --- accounts export --xlsx ------------------------------------------------------------------------

def _rows(chart, vendor: str | None = None):
    ledger = chart.default_ledger if vendor is None else chart.ledger(vendor)
    mapping = chart.default_mapping if vendor is None else chart.mapping(vendor)
    return ([(r.key, r.account, r.name) for r in ledger.values()], [(r.source, r.code, r.key) for r in mapping.values()])


@pytest.mark.parametrize("vendor", [None, "oslo-sentrum"])
def test_export_and_read_back_is_lossless(workspace, tmp_path, vendor):
    workspace.write("chart_of_accounts/vendors/oslo-sentrum.csv", "key;account;name\npayment_card;1920:10002;Kort Oslo\n")
    workspace.write("chart_of_accounts/vendors/oslo-sentrum.mapping.csv", "source;code;key\ngroup;00123;sales_low\n")
    before = _rows(workspace.app().chart, vendor)
    target = tmp_path / "chart.xlsx"
    status, out, err = workspace.invoke("accounts", "export", "--xlsx", str(target), *(["--vendor", vendor] if vendor else []))
    assert status == 0, err
    whose = "the default chart" if vendor is None else f"{vendor}'s chart"
    assert out.strip() == f"Wrote {whose} to {target}: {len(before[0])} ledger keys, {len(before[1])} mapping rows"

    # Every cell is text, in text-formatted cells (so Excel keeps 04006 and 1920:10001).
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["ledger", "mapping"]
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert {(c.data_type, c.number_format) for c in cells} == {("s", "@")}

    shutil.rmtree(workspace.chart)
    workspace.chart.mkdir()
    shutil.copy(target, workspace.chart / "default_ledger.xlsx")
    shutil.copy(target, workspace.chart / "mapping.xlsx")
    status, out, err = workspace.invoke("accounts", "check")
    assert (status, err) == (0, ""), err
    assert _rows(workspace.app().chart) == before


def test_export_needs_a_known_vendor_and_a_writable_place(workspace, tmp_path):
    status, _, err = workspace.invoke("accounts", "export", "--xlsx", str(tmp_path / "x.xlsx"), "--vendor", "nowhere")
    assert status == 2 and "unknown vendor 'nowhere'" in err
    status, _, err = workspace.invoke("accounts", "export", "--xlsx", str(tmp_path / "missing" / "x.xlsx"))
    assert status == 2 and err.startswith(f"{tmp_path / 'missing' / 'x.xlsx'}: cannot write the workbook: ")
