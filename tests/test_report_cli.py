"""`settlement report` as a user runs it: sales imported through the real CLI, then the day's PDF
(read back with pypdf) and the reconciliation file in CSV and XLSX (read back with openpyxl)."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from settlement.store import SalesStore
from settlement.woo_sandbox import Item, utc
from tests.bokmal import bokmal, english  # noqa: F401
from tests.fixtures_woo import run_woo_cli

# The report, its PDF and its exports are read in bokmål (their Norwegian texts); what the commands
# themselves print is read in English (`_english`), as the rest of the suite reads it.
pytestmark = pytest.mark.usefixtures("bokmal")

NOV2, NOV3 = date(2026, 11, 2), date(2026, 11, 3)

# Two business days of Bergen Bryggen: sales at 25 % and 15 %, a return refunded by Vipps, cash
# rounding; the next day one Klarna sale.
RECEIPTS = """receipt_id;timestamp;type;code;vat_code;amount;vat
R1;2026-11-02T09:00:00;sale;high;3;250,00;50,00
R1;2026-11-02T09:00:00;payment;card;;250,00;
R2;2026-11-02T10:00:00;sale;food;31;115,00;15,00
R2;2026-11-02T10:00:00;payment;vipps;;115,00;
R3;2026-11-02T11:00:00;return;high;3;-50,00;-10,00
R3;2026-11-02T11:00:00;payment;vipps;;-50,00;
R4;2026-11-02T12:00:00;sale;high;3;99,75;19,95
R4;2026-11-02T12:00:00;rounding;;;0,25;
R4;2026-11-02T12:00:00;payment;cash;;100,00;
R5;2026-11-03T09:00:00;sale;high;3;80,00;16,00
R5;2026-11-03T09:00:00;payment;klarna;;80,00;
"""


def _import(workspace, vendor="bergen-bryggen", text=RECEIPTS, name="kasse.csv"):
    status, out, err = workspace.invoke("import", "sales", str(workspace.write(name, text)), "--vendor", vendor)
    assert status == 0, out + err


@contextmanager
def _english(workspace):
    """The commands run in this block speak English."""
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "en"
    try:
        yield
    finally:
        workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"


def _pdf_lines(path) -> list[str]:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages).splitlines()


def test_pdf_of_a_day_has_every_part_of_the_settlement(workspace):
    _import(workspace)
    # A Z-report cross-check warning the SAF-T import stores for the day.
    SalesStore(workspace.app().engine).replace_notes(
        "bergen-bryggen", "saft", [NOV2], [(NOV2, "Z-7", "Z-rapport 7: kontant 120,00, kvitteringene 100,00")]
    )
    with _english(workspace):
        status, out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--pdf")
    assert status == 0, err
    target = workspace.path / "data" / "reports" / "bergen-bryggen" / "2026-11-02.pdf"
    assert out.strip() == f"{target}: settlement report of bergen-bryggen 2026-11-02"
    # The same report made in bokmål.
    status, out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--pdf")
    assert status == 0, err
    lines = _pdf_lines(target)
    assert len(PdfReader(target).pages) == 1
    assert "Butikk Bergen Bryggen (bergen-bryggen)" in lines
    assert "Forretningsdag 02.11.2026, åpent 00:00–20:00, første salg 09:00, siste 12:00" in lines
    assert "Bokført ikke ennå (Fiken)" in lines
    assert "Kilder Kassefil: kasse.csv; 4 kvitteringer (R1–R4)" in lines
    # The Bilag is what Fiken books: revenue net per account and VAT code, the VAT on 2701, the
    # return, payments and the rounding as sent; debit and credit each shown, 0,00 where zero.
    assert "Bilag (slik Fiken bokfører det)" in lines
    assert "3000 Salg 25 % 3 0,00 279,80" in lines
    assert "3030 Salg 15 % 31 0,00 100,00" in lines
    assert "3000 Retur 25 % 3 40,00 0,00" in lines
    assert "2701 Utgående mva 25 % 3 0,00 59,95" in lines
    assert "2701 Utgående mva 15 % 31 0,00 15,00" in lines
    assert "1581 Betaling vipps 65,00 0,00" in lines
    assert "7740 Øresavrunding 0,00 0,25" in lines
    assert "Sum 455,00 455,00" in lines
    # Per VAT code from the same figures: net, Fiken's VAT, gross, the source VAT, the gap.
    assert "3 Utgående mva, høy sats 25 % 239,80 59,95 299,75 59,95 0,00" in lines
    assert "31 Utgående mva, middels sats 15 % 100,00 15,00 115,00 15,00 0,00" in lines
    assert "Grunnlag, mva og brutto er det Fiken bokfører (fri postering)." in lines
    # Payment methods, counts, returns, rounding, the Z-report warning.
    assert "vipps 1581 Til gode Vipps 2 65,00 -50,00" in lines
    assert "cash 1900 Kontanter 1 100,00 0,00" in lines
    assert "Kvitteringer og ordrer 4  (kasse 4, nettbutikk 0)" in lines
    assert "Returer -50,00  (1 kvittering)" in lines
    assert "Øresavrunding i kildedata 0,25  (1 kvittering)" in lines
    assert "Øresavrunding bokført i Fiken 0,25" in lines
    # The takings by hour: one bar per hour from the first sale to the last.
    assert "09 10 11 12" in lines and "maks 250,00 kl. 09" in lines
    assert "- saft: Z-rapport 7: kontant 120,00, kvitteringene 100,00 (Z-7)" in lines
    assert "Ingen nettbutikkordrer denne dagen." in lines


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_reconciliation_csv_per_day_and_payment_method(workspace):
    _import(workspace)
    status, out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--from", "2026-11-01", "--to", "2026-11-03")
    assert status == 0, err
    rows = _csv_rows(out)
    assert rows[0] == ["forhandler", "forretningsdag", "betalingsmåte", "motpart", "konto", "kontonavn",
                       "antall", "innbetalt", "refundert", "netto", "status"]
    assert rows[1:] == [
        ["bergen-bryggen", "2026-11-02", "card", "Kortterminal", "1580", "Til gode kortoppgjør", "1", "250,00", "0,00", "250,00", "ok"],
        ["bergen-bryggen", "2026-11-02", "cash", "Kontant", "1900", "Kontanter", "1", "100,00", "0,00", "100,00", "ok"],
        ["bergen-bryggen", "2026-11-02", "vipps", "Vipps", "1581", "Til gode Vipps", "2", "115,00", "-50,00", "65,00", "ok"],
        ["bergen-bryggen", "2026-11-03", "klarna", "Klarna", "1582", "Til gode Klarna", "1", "80,00", "0,00", "80,00", "ok"],
    ]
    # One day only, written to a file with the BOM Excel needs for æøå.
    target = workspace.path / "out" / "nov3.csv"
    with _english(workspace):
        status, out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--date", "2026-11-03",
                                            "--output", str(target))
    assert status == 0, err
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert [row[2] for row in _csv_rows(raw.decode("utf-8-sig"))[1:]] == ["klarna"]
    assert "1 row(s) for bergen-bryggen, 1 day(s) with sales from 2026-11-03 to 2026-11-03" in out


def test_reconciliation_xlsx_has_numbers_and_dates(workspace):
    _import(workspace)
    target = workspace.path / "avstemming.xlsx"
    status, out, err = workspace.invoke(
        "report", "--vendor", "bergen-bryggen", "--from", "2026-11-02", "--to", "2026-11-03", "--format", "xlsx",
        "--output", str(target),
    )
    assert status == 0, err
    sheet = load_workbook(target)["Oppgjør"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("forhandler", "forretningsdag", "betalingsmåte", "motpart")
    vipps = next(row for row in rows[1:] if row[2] == "vipps")
    assert vipps[1].date() == NOV2
    assert [Decimal(str(value)) for value in vipps[7:10]] == [Decimal("115"), Decimal("-50"), Decimal("65")]
    assert [(row[1].date(), row[2]) for row in rows[1:]] == [(NOV2, "card"), (NOV2, "cash"), (NOV2, "vipps"), (NOV3, "klarna")]
    assert sheet["H2"].number_format == "#,##0.00"


def test_report_options_are_checked(english, workspace):
    status, _out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--from", "2026-11-03", "--to", "2026-11-02")
    assert status == 2 and "--to 2026-11-02 is before --from 2026-11-03" in err
    status, _out, err = workspace.invoke("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--format", "xlsx")
    assert status == 2 and "--format xlsx needs --output FILE" in err


def test_webshop_orders_are_specified_and_a_pos_duplicate_is_warned_whatever_the_import_order(workspace, woo_shop):
    order = woo_shop.add_order([Item("Kaffe", "100.00", 2)], created=utc(2026, 11, 2, 9), paid=utc(2026, 11, 2, 9, 30),
                               payment_method="vipps")
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert result.returncode == 0, result.stderr
    # WooCommerce's tax class "standard" is the shop's 25 % goods: the vendor's own mapping row.
    workspace.write("chart_of_accounts/vendors/nettbutikk.mapping.csv", "source;code;key\ngroup;standard;sales_high\n")
    # The POS data comes in after the webshop sync and carries the same order.
    _import(workspace, "nettbutikk", f"receipt_id;timestamp;type;code;vat_code;amount;vat\n"
            f"WEB-{order};2026-11-02T15:00:00;sale;high;3;200,00;40,00\n"
            f"WEB-{order};2026-11-02T15:00:00;payment;card;;200,00;\n")
    result = workspace.run("report", "--vendor", "nettbutikk", "--date", "2026-11-02", "--pdf")
    assert result.returncode == 0, result.stderr
    lines = _pdf_lines(workspace.path / "data" / "reports" / "nettbutikk" / "2026-11-02.pdf")
    # Order number, local time, payment method, status, in the sales, amount.
    assert f"{order} Ordre 02.11.2026 10:30 vipps processing ja 200,00" in lines
    assert "1 ordre 200,00" in lines
    assert "Kvitteringer og ordrer 2  (kasse 1, nettbutikk 1)" in lines
    assert "SPERRET" not in " ".join(lines)
    # Both sources are in the voucher (which is what the warning is about): 2 × 160,00 net at 25 %.
    assert "3000 Salg 25 % 3 0,00 320,00" in lines and "2701 Utgående mva 25 % 3 0,00 80,00" in lines
    assert "3 Utgående mva, høy sats 25 % 320,00 80,00 400,00 80,00 0,00" in lines
    # The webshop's warning, made when the report is made: read in English.
    with _english(workspace):
        result = workspace.run("report", "--vendor", "nettbutikk", "--date", "2026-11-02", "--pdf")
    assert result.returncode == 0, result.stderr
    lines = _pdf_lines(workspace.path / "data" / "reports" / "nettbutikk" / "2026-11-02.pdf")
    text = " ".join(lines)
    assert f"webshop order {order} is booked from WooCommerce and also appears in the csv data" in text
    assert f"(receipt WEB-{order} on 2026-11-02)" in text


def test_the_pdf_prints_sami_letters_and_falls_back_to_the_core_font_with_a_warning(workspace, tmp_path):
    name = "Kárášjohka – Duodji €"
    vendors = workspace.path / "vendors.toml"
    vendors.write_text(vendors.read_text(encoding="utf-8").replace('"Bergen Bryggen"', f'"{name}"'), encoding="utf-8")
    _import(workspace)
    target = workspace.path / "data" / "reports" / "bergen-bryggen" / "2026-11-02.pdf"
    # The font from the usual folders (fonts-dejavu-core): the name reads back exactly.
    result = workspace.run("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--pdf")
    assert result.returncode == 0 and "core font" not in result.stderr, result.stderr
    assert f"Butikk {name} (bergen-bryggen)" in _pdf_lines(target)
    # SETTLEMENT_PDF_FONT_DIR names a folder without it: the report is still made, in Latin-1, and says why.
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    workspace.extra_env["SETTLEMENT_PDF_FONT_DIR"] = str(empty)
    result = workspace.run("report", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--pdf")
    assert result.returncode == 0, result.stderr
    assert f"no DejaVuSans.ttf and DejaVuSans-Bold.ttf in {empty}: the PDF reports use the core font Helvetica" in result.stderr
    lines = _pdf_lines(target)
    assert "Butikk Kárá?johka - Duodji EUR (bergen-bryggen)" in lines
    assert "3000 Salg 25 % 3 0,00 279,80" in lines
