"""Discounts flow from the sources to the settlement report, informational only: the sales amounts
stay what the customer paid, so the voucher (and what goes to Fiken) is the same with or without
them; a source that does not state discounts is reported as "ikke oppgitt", not as zero."""

from __future__ import annotations

import sqlite3
from datetime import date

from pypdf import PdfReader

from settlement.sources.woocommerce.orders import parse_order
from settlement.store import open_engine
from settlement.store.migrate import MIGRATIONS
from settlement.woo_sandbox import Item, utc
from tests.fixtures_woo import run_woo_cli, woo_vendor
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction
from tests.test_woocommerce_orders import URL, order

NOV2 = date(2026, 11, 2)

# R1 got 50,00 off (the amount is after it), R2 none, R3 is a return (no discount column value).
WITH_DISCOUNTS = """receipt_id;timestamp;type;code;vat_code;amount;vat;discount
R1;2026-11-02T09:00:00;sale;high;3;200,00;40,00;50,00
R1;2026-11-02T09:00:00;payment;card;;200,00;;
R2;2026-11-02T10:00:00;sale;food;31;115,00;15,00;
R2;2026-11-02T10:00:00;sale;high;3;100,00;20,00;12,50
R2;2026-11-02T10:00:00;payment;vipps;;215,00;;
R3;2026-11-02T11:00:00;return;high;3;-50,00;-10,00;
R3;2026-11-02T11:00:00;payment;vipps;;-50,00;;
"""
WITHOUT_DISCOUNTS = "\n".join(
    ";".join(row.split(";")[:7]) for row in WITH_DISCOUNTS.splitlines()
) + "\n"


def _import_csv(workspace, text: str, name: str = "kasse.csv", vendor: str = "bergen-bryggen"):
    return workspace.run("import", "sales", str(workspace.write(name, text)), "--vendor", vendor)


def _pdf_lines(workspace, vendor: str = "bergen-bryggen") -> list[str]:
    """The day's PDF made in bokmål (what these tests read), the rest of the commands in English."""
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    try:
        result = workspace.run("report", "--vendor", vendor, "--date", "2026-11-02", "--pdf")
    finally:
        del workspace.extra_env["SETTLEMENT_LANGUAGE"]
    assert result.returncode == 0, result.stderr
    reader = PdfReader(workspace.path / "data" / "reports" / vendor / "2026-11-02.pdf")
    return "\n".join(page.extract_text() for page in reader.pages).splitlines()


def test_csv_discounts_are_stored_and_shown_in_the_pdf_without_changing_the_voucher(workspace):
    assert _import_csv(workspace, WITHOUT_DISCOUNTS).returncode == 0
    app = workspace.app()
    plain = app.voucher("bergen-bryggen", NOV2)
    assert "Rabatter ikke oppgitt i kildedataene" in _pdf_lines(workspace)

    result = _import_csv(workspace, WITH_DISCOUNTS)
    assert result.returncode == 0, result.stderr
    stored = {(line.receipt_id, line.type, line.code): line.discount for line in app.sales.lines("bergen-bryggen", NOV2)}
    assert stored[("R1", "sale", "high")] == 5000
    assert stored[("R2", "sale", "food")] == 0
    assert stored[("R2", "sale", "high")] == 1250
    assert stored[("R1", "payment", "card")] is None  # only sale rows carry a discount
    # The voucher is exactly the same: the discount is part of no amount.
    assert app.voucher("bergen-bryggen", NOV2) == plain
    assert "Rabatter 62,50" in _pdf_lines(workspace)


def test_csv_discount_is_checked(workspace):
    bad = WITH_DISCOUNTS.replace("200,00;40,00;50,00", "200,00;40,00;-5,00").replace(
        "R1;2026-11-02T09:00:00;payment;card;;200,00;;", "R1;2026-11-02T09:00:00;payment;card;;200,00;;1,00")
    result = _import_csv(workspace, bad, "bad.csv")
    assert result.returncode != 0
    assert ("bad.csv:2: a discount must not be negative (it is the price reduction given) "
            "(column 'discount', value '-5,00')") in result.stderr
    assert "bad.csv:3: only sale rows can have a discount, not payment rows (column 'discount', value '1,00')" in result.stderr
    assert workspace.app().sales.lines("bergen-bryggen", NOV2) == []  # nothing partial is stored


def _saft_file() -> SaftFile:
    transactions = [
        # 20,00 off the first line, and 5,00 off the whole receipt.
        Transaction("1", "2026-11-02", "09:00:00", [Line(18000, "200", "3", discount=2000), Line(4990, "100", "2")],
                    [Payment("CARD", 22990)], discount=500),
        Transaction("2", "2026-11-02", "10:00:00", [Line(10000, "200", "3")], [Payment("CASH", 10000)]),
        # A return of a discounted item gives its discount back.
        Transaction("3", "2026-11-02", "11:00:00", [Line(-4000, "200", "3", discount=1000)], [Payment("CARD", -4000)]),
    ]
    return SaftFile([Location("Butikk A", [Register("K1", transactions)])])


