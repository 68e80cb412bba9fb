"""The report attached to a payout voucher: what was booked, the payout's items and the business
days they cover, on A4 in the report font (settlement.report.fonts; the core font without one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo

from fpdf import FPDF

from settlement.domain.money import format_nok
from settlement.domain.payouts import Payout
from settlement.domain.text import N_, language, show_day, show_moment, tr
from settlement.posting.ledger import Booking
from settlement.report.fonts import PdfFont

# What each line of the payout voucher is (the booked line's text is its section).
LINE_TEXT = {"payout": N_("Net paid out"), "fee": N_("Fees"), "adjustment": N_("Adjustments and chargebacks"),
             "clearing": N_("Settled from the clearing account")}
KIND_TEXT = {"capture": N_("Payment"), "refund": N_("Refund"), "fee": N_("Fee"), "adjustment": N_("Adjustment"),
             "chargeback": N_("Chargeback"), "other": N_("Other")}


def _shown(texts: dict[str, str], code: str) -> str:
    """A code's text in the installed language; an unknown code as it is."""
    return tr(texts[code]) if code in texts else code


@dataclass(frozen=True)
class PayoutReport:
    """What the payout report shows."""

    vendor_name: str
    payout: Payout
    key: str
    booking: Booking
    days: tuple[date, ...]
    generated_at: datetime
    zone: tzinfo = timezone.utc  # the vendor's: every time on the report is shown in it, with its offset


def _at(moment: datetime, zone: tzinfo) -> str:
    """A moment in the vendor's zone with its offset: '03.11.2026 15:05 +01:00' in bokmål (as
    text.show_moment shows it), '2026-11-03 15:05 +01:00' in English. A naive moment is taken as UTC."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(zone)
    if language().code != "en":
        return show_moment(local)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


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
        shown = _plain(value, unicode)
        if width:  # cut to the column (marked with …) rather than run into the next one
            while shown and pdf.get_string_width(shown) > width - 1.5:
                shown = shown[:-2] + ("…" if unicode else "~")
        pdf.cell(width, 5.5, shown, align=align, new_x="LMARGIN" if end else "RIGHT",
                 new_y="NEXT" if end else "TOP")

    payout = report.payout
    text(tr("Payout {provider} {payout_id}", provider=payout.provider.capitalize(), payout_id=payout.payout_id),
         15, bold=True)
    text(report.vendor_name, 11)
    # Dates the language's way: 05.11.2026 in bokmål, 2026-11-05 in English.
    text(tr("Bank date {day}    Net to bank {net} {currency}    Fees {fees}    Gross {gross}",
            day=payout.paid_on, net=format_nok(payout.net), currency=payout.currency,
            fees=format_nok(-payout.fees), gross=format_nok(payout.gross)))
    text(tr("Key {key}", key=report.key))
    days = ", ".join(show_day(day) for day in report.days) or tr("no reconciled sales days")
    text(tr("Sales days covered: {days}", days=days))
    pdf.ln(3)
    text(tr("Voucher"), 11, bold=True)
    for heading, width, align in ((tr("Account"), 30, "L"), (tr("Text"), 100, "L"), (tr("Debit"), 30, "R"),
                                  (tr("Credit"), 30, "R")):
        text(heading, bold=True, width=width, align=align, end=False)
    pdf.ln(5.5)
    for line in report.booking.booked:
        text(line.account, width=30, end=False)
        text(_shown(LINE_TEXT, line.text), width=100, end=False)
        text(format_nok(line.debit_ore) if line.debit_ore else "", width=30, align="R", end=False)
        text(format_nok(line.credit_ore) if line.credit_ore else "", width=30, align="R", end=False)
        pdf.ln(5.5)
    pdf.ln(3)
    text(tr("Transactions ({count})", count=len(payout.items)), 11, bold=True)
    for heading, width, align in ((tr("Date and time"), 40, "L"), (tr("Type"), 26, "L"), (tr("Reference"), 66, "L"),
                                  (tr("Order"), 30, "L"), (tr("Amount"), 28, "R")):
        text(heading, bold=True, width=width, align=align, end=False)
    pdf.ln(5.5)
    for item in payout.items:
        text(_at(item.occurred, report.zone), size=8, width=40, end=False)
        text(_shown(KIND_TEXT, str(item.kind)), size=8, width=26, end=False)
        text(item.reference, size=8, width=66, end=False)
        text(item.order_ref, size=8, width=30, end=False)
        text(format_nok(item.amount), size=8, width=28, align="R", end=False)
        pdf.ln(5.5)
    pdf.ln(3)
    text(tr("Made {moment} by settlement", moment=_at(report.generated_at, report.zone)), 7)
    return bytes(pdf.output())
