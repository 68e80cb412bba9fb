"""SAF-T import of generated files through the real CLI: every kind of line, both sign conventions,
re-imports, register → vendor mapping and Z-report cross-checks."""

from __future__ import annotations

from datetime import date

import pytest

from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, z_report_for

DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 3)


def shop_file(convention: str = "official", tamper_z=None, **options) -> SaftFile:
    """Two locations, three registers, two days; every kind of transaction the importer knows."""
    k1 = [
        Transaction("1", "2026-11-02", "09:00:00", [Line(25000, "200", "3"), Line(4990, "100", "2")], [Payment("CARD", 29990)]),
        Transaction("2", "2026-11-02", "10:00:00", [Line(10010, "200", "3")], [Payment("CASH", 10000)], rounding=-10),
        Transaction("3", "2026-11-02", "11:00:00", [Line(-4990, "100", "2")], [Payment("CARD", -4990)]),
        Transaction("4", "2026-11-02", "12:00:00", [Line(30000, "200", "3")], [Payment("CARD", 33000)], tip=3000),
        Transaction("5", "2026-11-02", "13:00:00", [Line(50000, line_type="GC")], [Payment("CARD", 50000)]),
        Transaction("6", "2026-11-02", "14:00:00", [Line(99900)], training=True),
        Transaction("7", "2026-11-02", "15:00:00", [Line(12300)], void=True),
        Transaction("8", "2026-11-03", "02:30:00", [Line(2000, "100", "2")], [Payment("VIPPS", 2000)]),  # before day_start 05:00
        Transaction("9", "2026-11-02", "16:00:00", [Line(10000, "200", "3"), Line(-2500, "200", "3")], [Payment("CASH", 7500)]),
        Transaction("10", "2026-11-02", "07:00:00", [], [Payment("CASH", 100000)], trans_type="FLOAT"),
    ]
    k2 = [Transaction("1", "2026-11-03", "12:00:00", [Line(15000, "300", "3")], [Payment("GIFT", 15000)])]
    b1 = [Transaction("1", "2026-11-02", "19:00:00", [Line(20000, "200", "3")], [Payment("CARD", 22000)], tip=2000, tip_inside=True)]
    z_k1 = z_report_for("101", "2026-11-02", k1)
    if tamper_z:
        tamper_z(z_k1)
    registers_a = [
        Register("K1", k1, [z_k1]),
        Register("K2", k2, [z_report_for("201", "2026-11-03", k2)]),
    ]
    return SaftFile(
        [Location("Butikk A", registers_a), Location(None, [Register("B1", b1, [z_report_for("301", "2026-11-02", b1)])])],
        convention=convention, **options,
    )


def totals(summary) -> dict[tuple[str, str], int]:
    result: dict[tuple[str, str], int] = {}
    for row in summary:
        key = (row.type, row.code if row.type == "payment" else "")
        result[key] = result.get(key, 0) + row.amount
    return result


EXPECTED_DAY1 = {
    ("sale", ""): 25000 + 4990 + 10010 + 30000 + 2000 + 10000 + 20000,
    ("return", ""): -4990 - 2500,
    ("tip", ""): 3000 + 2000,
    ("gift_card_sold", ""): 50000,
    ("rounding", ""): -10,
    ("payment", "CARD"): 29990 - 4990 + 33000 + 50000 + 22000,
    ("payment", "CASH"): 10000 + 7500,
    ("payment", "VIPPS"): 2000,
}


@pytest.mark.parametrize(
    "convention, options",
    [
        ("official", {}),
        ("absolute", {"prefix": "n1", "bom": True, "newline": "\r\n"}),
    ],
    ids=["official-signs", "absolute-values-n1-bom-crlf"],
)
def test_every_kind_of_transaction_in_both_sign_conventions(workspace, convention, options):
    path = shop_file(convention, **options).write(workspace.path / "shop.xml")
    result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 9 transaction(s)" in result.stdout
    assert "left out 1 not a sale, 1 training, 1 voided transaction(s)" in result.stdout
    assert result.stderr == ""  # every Z report agrees

    app = workspace.app()
    summary1 = app.sales.summary("oslo-sentrum", DAY1)
    assert totals(summary1) == EXPECTED_DAY1
    assert sum(row.amount if row.type == "payment" else -row.amount for row in summary1) == 0
    sales = {(r.type, r.code, r.fallback_code, r.vat_code): (r.amount, r.vat) for r in summary1 if r.type in ("sale", "return")}
    assert sales[("sale", "100", "04006", "31")] == (4990 + 2000, 651 + 261)
    assert sales[("return", "100", "04006", "31")] == (-4990, -651)
    assert sales[("return", "200", "04003", "3")] == (-2500, -500)
    tips = [r for r in summary1 if r.type == "tip"]
    assert {(r.code, r.fallback_code) for r in tips} == {("TIPS", "10001")}
    # The 02:30 sale on the 3rd belongs to the 2nd (oslo-sentrum's day starts at 05:00).
    vipps = [r for r in summary1 if r.code == "VIPPS"]
    assert vipps[0].refs == ("999999999/K1/8",) and vipps[0].fallback_code == "12011"

    summary2 = app.sales.summary("oslo-sentrum", DAY2)
    assert totals(summary2) == {("sale", ""): 15000, ("payment", "GIFT"): 15000}
    assert [(r.code, r.fallback_code, r.refs) for r in summary2 if r.type == "payment"] == [
        ("GIFT", "12005", ("999999999/K2/1",))
    ]


