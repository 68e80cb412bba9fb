"""The report attached to a payout voucher: what was booked, the payout's items and the business
days they cover, on A4 in the report font (settlement.report.fonts; the core font without one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fpdf import FPDF

from settlement.domain.money import format_nok
from settlement.domain.payouts import Payout
from settlement.posting.ledger import Booking
from settlement.report.fonts import PdfFont

# What each line of the payout voucher is (the booked line's text is its section).
LINE_TEXT = {"payout": "Utbetalt netto", "fee": "Gebyrer", "adjustment": "Justeringer og tilbakeføringer",
             "clearing": "Oppgjort fra mellomregningskonto"}
KIND_TEXT = {"capture": "Betaling", "refund": "Refusjon", "fee": "Gebyr", "adjustment": "Justering",
             "chargeback": "Tilbakeføring", "other": "Annet"}


@dataclass(frozen=True)
class PayoutReport:
    """What the payout report shows."""

    vendor_name: str
    payout: Payout
    key: str
    booking: Booking
    days: tuple[date, ...]
    generated_at: datetime


def _plain(text: str, unicode: bool) -> str:
    if unicode:
        return text
    text = text.replace("−", "-").replace("–", "-").replace("→", "->")
    return text.encode("latin-1", "replace").decode("latin-1")


def render_payout_pdf(report: PayoutReport, font: PdfFont | None = None) -> bytes:
    pdf = FPDF(format="A4")
    family = "Helvetica"
    if font is not None:
        pdf.add_font(font.family, "", str(font.regular))
        pdf.add_font(font.family, "B", str(font.bold))
        family = font.family
    unicode = font is not None
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()

    def text(value: str, size: float = 9, bold: bool = False, width: float = 0, align: str = "L", end: bool = True):
        pdf.set_font(family, "B" if bold else "", size)
        pdf.cell(width, 5.5, _plain(value, unicode), align=align, new_x="LMARGIN" if end else "RIGHT",
                 new_y="NEXT" if end else "TOP")

    payout = report.payout
    text(f"Utbetaling {payout.provider.capitalize()} {payout.payout_id}", 15, bold=True)
    text(report.vendor_name, 11)
    text(f"Bankdato {payout.paid_on.isoformat()}    Netto til bank {format_nok(payout.net)} {payout.currency}    "
         f"Gebyrer {format_nok(-payout.fees)}    Brutto {format_nok(payout.gross)}")
    text(f"Nøkkel {report.key}")
    days = ", ".join(day.isoformat() for day in report.days) or "ingen avstemte salgsdager"
    text(f"Salgsdager dekket: {days}")
    pdf.ln(3)
    text("Bilag", 11, bold=True)
    for heading, width, align in (("Konto", 30, "L"), ("Tekst", 100, "L"), ("Debet", 30, "R"), ("Kredit", 30, "R")):
        text(heading, bold=True, width=width, align=align, end=False)
    pdf.ln(5.5)
    for line in report.booking.booked:
        text(line.account, width=30, end=False)
        text(LINE_TEXT.get(line.text, line.text)[:60], width=100, end=False)
        text(format_nok(line.debit_ore) if line.debit_ore else "", width=30, align="R", end=False)
        text(format_nok(line.credit_ore) if line.credit_ore else "", width=30, align="R", end=False)
        pdf.ln(5.5)
    pdf.ln(3)
    text(f"Transaksjoner ({len(payout.items)})", 11, bold=True)
    for heading, width, align in (("Tidspunkt", 34, "L"), ("Type", 26, "L"), ("Referanse", 52, "L"),
                                  ("Ordre", 28, "L"), ("Beløp", 30, "R")):
        text(heading, bold=True, width=width, align=align, end=False)
    pdf.ln(5.5)
    for item in payout.items:
        text(item.occurred.strftime("%Y-%m-%d %H:%M"), width=34, end=False)
        text(KIND_TEXT.get(str(item.kind), str(item.kind)), width=26, end=False)
        text(item.reference[:30], width=52, end=False)
        text(item.order_ref[:16], width=28, end=False)
        text(format_nok(item.amount), width=30, align="R", end=False)
        pdf.ln(5.5)
    pdf.ln(3)
    text(f"Laget {report.generated_at:%Y-%m-%d %H:%M} UTC av settlement", 7)
    return bytes(pdf.output())
