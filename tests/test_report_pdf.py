"""The PDF report, read back with pypdf: Norwegian headings, æøå and Sámi letters, kroner amounts,
VAT totals, one date format. Set in DejaVu Sans as `settlement report` and the posting find it (CI
and the image install fonts-dejavu-core); the core-font fallback is tested on its own."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from settlement.report import render_pdf as render_with
from settlement.report.fonts import find_font
from settlement.report.pdf import kr, latin1, vat_text
from settlement.store.sales_store import StoredNote
from tests.test_report_data import LINES, Order, sample_report
from tests.bokmal import bokmal  # noqa: F401

# What this module checks is bokmål (the report's Norwegian texts), so it runs in bokmål.
pytestmark = pytest.mark.usefixtures("bokmal")


FONT = find_font()


def render_pdf(report) -> bytes:
    """The report as the product renders it: in the font found in the usual folders."""
    assert FONT is not None, "DejaVu Sans not found: install fonts-dejavu-core (.ci/run and the Dockerfile do)"
    return render_with(report, FONT)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_headings_vendor_day_key_and_generated_at():
    text = _text(render_pdf(sample_report()))
    for heading in (
        "Dagsoppgjør 02.11.2026", "Bilag", "Konto", "Kontonavn", "Debet", "Kredit", "Mva-kode",
        "Sum per mva-kode", "Grunnlag", "Mva", "Brutto", "Mva i kildedata", "Betalingsmåter",
        "Nøkkeltall", "Kvitteringer og ordrer", "Returer", "Øresavrunding", "Driks", "Gavekort solgt",
        "Gavekort innløst", "Avvik", "Nettbutikkordrer",
    ):
        assert heading in text, heading
    assert "Bergen Bryggen (bergen-bryggen)" in text
    assert "Oppgjørsnøkkel bergen-bryggen/2026-11-02" in text
    assert "generert 03.11.2026 05:00 UTC" in text
    assert "Rabatter ikke oppgitt i kildedataene" in text
    assert "Side 1 av 1" in text


def test_every_voucher_line_with_account_name_and_amounts_in_kroner():
    report = sample_report()
    lines = _text(render_pdf(report)).splitlines()
    # The sales line at 25 %: account, name with æøå, section, VAT code, credit and VAT in "1 234,56" form.
    assert "3000 Salgsinntekt, høy sats 25 % Salg 3 0,00 2 298,65 459,73" in lines
    assert "3050" not in " ".join(lines)  # no line that the day does not have
    # A zero figure is 0,00, not an empty cell.
    assert "2900 Gavekort (forskudd fra kunder) Gavekort 0,00 500,00 0,00" in lines
    assert "1581 Til gode Vipps Betaling 275,00 0,00 0,00" in lines
    assert "7740 Øresavrunding Øresavrunding 0,00 0,35 0,00" in lines
    # Debit: the return 125,00 and the payments 1 385,00 + 275,00 + 999,00 + 50,00 + 300,00;
    # credit: sales 2 298,65 + 315,00, tip 20,00, gift card 500,00, rounding 0,35.
    assert "Sum 3 134,00 3 134,00" in lines
    assert report.total_debit == report.total_credit == 313_400
    for line in report.lines:
        assert any(row.startswith(f"{line.account} {line.name}") for row in lines), line


def _booked_report(**kwargs):
    """The sample day with the booking Fiken's journal mode sends for it."""
    from settlement.posting.ledger import Booking
    from settlement.targets.fiken.booking_view import fiken_booked, fiken_booking
    from settlement.targets.fiken.payloads import build_journal_posting
    from tests.test_report_data import LINES as lines, _voucher

    voucher = _voucher(lines)
    posting = build_journal_posting(voucher, "Bergen Bryggen", "1901", "7740", "[settlement:bergen-bryggen:2026-11-02:v1]")
    seen = fiken_booking(posting, voucher.day, "7740")
    booking = Booking("fiken", "journal", posting.key, (), seen.vat_by_code, seen.rounding,
                      fiken_booked(posting, voucher, "1901", "7740"))
    return replace(sample_report(**kwargs), **_with_booking(voucher, lines, booking))


def _with_booking(voucher, lines, booking) -> dict:
    from settlement.report import build_day_report

    made = build_day_report(voucher, lines, (), (), "Bergen Bryggen", fiken=booking)
    return {name: getattr(made, name) for name in ("booked", "booked_vat", "vat_totals", "posting_mode",
                                                     "fiken_rounding", "ledger_name")}


def test_vat_totals_show_booked_figures_beside_the_source_vat_and_the_gap():
    lines = _text(render_pdf(_booked_report())).splitlines()
    # Grunnlag, mva and brutto as Fiken books them; the VAT the sources stated; the gap.
    assert "3 Utgående mva, høy sats 25 % 1 738,92 434,73 2 173,65 434,73 0,00" in lines
    assert "31 Utgående mva, middels sats 15 % 273,93 41,09 315,02 41,07 0,02" in lines
    assert "Sum 2 012,85 475,82 2 488,67 475,80 0,02" in lines
    assert any(line.startswith("Grunnlag, mva og brutto er det Fiken bokfører (fri postering); differansen 0,02")
               for line in lines)


