"""The report, its exports and the alerts in English (SETTLEMENT_LANGUAGE=en, as the suite runs),
and the same texts in bokmål unchanged: a settled day posted to the Fiken sandbox through the real
CLI, its attached PDF read back with pypdf.

English writes dates ISO (2026-11-02) and keeps amounts as Norwegian kroner ("1 234,50"); bokmål
keeps dd.mm.åååå. The bokmål PDFs themselves are tests/test_report_golden_pdf.py's goldens.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from settlement import i18n
from settlement.alerting.messages import render
from settlement.domain import text
from settlement.posting.alerts import MISSING, PAYOUT, Alert, Condition
from settlement.report.reconciliation import ReconciliationRow, to_csv
from settlement.report.pdf import vat_text
from tests.test_posting import _post_then_add_late_receipt

# The report's own words in bokmål, none of which an English report shows. (The booked lines' texts,
# "Salg 25 %", are the posting's, and the account names are the chart's.)
NORWEGIAN = ("Dagsoppgjør", "Foretak", "Butikk", "Forretningsdag", "Bokført", "Oppgjørsnøkkel", "Bilag", "Konto",
             "Sum per mva-kode", "Betalingsmåter", "Nøkkeltall", "Avvik", "Nettbutikkordrer", "Side ", "generert",
             "Utgående mva,", "kvitteringer", "Korreksjon", "Driks", "Rabatter", "02.11.2026")


def _attached_lines(sandbox, index: int) -> list[str]:
    pdf = sandbox.attachments("demo-as")[index][3]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).splitlines()


@pytest.fixture
def bokmal():
    text.install(i18n.load("nb"))
    try:
        yield
    finally:
        text.install(text.ENGLISH)


def test_a_settled_day_and_its_correction_read_in_english(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    assert ws.env["SETTLEMENT_LANGUAGE"] == "en"
    _post_then_add_late_receipt(ws)
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    first, second = _attached_lines(sb, 0), _attached_lines(sb, 1)
    for lines in (first, second):
        shown = "\n".join(lines)
        assert lines[0] == "Daily settlement 2026-11-02"
        assert "Company Demo AS (org. no. 999999999)" in lines
        assert "Store Bergen Bryggen (bergen-bryggen)" in lines
        assert any(line.startswith("Business day 2026-11-02, open 00:00–20:00, first sale ") for line in lines), lines
        assert any(line.startswith("Posted Fiken voucher ") for line in lines), lines
        assert "Voucher (as Fiken posts it)" in lines
        assert "Account Text VAT code Debit Credit" in lines
        assert "Total per VAT code" in lines and "VAT code Base VAT Gross VAT in source data Difference" in lines
        assert "Payment method Account Account name Count Amount Of which refunds" in lines
        assert "Tips 0,00  (0 receipts)" in lines
        assert any(line.startswith("3 Output VAT, standard rate 25% ") for line in lines), lines
        assert "Payment methods" in lines and "Key figures" in lines and "Deviations" in lines
        assert "Webshop orders" in lines and "No webshop orders this day." in lines
        assert any(line.startswith("Receipts and orders ") and "(register " in line for line in lines), lines
        # The footer: the business day and the moment it was made, ISO; the page count.
        footer = lines[-1]
        assert footer.startswith("Daily settlement Bergen Bryggen (bergen-bryggen) 2026-11-02 · generated 20"), footer
        assert footer.endswith("Page 1 of 1"), footer
        # Amounts stay Norwegian kroner, and nothing is left in Norwegian.
        assert any(",00" in line for line in lines)
        assert [word for word in NORWEGIAN if word in shown] == [], shown
    assert "Settlement key [settlement:bergen-bryggen:2026-11-02:v1]  (v1)" in first
    assert "Settlement key [settlement:bergen-bryggen:2026-11-02:v2]  (v2, correction: replaces v1)" in second
    joined = " ".join(second)
    assert ("Correction: this voucher replaces v1, which has been reversed because the day's data changed after "
            "posting; key [settlement:bergen-bryggen:2026-11-02:v1]") in joined
    assert "What was done and when is in the audit log: settlement audit --vendor bergen-bryggen --date 2026-11-02" in joined


def test_vat_code_texts_in_english_and_in_bokmal(bokmal):
    day = date(2026, 11, 2)
    assert vat_text("3", day) == "Utgående mva, høy sats 25 %"
    assert vat_text("31", day) == "Utgående mva, middels sats 15 %"
    assert vat_text("5", day) == "Omsetning fritatt for mva"
    assert vat_text("99", day) == ""
    text.install(text.ENGLISH)
    assert vat_text("3", day) == "Output VAT, standard rate 25%"
    assert vat_text("33", day) == "Output VAT, low rate 12%"
    assert vat_text("51", day) == "Sales subject to reverse charge"
    assert vat_text("6", day) == "Sales outside the scope of the VAT Act"


ROW = ReconciliationRow("bergen-bryggen", date(2026, 11, 2), "card", "Kortterminal", "1580", "Til gode kortoppgjør",
                        1, 25_000, 0, 25_000, "sperret")


def test_the_reconciliation_csv_headings_and_status_in_english_and_in_bokmal(bokmal):
    nb = list(csv.reader(io.StringIO(to_csv([ROW]).lstrip("\ufeff")), delimiter=";"))
    assert nb[0] == ["forhandler", "forretningsdag", "betalingsmåte", "motpart", "konto", "kontonavn", "antall",
                     "innbetalt", "refundert", "netto", "status"]
    assert nb[1][-1] == "sperret" and nb[1][1] == "2026-11-02" and nb[1][7] == "250,00"
    text.install(text.ENGLISH)
    en = list(csv.reader(io.StringIO(to_csv([ROW]).lstrip("\ufeff")), delimiter=";"))
    assert en[0] == ["retailer", "business day", "payment method", "counterparty", "account", "account name", "count",
                     "paid in", "refunded", "net", "status"]
    assert en[1][-1] == "blocked, not posted" and en[1][1] == "2026-11-02" and en[1][7] == "250,00"


BLOCKED = Alert(Condition("blocked", "payment code 'bitcoin' has no mapping", "bergen-bryggen", date(2026, 11, 4)),
                vendor_name="Bergen Bryggen", ledger="Fiken")
PAYOUT_BLOCKED = Alert(Condition(PAYOUT, "no key", "bergen-bryggen", date(2026, 11, 5), subject="stripe:po_1"),
                       vendor_name="Bergen Bryggen", ledger="Fiken")


def test_an_alert_in_english():
    message = render(BLOCKED)
    assert message.title == "Daily settlement needs help: Bergen Bryggen (bergen-bryggen), Wednesday 4 November 2026"
    assert message.text == (
        "Daily settlement needs help: Bergen Bryggen (bergen-bryggen), Wednesday 4 November 2026\n\n"
        "The day is stopped: the sales data has errors, and nothing is posted.\n\n"
        "Reason: payment code 'bitcoin' has no mapping\n\n"
        "What to do: Correct the error in the till file or the chart of accounts (chart_of_accounts) and import the "
        "day again; the next run posts it (or run `settlement run --vendor bergen-bryggen --date 2026-11-04`).\n\n"
        "Later days for the store can wait until this one is in order. You will get a new message when it is resolved.")
    missing = render(Alert(Condition(MISSING, "", "bergen-bryggen", date(2026, 11, 3)), vendor_name="Bergen Bryggen"))
    assert 'settlement day close --vendor bergen-bryggen --date 2026-11-03 --reason "closed"' in missing.text
    assert "Reason: not stated" in missing.text
    recovered = render(Alert(PAYOUT_BLOCKED.condition, recovered=True, vendor_name="Bergen Bryggen",
                             resolution="documented"))
    assert recovered.title == "Resolved: Bergen Bryggen (bergen-bryggen), the payout po_1 from Stripe"
    assert recovered.text.endswith("The payout po_1 from Stripe (Thursday 5 November 2026) no longer needs help. "
                                   "Status now: posted, with the payout report attached.")


def test_the_same_alerts_in_bokmal_read_as_they_always_have(bokmal):
    message = render(BLOCKED)
    assert message.title == "Dagsoppgjør trenger hjelp: Bergen Bryggen (bergen-bryggen), onsdag 4. november 2026"
    assert message.text == (
        "Dagsoppgjør trenger hjelp: Bergen Bryggen (bergen-bryggen), onsdag 4. november 2026\n\n"
        "Dagen er stoppet: salgsdataene har feil, og ingenting er bokført.\n\n"
        "Årsak: payment code 'bitcoin' has no mapping\n\n"
        "Hva du gjør: Rett feilen i kassefilen eller kontoplanen (chart_of_accounts) og importer dagen på nytt; "
        "neste kjøring bokfører den (eller kjør `settlement run --vendor bergen-bryggen --date 2026-11-04`).\n\n"
        "Senere dager for butikken kan vente til denne er i orden. Du får en ny melding når det er løst.")
    missing = render(Alert(Condition(MISSING, "", "bergen-bryggen", date(2026, 11, 3)), vendor_name="Bergen Bryggen"))
    assert 'settlement day close --vendor bergen-bryggen --date 2026-11-03 --reason "stengt"' in missing.text
    assert "Årsak: ikke oppgitt" in missing.text
    payout = render(PAYOUT_BLOCKED)
    assert payout.title == "Utbetaling trenger hjelp: Bergen Bryggen (bergen-bryggen), utbetalingen po_1 fra Stripe"
    assert ("Utbetalingen po_1 fra Stripe med bankdato torsdag 5. november 2026 er ikke bokført i Fiken, og "
            "mellomkontoen står med beløpet til det er gjort.") in payout.text
    credential = render(Alert(Condition("credential", "401", subject="the Fiken credential", affected=("bergen-bryggen",)),
                              ledger="Fiken", recovered=True))
    assert credential.text == ("Løst: påloggingen til Fiken virker igjen\n\nFiken godtok påloggingen (the Fiken "
                               "credential) igjen. Dagene som ventet (bergen-bryggen) bokføres nå.")


def _payout_pdf_text() -> str:
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from settlement.domain.payouts import ItemKind, Payout, PayoutItem
    from settlement.posting.ledger import BookedLine, Booking
    from settlement.report.fonts import find_font
    from settlement.report.payouts_pdf import PayoutReport, render_payout_pdf

    at = datetime(2026, 11, 3, 14, 5, tzinfo=timezone.utc)
    payout = Payout("stripe", "po_1", "acct_bergen", date(2026, 11, 5), 96_80, (
        PayoutItem(ItemKind.CAPTURE, 100_00, "ch_1", at, order_ref="1001"),
        PayoutItem(ItemKind.FEE, -3_20, "fee_1", at),
    ))
    booking = Booking("fiken", "journal", "[settlement:bergen-bryggen:payout:stripe:po_1:v1]", (), booked=(
        BookedLine("1920:10001", "payout", 96_80, 0, None, "bank"),
        BookedLine("7770", "fee", 3_20, 0, None, "fee"),
        BookedLine("1583", "clearing", 0, 100_00, None, "payment_stripe"),
    ))
    report = PayoutReport("Bergen Bryggen", payout, booking.key, booking, (date(2026, 11, 3),), at, ZoneInfo("Europe/Oslo"))
    pdf = render_payout_pdf(report, find_font())
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_payout_report_in_english_and_in_bokmal():
    english = _payout_pdf_text()
    assert "Payout Stripe po_1" in english and "Bank date 2026-11-05" in english
    assert "Net to bank 96,80 NOK" in english and "Fees 3,20" in english and "Gross 100,00" in english
    assert "Sales days covered: 2026-11-03" in english and "Transactions (2)" in english
    assert "Net paid out" in english and "Settled from the clearing account" in english and "Fee" in english
    # Times in the vendor's zone with the offset: 14:05 UTC is 15:05 in Oslo in November.
    assert "Made 2026-11-03 15:05 +01:00 by settlement" in english
    assert "2026-11-03 15:05 +01:00 Payment ch_1" in english  # a transaction's time, ISO date in English
    assert "03.11.2026" not in english and "05.11.2026" not in english
    text.install(i18n.load("nb"))
    try:
        bokmal = _payout_pdf_text()
    finally:
        text.install(text.ENGLISH)
    assert "Utbetaling Stripe po_1" in bokmal and "Bankdato 05.11.2026" in bokmal
    assert "Netto til bank 96,80 NOK" in bokmal and "Gebyrer 3,20" in bokmal and "Brutto 100,00" in bokmal
    assert "Salgsdager dekket: 03.11.2026" in bokmal and "Transaksjoner (2)" in bokmal
    assert "Utbetalt netto" in bokmal and "Oppgjort fra mellomregningskonto" in bokmal and "Gebyr" in bokmal
    assert "Laget 03.11.2026 15:05 +01:00 av settlement" in bokmal
    assert "03.11.2026 15:05 +01:00 Betaling ch_1" in bokmal and "2026-11-0" not in bokmal  # no ISO date left