def test_reimport_and_overlapping_export_change_nothing(workspace):
    path = shop_file().write(workspace.path / "shop.xml")
    workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum", check=True)
    app = workspace.app()
    before = [app.sales.summary("oslo-sentrum", d) for d in (DAY1, DAY2)]
    lines_before = len(app.sales.lines("oslo-sentrum", DAY1))

    # The next export overlaps: it repeats register K2's day and adds nothing new.
    overlap = SaftFile([Location("Butikk A", [shop_file().locations[0].registers[1]])])
    again = workspace.run("import", "saft", str(path), str(overlap.write(workspace.path / "overlap.xml")), "--vendor", "oslo-sentrum")
    assert again.returncode == 0, again.stderr
    # 9 transactions: 9 payments, 8 sale lines, 2 returns, 2 tips, 1 gift card sold, 1 rounding = 23 lines.
    assert "imported 9 transaction(s), 23 line(s) for oslo-sentrum (9 replaced an earlier version)" in again.stdout
    assert "imported 1 transaction(s), 2 line(s) for oslo-sentrum (1 replaced an earlier version)" in again.stdout
    assert [app.sales.summary("oslo-sentrum", d) for d in (DAY1, DAY2)] == before
    assert len(app.sales.lines("oslo-sentrum", DAY1)) == lines_before


VENDORS_WITH_REGISTERS = """
[[vendors]]
id = "oslo-sentrum"
name = "Oslo Sentrum"
closing_time = "22:30"
day_start = "05:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"
saft_registers = [{company = "999999999", location = "Butikk A", register = ""}]

[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"
saft_registers = [{register = "B1"}]
"""


def test_registers_map_to_vendors_and_an_unmapped_register_refuses_the_file(workspace):
    workspace.write("vendors.toml", VENDORS_WITH_REGISTERS)
    path = shop_file().write(workspace.path / "shop.xml")
    result = workspace.run("import", "saft", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 8 transaction(s)" in result.stdout and "for oslo-sentrum" in result.stdout
    assert "imported 1 transaction(s), 3 line(s) for bergen-bryggen" in result.stdout
    app = workspace.app()
    bergen = app.sales.summary("bergen-bryggen", DAY1)
    assert totals(bergen) == {("sale", ""): 20000, ("tip", ""): 2000, ("payment", "CARD"): 22000}
    assert all(ref.startswith("999999999/K1/") for row in app.sales.summary("oslo-sentrum", DAY1) for ref in row.refs)

    stray = SaftFile([Location("Butikk C", [Register("X9", [Transaction("1", "2026-11-04", "10:00:00", [Line(1000)])])])])
    refused = workspace.run("import", "saft", str(stray.write(workspace.path / "stray.xml")))
    assert refused.returncode == 1
    assert "register 'X9' (company '999999999', location 'Butikk C') belongs to no vendor" in refused.stderr
    assert "nothing imported from this file" in refused.stdout
    assert app.sales.days_with_sales("oslo-sentrum") == [DAY1, DAY2]
    assert app.sales.days_with_sales("bergen-bryggen") == [DAY1]


def test_z_report_mismatch_is_a_stored_warning(workspace):
    def tamper(z):
        z.payments["CARD"] += 100
        z.vat["3"] = (z.vat["3"][0] + 500, z.vat["3"][1])

    path = shop_file(tamper_z=tamper).write(workspace.path / "shop.xml")
    result = workspace.run("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert result.returncode == 0, result.stdout + result.stderr
    # K1's own card payments only (299.90 - 49.90 + 330.00 + 500.00); B1's card sale has its own Z report.
    card = "register K1, Z report 101 (2026-11-02): payment type CARD is 1 081,00 in the Z report, but the transactions add up to 1 080,00"
    vat = "register K1, Z report 101 (2026-11-02): sales excl. VAT at 25 % is 585,08 in the Z report, but the transactions add up to 580,08"
    assert card in result.stderr and vat in result.stderr
    assert result.stderr.count("warning:") == 2
    notes = workspace.app().sales.notes("oslo-sentrum", DAY1)
    assert [(n.source, n.ref) for n in notes] == [("saft", "999999999/K1/Z101")] * 2
    assert card in notes[0].message or card in notes[1].message
    # preview shows the stored warnings below the voucher, with the file and line of the Z report.
    preview = workspace.run("preview", "--vendor", "oslo-sentrum", "--date", DAY1.isoformat())
    assert preview.returncode == 0, preview.stdout + preview.stderr
    warnings = [line for line in preview.stdout.splitlines() if line.startswith("WARNING:")]
    assert len(warnings) == 2
    assert f"WARNING: saft: {card} ({path}:" in preview.stdout and vat in preview.stdout

    # A corrected export replaces the notes of the day.
    fixed = shop_file().write(workspace.path / "fixed.xml")
    workspace.run("import", "saft", str(fixed), "--vendor", "oslo-sentrum", check=True)
    assert workspace.app().sales.notes("oslo-sentrum", DAY1) == []
    assert "WARNING" not in workspace.run("preview", "--vendor", "oslo-sentrum", "--date", DAY1.isoformat()).stdout