def test_the_bilag_is_what_the_ledger_books_and_balances():
    report = _booked_report()
    lines = _text(render_pdf(report)).splitlines()
    assert "Bilag (slik Fiken bokfører det)" in lines
    assert "3000 Salg 25 % 3 0,00 1 838,92" in lines and "3000 Retur 25 % 3 100,00 0,00" in lines
    assert "2701 Utgående mva 25 % 3 0,00 434,73" in lines and "2701 Utgående mva 15 % 31 0,00 41,09" in lines
    assert "2990 Driks 0,00 20,00" in lines and "2900 Gavekort 0,00 500,00" in lines
    # The source rounding 0,35 less the 0,02 Fiken's VAT adds.
    assert "7740 Øresavrunding 0,00 0,33" in lines
    assert sum(line.debit_ore for line in report.booked) == sum(line.credit_ore for line in report.booked)
    total = f"Sum {kr(sum(line.debit_ore for line in report.booked))} {kr(sum(line.credit_ore for line in report.booked))}"
    assert total in lines
    assert "1901" not in " ".join(lines), "the settlement account nets out and is not shown"


def test_payments_counts_and_refunds():
    lines = _text(render_pdf(sample_report())).splitlines()
    assert "vipps 1581 Til gode Vipps 2 275,00 -125,00" in lines
    assert "card 1580 Til gode kortoppgjør 1 1 385,00 0,00" in lines
    assert "Kvitteringer og ordrer 5  (kasse 4, nettbutikk 1)" in lines
    assert "Returer -125,00  (1 kvittering)" in lines
    assert "Gavekort innløst 300,00  (1 kvittering)" in lines


def test_deviations_and_webshop_orders():
    notes = [StoredNote("saft", "Z-17", "Z-rapport viser 1 000,00, kvitteringene 990,00")]
    orders = [Order("order", "1001", datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc), 99_900, "Stripe", "processing")]
    lines = _text(render_pdf(sample_report(notes=notes, orders=orders))).splitlines()
    assert "- saft: Z-rapport viser 1 000,00, kvitteringene 990,00 (Z-17)" in lines
    assert "1001 Ordre 02.11.2026 10:00 Stripe processing ja 999,00" in lines
    assert "1 ordre 999,00" in lines
    assert "Ingen avvik." not in lines


def test_blocked_day_says_so_and_lists_the_errors():
    from tests.test_report_data import _line

    report = sample_report([_line("U-1", "sale", "high", 10_000, 2_000, "3"), _line("U-1", "payment", "swish", 10_000)])
    text = _text(render_pdf(report))
    assert "SPERRET: bilaget har feil (se Avvik) og bokføres ikke" in text
    # The error is the voucher's text (in bokmål here too), after the report's "Feil: ".
    assert re.search(r"Feil: \S.*'swish'", text)
    assert "swish (ikke koblet)" in text


def test_sami_letters_and_the_euro_sign_print_and_read_back_exactly():
    name = "Kárášjohka – Duodji €"
    text = _text(render_pdf(replace(sample_report(), vendor_name=name)))
    assert f"Butikk {name} (bergen-bryggen)" in text.splitlines()
    assert f"Dagsoppgjør {name} (bergen-bryggen) 02.11.2026 · generert 03.11.2026 05:00 UTC Side 1 av 1" in text
    assert PdfReader(io.BytesIO(render_pdf(replace(sample_report(), vendor_name=name)))).metadata.title == (
        f"Dagsoppgjør {name} 02.11.2026"
    )


def test_a_character_the_font_lacks_is_replaced_not_lost():
    report = replace(sample_report(), vendor_name="Bryggen \U0001F9C1 Café")  # a cupcake: not in DejaVu Sans
    assert "Butikk Bryggen ? Café (bergen-bryggen)" in _text(render_pdf(report))


def test_without_a_font_file_the_core_font_makes_text_latin1():
    assert latin1("Kaffe – «god» ☕ €") == "Kaffe - «god» ? EUR"
    report = replace(sample_report(), vendor_name="Kárášjohka – Duodji € ☕")
    text = _text(render_with(report))  # no font: Helvetica
    assert "Butikk Kárá?johka - Duodji EUR ? (bergen-bryggen)" in text.splitlines()
    assert "Dagsoppgjør 02.11.2026" in text and "3000 Salgsinntekt, høy sats 25 % Salg 3 0,00 2 298,65 459,73" in text


def test_one_date_format_everywhere():
    orders = [Order("order", "1001", datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc), 99_900, "Stripe", "processing")]
    text = _text(render_pdf(sample_report(orders=orders)))
    assert "Forretningsdag 02.11.2026, første salg 10:00, siste 10:00" in text.splitlines()
    # The settlement key is a key, not a date shown to the reader: "bergen-bryggen/2026-11-02".
    dates = re.findall(r"\b\d{1,4}[.-]\d{1,2}[.-]\d{2,4}\b", text.replace("bergen-bryggen/2026-11-02", ""))
    assert sorted(set(dates)) == ["02.11.2026", "03.11.2026"], dates