def test_saft_discount_elements_are_stored_and_reported(workspace):
    for convention in ("official", "absolute"):
        path = SaftFile(_saft_file().locations, convention=convention).write(workspace.path / f"{convention}.xml")
        text = path.read_text()
        assert "<dscAmnt>20.00</dscAmnt>" in text and "<dscAmnt>5.00</dscAmnt>" in text
        result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
        assert result.returncode == 0, result.stdout + result.stderr
        lines = workspace.app().sales.lines("oslo-sentrum", NOV2)
        by_line = {(line.receipt_id, line.amount): line.discount for line in lines if line.type in ("sale", "return")}
        assert by_line == {
            ("999999999/K1/1", 18000): 2000 + 500,  # the receipt's discount noted on its first line
            ("999999999/K1/1", 4990): 0,
            ("999999999/K1/2", 10000): 0,
            ("999999999/K1/3", -4000): -1000,
        }, convention
        assert {line.discount for line in lines if line.type == "payment"} == {None}
    assert "Rabatter 15,00" in _pdf_lines(workspace, "oslo-sentrum")


def test_saft_and_csv_without_discounts_on_one_day_show_each_source(workspace):
    path = _saft_file().write(workspace.path / "shop.xml")
    assert workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum").returncode == 0
    assert _import_csv(workspace, WITHOUT_DISCOUNTS, vendor="oslo-sentrum").returncode == 0
    assert "Rabatter 15,00  (csv: ikke oppgitt, saft: 15,00)" in _pdf_lines(workspace, "oslo-sentrum")


def test_woocommerce_coupon_is_the_line_discount_including_vat():
    raw = order([Item("Kaffe", "125.00", 2), Item("Te", "60.00", 1)], coupon=("HOST10", 10))
    parsed = parse_order(raw, woo_vendor("https://shop.example"), URL + "500")
    assert parsed.problems == []
    discounts = {(line.type, line.amount): line.discount for line in parsed.lines}
    # 10 % off 250,00 and 60,00 incl. VAT; WooCommerce's discount_total is the same without VAT.
    assert discounts == {("sale", 22500): 2500, ("sale", 5400): 600, ("payment", 27900): None}
    assert raw["discount_total"] == "24.80" and 2500 + 600 == 2480 * 125 // 100


def test_woocommerce_coupon_discount_is_stored_through_the_sync(workspace, woo_shop):
    woo_shop.add_order([Item("Kaffe", "100.00", 2)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9, 30),
                       coupon=("HOST20", 20), payment_method="vipps")
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert result.returncode == 0, result.stderr
    lines = workspace.app().sales.lines("nettbutikk", NOV2)
    assert [(line.type, line.amount, line.discount) for line in lines if line.type == "sale"] == [("sale", 16000, 4000)]


def test_a_version_2_database_gets_the_discount_column(tmp_path):
    path = tmp_path / "old.db"
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:  # make it look as version 2 left it, with a stored line
        db.execute("ALTER TABLE sale_line DROP COLUMN discount")
        db.execute("DELETE FROM schema_version WHERE version > 2")
        db.execute("INSERT INTO sale_line (vendor, source, receipt_id, timestamp, business_day, type, code, "
                   "fallback_code, vat_code, amount, vat, origin) VALUES ('v', 'csv', 'R1', '2026-11-02 09:00:00', "
                   "'2026-11-02', 'sale', 'high', '', '3', 10000, 2000, 'old.csv:2')")
    engine = open_engine(f"sqlite:///{path}")
    try:
        from settlement.store import SalesStore

        old = SalesStore(engine).lines("v", NOV2)
        assert [(line.amount, line.discount) for line in old] == [(10000, None)]  # read before discounts were kept
    finally:
        engine.dispose()
    with sqlite3.connect(path) as db:
        assert "discount" in {row[1] for row in db.execute("PRAGMA table_info(sale_line)")}
        assert [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")] == [m.version for m in MIGRATIONS]
    open_engine(f"sqlite:///{path}").dispose()  # opening again changes nothing


def test_a_version_2_postgresql_database_gets_the_discount_column(pg_url):
    from sqlalchemy import inspect, text

    open_engine(pg_url).dispose()
    engine = open_engine(pg_url, create=False)
    try:
        with engine.begin() as conn:  # as version 2 left it
            conn.execute(text("ALTER TABLE sale_line DROP COLUMN discount"))
            conn.execute(text("DELETE FROM schema_version WHERE version > 2"))
    finally:
        engine.dispose()
    engine = open_engine(pg_url)
    try:
        columns = {c["name"]: c for c in inspect(engine).get_columns("sale_line")}
        assert str(columns["discount"]["type"]) == "BIGINT" and columns["discount"]["nullable"]
        with engine.connect() as conn:
            assert [v for (v,) in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))] == [m.version for m in MIGRATIONS]
    finally:
        engine.dispose()


def test_a_bad_saft_discount_names_the_file_line_and_transaction(workspace):
    path = _saft_file().write(workspace.path / "shop.xml")
    text = path.read_text().replace("<dscAmnt>20.00</dscAmnt>", "<dscAmnt>20,00</dscAmnt>", 1)
    path.write_text(text)
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if "20,00" in row)
    result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert result.returncode != 0
    assert f"shop.xml:{line}" in result.stderr, result.stderr
    assert "transaction 1" in result.stderr and "<dscAmnt> is not an amount" in result.stderr
    assert workspace.app().sales.lines("oslo-sentrum", NOV2) == []


def test_the_discount_elements_are_where_the_schema_puts_them(tmp_path):
    from lxml import etree

    from tests.conftest import shared_file

    schema = etree.XMLSchema(etree.parse(str(shared_file("saf-t/cash-register/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"))))
    for convention in ("official", "absolute"):
        path = SaftFile(_saft_file().locations, convention=convention).write(tmp_path / f"{convention}.xml")
        assert schema.validate(etree.parse(str(path))), [error.message for error in schema.error_log][:3]
