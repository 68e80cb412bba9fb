"""The reading rules behind the Excel-proof chart, on their own: the CSV reader, workbook rows, the voucher's message."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from settlement.configuration import load_chart
from settlement.domain.csvfile import SheetRows, decode, parse_csv, parse_sheet
from settlement.domain.sales import SummaryRow
from settlement.domain.voucher import build_voucher

ROOT = Path(__file__).resolve().parent.parent


def test_excel_blank_rows_are_ignored_and_line_numbers_stay_physical():
    text = decode(b'"key";"account";"name";;\r\n;;;;\r\n"a";"1920";"Bank";;\r\n"";"";"";"";""\r\n;;;\r\nb;1900;"Kasse; hoved"\r\n')
    table, problems = parse_csv(text, "f.csv", ("key", "account", "name"))
    assert problems == []
    assert [(r.line, r.get("key"), r.get("name")) for r in table.rows] == [(3, "a", "Bank"), (6, "b", "Kasse; hoved")]


def test_a_blank_row_before_the_header_is_skipped():
    table, problems = parse_csv(";;\r\nkey;account;name\r\na;1920;Bank\r\n", "f.csv", ("key", "account", "name"))
    assert problems == [] and [r.line for r in table.rows] == [3]


def test_utf16_unicode_text_with_tabs_is_read():
    data = "\ufeffnøkkel\tkonto\tnavn\r\nøre\t7740\tØresavrunding\r\n".encode("utf-16-le")
    table, problems = parse_csv(decode(data), "f.txt", ("key", "account", "name"), {"nøkkel": "key", "konto": "account", "navn": "name"})
    assert problems == []
    assert table.rows[0].values == {"key": "øre", "account": "7740", "name": "Øresavrunding"}
    assert table.heading("account") == "konto"
    big_endian = "\ufeffkey\taccount\tname\na\t1\tx\n".encode("utf-16-be")
    assert parse_csv(decode(big_endian), "f.txt", ("key", "account", "name"))[0].rows[0].get("name") == "x"


def test_a_receipt_csv_ignores_excel_blank_rows_too():
    from settlement.domain.vendors import Vendor
    from settlement.sources.generic_csv import parse_sales_csv

    vendor = Vendor("v", "V", "Europe/Oslo", time(22, 0), time(5, 0), date(2026, 1, 1), "demo-as")
    text = ("receipt_id;timestamp;type;code;vat_code;amount;vat\r\n;;;;;;\r\n"
            "R1;2026-11-02T10:00:00;sale;high;3;1.250,00;\r\nR1;2026-11-02T10:00:00;payment;card;;1 250,00;\r\n")
    lines, problems = parse_sales_csv(text, "s.csv", vendor)
    assert problems == [] and [line.amount for line in lines] == [125000, 125000]


def test_sheet_rows_follow_the_csv_rules():
    sheet = SheetRows(((1, ()), (2, ("Kilde", "Kode", "Nøkkel", "")), (3, ("group", "04006", "sales_food")),
                       (4, ("", "", "")), (5, ("# comment",)), (6, ("payment", "cash")), (7, ("group", "x\x00", "k"))))
    table, problems = parse_sheet(sheet, "m.xlsx", ("source", "code", "key"), {"kilde": "source", "kode": "code", "nøkkel": "key"})
    assert [(r.line, r.values) for r in table.rows] == [
        (3, {"source": "group", "code": "04006", "key": "sales_food", "": ""}),
        (6, {"source": "payment", "code": "cash", "key": "", "": ""}),
    ]
    assert [str(p) for p in problems] == [
        "m.xlsx:7: control character U+0000 is not allowed in a CSV field (column 'kode', value 'x\\x00')"]
    assert parse_sheet(SheetRows((), "broken"), "m.xlsx", ("source",))[1][0].format() == "m.xlsx: broken"
    assert str(parse_sheet(SheetRows(((1, ("", "")),)), "m.xlsx", ("source",))[1][0]) == \
        "m.xlsx: file is empty (expected columns: source)"


def test_an_unmapped_code_names_every_code_tried():
    chart, problems = load_chart(ROOT / "chart_of_accounts", ["v"])
    assert problems == []
    summary = [
        SummaryRow("sale", "100", "04016", "3", 10000, 2000, 1, ("T-1",)),
        SummaryRow("sale", "100", "04018", "3", 5000, 1000, 1, ("T-2",)),
        SummaryRow("payment", "bitcoin", "", None, 15000, 0, 2, ("T-1", "T-2")),
    ]
    voucher = build_voucher("v", date(2026, 11, 2), summary, chart.ledger("v"), chart.mapping("v"), tolerance=0)
    assert [p.message for p in voucher.errors] == [
        "group code '100' has no mapping (tried '100', '04016', '04018'; add one of them to mapping.csv); "
        "used by 2 receipt(s): T-1, T-2",
        "payment code 'bitcoin' has no mapping (add it to mapping.csv); used by 2 receipt(s): T-1, T-2",
    ]
