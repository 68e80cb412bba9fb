"""SAF-T exporter profiles (`saft_profile` in vendors.toml), through the real CLI.

Each exporter style is written by tests/saft_builder.py the way such a POS writes it (valid
against the official XSD): totalCashSaleAmnt as sales only, VAT code 0 for 0 % items without a
<vatCodeDetail>, payment types written as descriptions. With the standard profile each quirk is
what it always was (a blocked day, or a Z warning); with the vendor's profile it is read, with
the notes saying so. Totals per VAT code and payment type are computed here independently.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from tests.golden_files import assert_golden
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, z_report_for

GOLDEN = Path(__file__).parent / "golden" / "notes"
D1, D2 = date(2026, 11, 2), date(2026, 11, 3)
VENDOR = "oslo-sentrum"


def with_profile(workspace, profile: str, registers: str | None = None) -> None:
    """Give oslo-sentrum a saft_profile line (TOML value as written) and optionally saft_registers."""
    path = workspace.path / "vendors.toml"
    extra = f"saft_profile = {profile}\n" + (f"saft_registers = {registers}\n" if registers else "")
    path.write_text(path.read_text(encoding="utf-8").replace('id = "oslo-sentrum"\n', f'id = "oslo-sentrum"\n{extra}', 1),
                    encoding="utf-8")


def code_0_file() -> tuple[SaftFile, list[Transaction]]:
    """A bakery POS: bread at 15 % and newspapers (0 %) written with VAT code 0."""
    day1 = [
        Transaction("1", "2026-11-02", "08:00:00", [Line(4500, "100", "2"), Line(3900, "200", "0")], [Payment("CARD", 8400)]),
        Transaction("2", "2026-11-02", "09:00:00", [Line(3900, "200", "0")], [Payment("CASH", 3900)]),
    ]
    day2 = [Transaction("3", "2026-11-03", "08:30:00", [Line(6000, "100", "2")], [Payment("CARD", 6000)])]
    z = [z_report_for("Z1", "2026-11-02", day1), z_report_for("Z2", "2026-11-03", day2)]
    return SaftFile([Location("Bakeri", [Register("K1", day1 + day2, z)])]), day1 + day2


def sales_only_file() -> SaftFile:
    day1 = [
        Transaction("1", "2026-11-02", "10:00:00", [Line(10000, "200", "3")], [Payment("CASH", 10000)]),
        Transaction("2", "2026-11-02", "11:00:00", [Line(-2000, "200", "3")], [Payment("CASH", -2000)]),
    ]
    return SaftFile([Location("Butikk", [Register("K1", day1, [z_report_for("Z1", "2026-11-02", day1, sales_only=True)])])])


def descriptions_file() -> tuple[SaftFile, list[Transaction]]:
    day1 = [
        Transaction("1", "2026-11-02", "10:00:00", [Line(12500, "200", "3")], [Payment("CASH", 12500)]),
        Transaction("2", "2026-11-02", "12:00:00", [Line(8000, "300", "3")], [Payment("CARD", 5000), Payment("VIPPS", 3000)]),
    ]
    z = [z_report_for("Z1", "2026-11-02", day1)]
    return SaftFile([Location("Butikk", [Register("K1", day1, z)])], payment_descriptions=True), day1


def by_payment(transactions: list[Transaction]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for tx in transactions:
        for payment in tx.paid():
            totals[payment.type] = totals.get(payment.type, 0) + payment.amount
    return totals


def stored_payments(app, day: date) -> dict[str, int]:
    return {row.code: row.amount for row in app.sales.summary(VENDOR, day) if row.type == "payment"}


@pytest.mark.parametrize("make", [lambda: code_0_file()[0], sales_only_file, lambda: descriptions_file()[0]],
                         ids=["vat-code-0", "z-sales-only", "payment-descriptions"])
def test_each_exporter_style_is_valid_against_the_official_schema(tmp_path, make):
    from tests.conftest import shared_file

    schema = etree.XMLSchema(etree.parse(str(shared_file("saf-t/cash-register/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"))))
    path = make().write(tmp_path / "style.xml")
    assert schema.validate(etree.parse(str(path))), [error.message for error in schema.error_log][:3]


def test_vat_code_0_blocks_its_day_on_the_standard_profile(workspace):
    saft, _ = code_0_file()
    path = saft.write(workspace.path / "bakery.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 1
    assert f"business day 2026-11-02 of {VENDOR} blocked by 2 error(s)" in out
    assert "VAT code 0 is not in <vatCodeDetails>" in err
    assert workspace.app().sales.days_with_sales(VENDOR) == [D2]


def test_vat_code_0_is_5_with_a_warning_on_every_use(workspace):
    with_profile(workspace, '"vat_code_0_is_5"')
    saft, transactions = code_0_file()
    path = saft.write(workspace.path / "bakery.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0, out + err
    app = workspace.app()
    assert app.sales.days_with_sales(VENDOR) == [D1, D2]
    by_code: dict[str | None, int] = {}
    for row in app.sales.summary(VENDOR, D1):
        if row.type == "sale":
            by_code[row.vat_code] = by_code.get(row.vat_code, 0) + row.amount
    expected = {"31": 4500, "5": 3900 + 3900}  # computed from the file's lines above
    assert by_code == expected
    assert stored_payments(app, D1) == by_payment(transactions[:2])
    notes = [n.message for n in app.sales.notes(VENDOR, D1)]
    assert sum("VAT code 0 read as standard code 5" in m for m in notes) == 2  # one per line written with code 0
    assert not app.voucher(VENDOR, D1).blocked


def test_a_register_entry_has_its_own_profile(workspace):
    with_profile(workspace, '"standard"', '[{register = "K1", profile = ["vat_code_0_is_5"]}]')
    saft, _ = code_0_file()
    path = saft.write(workspace.path / "bakery.xml")
    status, out, err = workspace.invoke("import", "saft", str(path))  # registers mapped by saft_registers
    assert status == 0, out + err
    assert workspace.app().sales.days_with_sales(VENDOR) == [D1, D2]


def test_z_total_as_sales_only(workspace):
    path = sales_only_file().write(workspace.path / "z.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0, err
    assert ("total sales incl. VAT is 100,00 in the Z report, but the transactions add up to 80,00 (the Z report seems "
            "to count sales only, returns not subtracted: saft_profile z_total_sales_only)") in err

    with_profile(workspace, '["z_total_sales_only"]')
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0 and "warning" not in err, err
    assert workspace.app().sales.notes(VENDOR, D1) == []  # the earlier warning is replaced by none


def test_payment_types_written_as_descriptions(workspace):
    saft, transactions = descriptions_file()
    path = saft.write(workspace.path / "desc.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 1 and "payment type 'Cash' is not a payment type in <basics>" in err

    with_profile(workspace, '["payment_types_by_description"]')
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0 and "warning" not in err, out + err  # the Z report, written the same way, agrees
    app = workspace.app()
    assert stored_payments(app, D1) == by_payment(transactions)  # stored under the basics' ids
    assert not app.voucher(VENDOR, D1).blocked


def test_an_unknown_quirk_is_a_vendors_toml_error(workspace):
    with_profile(workspace, '["vat_code_0_is_5", "negative_tips"]')
    status, out, err = workspace.invoke("import", "saft", str(sales_only_file().write(workspace.path / "z.xml")))
    assert status != 0
    assert "key 'saft_profile' names unknown SAF-T quirk(s) negative_tips" in out + err


def test_the_profile_notes_are_golden(workspace):
    with_profile(workspace, '["vat_code_0_is_5", "payment_types_by_description"]')
    saft, _ = code_0_file()
    saft.payment_descriptions = True
    path = saft.write(workspace.path / "bakery.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0, out + err
    app = workspace.app()
    notes = {day.isoformat(): [n.message.replace(str(path), "bakery.xml") for n in app.sales.notes(VENDOR, day)]
             for day in (D1, D2)}
    assert_golden(GOLDEN / "bakery_profile_quirks.json", notes)