def test_vat_codes_with_their_norwegian_text_and_the_rate_of_the_day():
    from datetime import date

    day = date(2026, 11, 2)
    assert [vat_text(code, day) for code in ("3", "31", "33", "32", "5", "51", "52", "6", "7")] == [
        "Utgående mva, høy sats 25 %", "Utgående mva, middels sats 15 %", "Utgående mva, lav sats 12 %",
        "Utgående mva, råfisk 11,11 %", "Omsetning fritatt for mva", "Omsetning med omvendt avgiftsplikt",
        "Utførsel, fritatt for mva", "Omsetning utenfor mva-loven", "Ingen mva-behandling",
    ]
    assert vat_text("33", date(2020, 1, 1)) == "Utgående mva, lav sats"  # no rate known that day
    assert vat_text("99", day) == ""


def test_a_correction_says_which_version_it_replaces_and_why():
    first = replace(sample_report(), settlement_key="[settlement:bergen-bryggen:2026-11-02:v1]")
    text = _text(render_pdf(first))
    assert "Oppgjørsnøkkel [settlement:bergen-bryggen:2026-11-02:v1]  (v1)" in text.splitlines() and "erstatter" not in text
    second = replace(sample_report(), settlement_key="[settlement:bergen-bryggen:2026-11-02:v2]",
                     correction_reason="dagens data ble endret etter bokføring; nøkkel …v1, transaction 7")
    lines = _text(render_pdf(second)).splitlines()
    assert "Oppgjørsnøkkel [settlement:bergen-bryggen:2026-11-02:v2]  (v2, korreksjon: erstatter v1)" in lines
    joined = " ".join(lines)
    assert "Korreksjon: dette bilaget erstatter v1, som er tilbakeført fordi dagens data ble endret etter bokføring;" in joined
    assert "settlement audit --vendor bergen-bryggen --date 2026-11-02" in joined


def test_where_it_was_booked_company_org_number_and_voucher_number():
    from settlement.report.data import LedgerFacts

    report = replace(_booked_report(), settlement_key="[settlement:bergen-bryggen:2026-11-02:v1]",
                     ledger=LedgerFacts("Fiken", "Demo AS", "912345678", "57"))
    lines = _text(render_pdf(report)).splitlines()
    assert "Foretak Demo AS (org.nr. 912345678)" in lines
    assert "Bokført Fiken bilag 57" in lines
    go = replace(report, ledger=LedgerFacts("PowerOffice Go", "Demo klient", "", "10001"))
    lines = _text(render_pdf(go)).splitlines()
    assert "Foretak Demo klient (org.nr. ikke oppgitt av PowerOffice Go)" in lines


def test_same_report_same_bytes_and_no_clock_inside():
    report = sample_report()
    assert render_pdf(report) == render_pdf(report)
    assert render_with(report) == render_with(report)
    later = replace(report, generated_at=report.generated_at + timedelta(hours=1))
    assert render_pdf(later) != render_pdf(report)
    info = PdfReader(io.BytesIO(render_pdf(report))).metadata
    assert info.title == "Dagsoppgjør Bergen Bryggen 02.11.2026"
    assert info["/CreationDate"].startswith("D:20261103050000")
    # A report made without a time is dated by its business day, not by the clock.
    undated = replace(report, generated_at=None)
    assert render_pdf(undated) == render_pdf(undated)
    assert PdfReader(io.BytesIO(render_pdf(undated))).metadata["/CreationDate"].startswith("D:20261102000000")


def test_long_order_list_runs_over_pages():
    start = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    orders = [Order("order", str(5000 + n), start + timedelta(minutes=n), 12_345, "Vipps", "completed") for n in range(120)]
    pdf = render_pdf(sample_report(orders=orders))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 3
    text = _text(pdf)
    assert f"Side {pages} av {pages}" in text
    assert "5119 Ordre" in text
    assert re.search(r"120 ordrer 14 814,00", text)


def test_the_font_is_found_in_the_folder_given_or_else_the_core_font_is_used_with_a_warning(tmp_path, caplog):
    assert FONT is not None
    folder = tmp_path / "fonts" / "truetype" / "dejavu"
    folder.mkdir(parents=True)
    for source in (FONT.regular, FONT.bold):
        (folder / source.name).write_bytes(source.read_bytes())
    assert find_font(tmp_path / "fonts") == type(FONT)(folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf")
    empty = tmp_path / "empty"
    empty.mkdir()
    with caplog.at_level("WARNING", logger="settlement.report.fonts"):
        assert find_font(empty) is None
    assert f"no DejaVuSans.ttf and DejaVuSans-Bold.ttf in {empty}: the PDF reports use the core font Helvetica" in caplog.text
    assert "SETTLEMENT_PDF_FONT_DIR" in caplog.text
