"""Skatteetaten's own SAF-T Cash Register example files, imported through the real CLI."""

from __future__ import annotations

from datetime import date

from tests.conftest import shared_file

EXAMPLE_2021 = "saf-t/cash-register/examples/ExampleFile_SAF-T_Cash_Register_999999999_20210330104000.xml"
EXAMPLE_2016 = "saf-t/cash-register/examples/superseded/ExampleFile_SAF-T_Cash_Register_999999999_20161125210734.xml"
RECEIPT = "999999999/11.222-33.44.567/"


def _by_type(summary):
    totals: dict[str, int] = {}
    for row in summary:
        totals[row.type] = totals.get(row.type, 0) + row.amount
    return totals


def test_official_2021_example_gives_the_documented_day(workspace):
    path = shared_file(EXAMPLE_2021)
    result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 4 transaction(s)" in result.stdout
    assert "warning" not in result.stderr  # the Z report agrees with the transactions

    app = workspace.app()
    day = date(2020, 1, 1)
    summary = app.sales.summary("oslo-sentrum", day)
    totals = _by_type(summary)
    assert totals["sale"] + totals["return"] == 51420  # gross sales net of returns
    assert totals["payment"] == 51380
    assert totals["rounding"] == -40
    payments = {(row.code, row.fallback_code): row.amount for row in summary if row.type == "payment"}
    assert payments == {("CASH", "12001"): 29500, ("DEBCARD", "12002"): 21880}

    by_vat: dict[str, list[int]] = {}
    for row in summary:
        if row.type in ("sale", "return"):
            bucket = by_vat.setdefault(row.vat_code, [0, 0])
            bucket[0] += row.amount - row.vat
            bucket[1] += row.vat
    # The file's own VAT code 2 (15 %) is standard code 31, its code 3 (25 %) standard code 3.
    assert by_vat == {"31": [8938, 1342], "3": [32912, 8228]}

    returns = [row for row in summary if row.type == "return"]
    assert [(r.amount, r.vat, r.code, r.fallback_code, r.refs) for r in returns] == [
        (-1640, -214, "100", "04006", (RECEIPT + "1003",))
    ]
    assert app.sales.notes("oslo-sentrum", day) == []


def test_superseded_2016_example_imports_with_its_defects_as_warnings(workspace):
    path = shared_file(EXAMPLE_2016)  # UTF-8 BOM, n1: prefix, CRLF, known inconsistencies
    result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 3 transaction(s)" in result.stdout
    stderr = result.stderr
    # The dummy rounding of 1234.560 on every receipt is ignored (payments equal the amounts).
    assert stderr.count("<roundingAmnt> 1234.560 ignored") == 3
    # Its line VAT is 15 % of the amount instead of the VAT inside it.
    assert "transaction 1000: VAT 4,92 is not 15 % of 32,80 (that would be 4,28)" in stderr
    # Its Z report states cashSaleAmnt including VAT.
    assert "sales excl. VAT at 15 % is 119,20 in the Z report, but the transactions add up to 101,32" in stderr
    assert "sales excl. VAT at 25 % is 411,40 in the Z report, but the transactions add up to 308,55" in stderr
    assert "seems to include VAT" in stderr
    # Total sales and payments agree, and its cumulative grand totals are not compared.
    assert "total sales" not in stderr and "payment type" not in stderr and "GrandTotal" not in stderr

    app = workspace.app()
    day = date(2016, 1, 1)
    totals = _by_type(app.sales.summary("oslo-sentrum", day))
    assert totals == {"sale": 53060, "payment": 53060}  # no rounding line from the dummy value
    notes = app.sales.notes("oslo-sentrum", day)
    assert len(notes) == 12
    z_notes = [n for n in notes if n.ref == RECEIPT + "Z1"]
    assert len(z_notes) == 2 and all("Z report 1 (2016-01-01)" in n.message for n in z_notes)
    assert all(n.source == "saft" for n in notes)
