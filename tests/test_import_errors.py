"""Every kind of bad receipt row is reported with file, line, column, value and reason; a file with
any bad row imports nothing."""

from __future__ import annotations

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
GOOD = "OK-1;2026-11-02T10:00:00;sale;high;3;100,00;20,00\nOK-1;2026-11-02T10:00:00;payment;card;;100,00;\n"


def _import(workspace, body: str, header: str = HEADER, encoding: str = "utf-8"):
    path = workspace.write("in/sales.csv", header + body, encoding)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")
    return path, status, out, err


BAD_ROWS = [
    (";2026-11-02T10:00:00;sale;high;3;1,00;", "receipt_id is empty (column 'receipt_id', value '')"),
    ("X;2026-13-02T10:00:00;sale;high;3;1,00;",
     "not an ISO 8601 timestamp (e.g. 2026-11-02T14:05:00+01:00) (column 'timestamp', value '2026-13-02T10:00:00')"),
    ("X;2026-11-02T10:00:00;sold;high;3;1,00;",
     "unknown type; expected one of sale, return, shipping, tip, gift_card_sold, rounding, payment (column 'type', value 'sold')"),
    ("X;2026-11-02T10:00:00;sale;;3;1,00;", "code is empty; a sale row needs its product group (column 'code', value '')"),
    ("X;2026-11-02T10:00:00;payment;;;1,00;", "code is empty; a payment row needs its payment method (column 'code', value '')"),
    ("X;2026-11-02T10:00:00;sale;high;3;12,3x;",
     "not an amount: '12,3x' (expected e.g. 123,45 or -16.40) (column 'amount', value '12,3x')"),
    ("X;2026-11-02T10:00:00;sale;high;3;1,0051;",
     "not an amount: '1,0051' (more than two decimals) (column 'amount', value '1,0051')"),
    ("X;2026-11-02T10:00:00;sale;high;3;-5,00;",
     "a sale amount must not be negative (a return is type 'return') (column 'amount', value '-5,00')"),
    ("X;2026-11-02T10:00:00;return;high;3;5,00;", "a return amount must be negative or zero (column 'amount', value '5,00')"),
    ("X;2026-11-02T10:00:00;sale;high;;5,00;",
     "vat_code is empty; a sale row needs one (e.g. 3 for 25 %) (column 'vat_code', value '')"),
    ("X;2026-11-02T10:00:00;sale;high;4;5,00;",
     "unknown VAT code '4' (sales codes: 3, 31, 33, 32, 5, 51, 52, 6, 7) (column 'vat_code', value '4')"),
    ("X;2026-11-02T10:00:00;sale;high;3;5,00;-1,00;", "VAT must have the same sign as the amount (column 'vat', value '-1,00')"),
    ("X;2026-11-02T10:00:00;sale;high;3;5,00;6,00;", "VAT is larger than the amount it is part of (column 'vat', value '6,00')"),
    ("X;2026-11-02T10:00:00;sale;exempt;5;5,00;1,00;",
     "VAT code 5 is zero-rated but the row has VAT (column 'vat', value '1,00')"),
    ("X;2026-11-02T10:00:00;tip;;3;5,00;", "a tip row carries no VAT; leave vat_code empty (column 'vat_code', value '3')"),
    ("X;2026-11-02T10:00:00;sale;high;3;5,00;a;", "not an amount: 'a' (expected e.g. 123,45 or -16.40) (column 'vat', value 'a')"),
]


def test_each_bad_row_kind_has_its_exact_message(workspace):
    body = GOOD + "".join(row + "\n" for row, _ in BAD_ROWS)
    path, status, out, err = _import(workspace, body)
    assert status == 1
    lines = err.strip().splitlines()
    expected = [f"{path}:{index + 4}: {message}" for index, (_, message) in enumerate(BAD_ROWS)]
    assert lines == expected
    assert f"{path}: {len(BAD_ROWS)} bad row(s); nothing imported from this file" in out
    app = workspace.app()
    assert app.sales.days_with_sales("bergen-bryggen") == [], "a file with a bad row imports nothing"


def test_missing_columns_named(workspace):
    path, status, _, err = _import(workspace, "X;2026-11-02T10:00:00;sale;3\n", header="receipt_id;timestamp;type;vat_code\n")
    assert status == 1
    assert err.strip() == f"{path}:1: missing column(s) code, amount, vat; found receipt_id, timestamp, type, vat_code"


def test_receipt_spanning_two_days(workspace):
    body = "S-1;2026-11-02T23:59:00;sale;high;3;1,00;\nS-1;2026-11-03T00:01:00;payment;card;;1,00;\n"
    path, status, _, err = _import(workspace, body)
    assert status == 1
    assert f"{path}:3: receipt S-1 spans business days 2026-11-02 (line 2) and 2026-11-03 (column 'timestamp')" in err


def test_windows_1252_comma_file_with_comments_and_bom_free_header(workspace):
    body = "# kommentar med æøå\n\nÆ-1,2026-11-02T10:00:00,sale,high,3,\"100,00\",\nÆ-1,2026-11-02T10:00:00,payment,card,,100.00,\n"
    path, status, out, err = _import(workspace, body, header="Receipt_ID,Timestamp,TYPE,Code,Vat_Code,Amount,Vat\n", encoding="cp1252")
    assert status == 0, err
    assert "imported 1 receipt(s), 2 line(s)" in out
    lines = workspace.app().sales.summary("bergen-bryggen", __import__("datetime").date(2026, 11, 2))
    assert {row.refs for row in lines} == {("Æ-1",)}


def test_unbalanced_receipt_is_a_warning_with_its_line(workspace):
    body = "U-1;2026-11-02T10:00:00;sale;high;3;100,00;\nU-1;2026-11-02T10:00:00;payment;card;;90,00;\n"
    path, status, _, err = _import(workspace, body)
    assert status == 0
    assert err.strip() == f"{path}:2: warning: receipt U-1 does not balance: payments minus sales is -10,00 NOK"


def test_reimport_is_idempotent_and_replaces_changed_receipts(workspace):
    from datetime import date

    path, status, out, _ = _import(workspace, GOOD)
    assert status == 0 and "(0 replaced" in out
    path, status, out, _ = _import(workspace, GOOD)
    assert "(1 replaced" in out
    changed = GOOD.replace("100,00;20,00", "150,00;30,00").replace("card;;100,00", "card;;150,00")
    _import(workspace, changed)
    summary = workspace.app().sales.summary("bergen-bryggen", date(2026, 11, 2))
    assert [(row.type, row.amount, row.lines) for row in summary] == [("payment", 15000, 1), ("sale", 15000, 1)]
