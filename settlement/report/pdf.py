"""Render a DayReport as a one-or-more page PDF (in the installed language). Pure: bytes out.

The text is set in the TrueType font handed in (DejaVu Sans, found by settlement.report.fonts), so
Sámi letters and `€` print and stay extractable; a character the font lacks is shown as '?'. Without
a font file the PDF core font Helvetica is used in Latin-1 (WinAnsi), which covers æøå but turns
other letters into '?' and `€` into EUR. Dates are the language's (dd.mm.åååå in bokmål, ISO in
English), amounts "1 234,50" in both, and a zero
figure is "0,00" rather than an empty cell. The PDF's creation date is the report's generated_at,
so the same report always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from settlement.domain import text as language
from settlement.domain.money import format_nok
from settlement.domain.text import N_, ntr, show_day, tr
from settlement.domain.vat import UnknownVatCode, rate_on
from settlement.domain.voucher import section_name
from settlement.report.chart import draw_hours
from settlement.report.data import DayReport, Tally
from settlement.report.fonts import PdfFont

_CORE_FONT = "Helvetica"
_MARGIN = 12
_WIDTH = 210 - 2 * _MARGIN
# Row height and heading spacing chosen so a usual day (a dozen voucher lines, a handful of
# payment methods) fits one A4 page; longer days flow on to further pages.
_ROW = 4.4
# Typographic characters that are not Latin-1 but have a plain equivalent.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR", "\u202f": " "})

def latin1(text: str) -> str:
    """Text the core font can show: typographic marks made plain, anything else outside Latin-1 as '?'."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def kr(ore: int) -> str:
    """Øre as Norwegian kroner, '1 234,56' (and '0,00' for nothing)."""
    return format_nok(ore)


def dato(day: date | datetime) -> str:
    """A date as the report writes every date: dd.mm.åååå in bokmål, 2026-11-20 in English."""
    return show_day(day.date() if isinstance(day, datetime) else day)


# What each output VAT code means, as the accountant knows it; {rate} is the code's rate on the day.
_VAT_TEXTS = {
    "3": N_("Output VAT, standard rate {rate}%"),
    "31": N_("Output VAT, medium rate {rate}%"),
    "33": N_("Output VAT, low rate {rate}%"),
    "32": N_("Output VAT, raw fish {rate}%"),
    "5": N_("Sales exempt from VAT"),
    "51": N_("Sales subject to reverse charge"),
    "52": N_("Exports, exempt from VAT"),
    "6": N_("Sales outside the scope of the VAT Act"),
    "7": N_("No VAT treatment"),
}
_RATE = re.compile(r"\s*\{rate\}\s*%")


def vat_text(code: str, day: date) -> str:
    """The text of a VAT code with its rate on the day ('Output VAT, standard rate 25%'; in bokmål
    'Utgående mva, høy sats 25 %', with a decimal comma); '' for a code we do not know."""
    template = _VAT_TEXTS.get(code)
    if template is None:
        return ""
    try:
        rate = rate_on(code, day).percent
    except UnknownVatCode:
        return _RATE.sub("", tr(template))
    if language.language().code != "en":
        rate = rate.replace(".", ",")
    return tr(template, rate=rate)


@dataclass(frozen=True)
class _Column:
    title: str
    width: float
    align: str = "L"


class _Document(FPDF):
    """A4 portrait in one font family, with the vendor-day in the footer of every page."""

    footer_text = ""

    def __init__(self, font: PdfFont | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.family = _CORE_FONT
        if font is not None:
            self.add_font(font.family, "", str(font.regular))
            self.add_font(font.family, "B", str(font.bold))
            self.family = font.family
        self.unicode = font is not None

    def style(self, style: str = "", size: float = 8.5) -> None:
        self.set_font(self.family, style, size)

    def t(self, text: str) -> str:
        """Text this font can show: as it is in the TrueType font (a glyph it lacks as '?'),
        else made Latin-1 (latin1)."""
        if not self.unicode:
            return latin1(text)
        glyphs = self.current_font.cmap
        return "".join(c if ord(c) in glyphs or c == "\n" else "?" for c in text)

    def footer(self) -> None:
        self.set_y(-10)
        self.style(size=7)
        self.set_text_color(110)
        self.cell(_WIDTH - 25, 4, self.t(self.footer_text))
        # {nb}: fpdf2's alias for the page count, filled in when the document is written.
        self.cell(25, 4, tr("Page {page} of {pages}", page=self.page_no(), pages="{nb}"), align="R")
        self.set_text_color(0)


def _fit(pdf: _Document, text: str, column: _Column) -> str:
    """Cut a text to fit its cell, marking the cut; a figure (right-aligned or centred) is never
    cut: a cut amount would read as another amount."""
    text = pdf.t(text)
    width = column.width
    if column.align != "L" or pdf.get_string_width(text) <= width - 2:
        return text
    mark = pdf.t("…")
    while text and pdf.get_string_width(text + mark) > width - 2:
        text = text[:-1]
    return text + mark


def _heading(pdf: _Document, text: str, rows: int = 4) -> None:
    # Keep a heading with the first rows under it (a table's header and a few lines, or the one
    # line of an empty section): start a new page when they do not fit below it.
    if pdf.get_y() + 2 + 6 + rows * _ROW + 2 > 297 - 16:
        pdf.add_page()
    pdf.ln(2)
    pdf.style("B", 11)
    pdf.cell(_WIDTH, 6, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(size=8.5)


def _table(pdf: _Document, columns: list[_Column], rows: list[list[str]], total: list[str] | None = None) -> None:
    pdf.style("B", 8.5)
    pdf.set_fill_color(232)
    for column in columns:
        title = pdf.t(column.title)
        # A heading wider than its column (a language's longer words) is set smaller rather than run
        # into its neighbour; half a millimetre over is the cell's own padding, left as it is.
        size = 8.5
        while size > 6 and pdf.get_string_width(title) > column.width + 0.5:
            size -= 0.5
            pdf.style("B", size)
        pdf.cell(column.width, _ROW + 0.6, title, border="B", align=column.align, fill=True)
        if size != 8.5:
            pdf.style("B", 8.5)
    pdf.ln()
    pdf.style(size=8.5)
    for row in rows:
        for column, value in zip(columns, row):
            pdf.cell(column.width, _ROW, _fit(pdf, value, column), align=column.align)
        pdf.ln()
    if total is not None:
        pdf.style("B", 8.5)
        for column, value in zip(columns, total):
            pdf.cell(column.width, _ROW + 0.6, _fit(pdf, value, column), border="T", align=column.align)
        pdf.ln()
        pdf.style(size=8.5)


def _pairs(pdf: _Document, pairs: list[tuple[str, str]], label: float = 70, value: float = 40, align: str = "R") -> None:
    """Label-value lines; by default the values (figures) right-aligned in a narrow column."""
    for name, shown in pairs:
        pdf.cell(label, _ROW, pdf.t(name))
        pdf.cell(value, _ROW, pdf.t(shown), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraphs(pdf: _Document, items: tuple[str, ...], empty: str) -> None:
    if not items:
        pdf.cell(_WIDTH, _ROW, pdf.t(empty), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for item in items:
        pdf.multi_cell(_WIDTH, _ROW, pdf.t(f"- {item}"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _discounts(report: DayReport) -> str:
    """The day's discounts, with each source's share when there are several or one does not
    state them ("not stated": the source has no discount figures, not "no discount")."""
    if report.discounts is None:
        return tr("not stated in the source data")
    not_stated = tr("not stated")
    parts = [f"{source}: {kr(amount) if amount is not None else not_stated}"
             for source, amount in report.discounts_by_source]
    shown = kr(report.discounts)
    return f"{shown}  ({', '.join(parts)})" if len(parts) > 1 else shown


def _tally(tally: Tally) -> str:
    return ntr("{amount}  ({n} receipt)", "{amount}  ({n} receipts)", tally.count, amount=kr(tally.amount))


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return f"{dato(moment)} {moment:%H:%M %Z}".strip()


def _company(report: DayReport) -> str:
    facts = report.ledger
    if facts is None:
        return tr("not posted yet (read from the ledger when posted)")
    if not facts.company:
        return tr("not stated by {ledger}", ledger=facts.ledger)
    org = (tr("org. no. {number}", number=facts.organization_number) if facts.organization_number
           else tr("org. no. not stated by {ledger}", ledger=facts.ledger))
    return f"{facts.company} ({org})"


def _booked(report: DayReport) -> list[tuple[str, str]]:
    """Where and under which key and version the day is booked; a correction names the version it
    replaces."""
    facts = report.ledger
    if facts is None:
        where = tr("not yet ({ledger})", ledger=report.booked_by) if report.ledger_name else tr("not yet")
    elif facts.voucher_number:
        where = tr("{ledger} voucher {number}", ledger=facts.ledger, number=facts.voucher_number)
    else:
        where = facts.ledger
    rows = [(tr("Posted"), where)]
    if report.settlement_key:
        version = f"v{report.version}" if report.version else ""
        if report.version and report.version > 1:
            version = tr("v{version}, correction: replaces v{previous}", version=report.version,
                         previous=report.version - 1)
        rows.append((tr("Settlement key"), f"{report.settlement_key}" + (f"  ({version})" if version else "")))
    if facts is not None and facts.link:
        rows.append((tr("Link"), facts.link))
    return rows


def _day_hours(report: DayReport) -> str:
    shown = dato(report.day)
    if report.day_window is not None:
        start, close = report.day_window
        shown += tr(", open {start}–{close}", start=start.strftime("%H:%M"), close=close.strftime("%H:%M"))
    hours = report.hours
    if hours is not None and hours.first is not None:
        shown += tr(", first sale {first}, last {last}", first=hours.first.strftime("%H:%M"),
                    last=hours.last.strftime("%H:%M"))
    return shown


def _sources(report: DayReport) -> list[tuple[str, str]]:
    """One line per source: its files, registers with receipt count and range, Z reports."""
    rows = []
    for source in report.sources:
        parts = []
        if source.files:
            parts.append(", ".join(source.files))
        for register in source.registers:
            span = register.first if register.first == register.last else f"{register.first}–{register.last}"
            counted = (ntr("{n} order ({span})", "{n} orders ({span})", register.count, span=span)
                       if source.source == "woocommerce"
                       else ntr("{n} receipt ({span})", "{n} receipts ({span})", register.count, span=span))
            where = tr("register {register}: ", register=register.register) if register.register else ""
            parts.append(f"{where}{counted}")
        if source.z_reports:
            parts.append(tr("Z report {numbers}", numbers=", ".join(source.z_reports)))
        rows.append((tr("Sources") if not rows else "", f"{source.name}: " + "; ".join(parts)))
    if report.webshop_orders:
        rows.append((tr("Sources") if not rows else "",
                     ntr("Webshop order list: {n} order", "Webshop order list: {n} orders",
                         report.webshop_order_count)))
    return rows


def _bilag(pdf: _Document, report: DayReport) -> None:
    """The voucher as the ledger books it (net revenue, its VAT, the rest as sent); without a
    booking (a blocked day) the voucher's gross lines as the sources give them."""
    if report.booked:
        _heading(pdf, tr("Voucher (as {ledger} posts it)", ledger=report.booked_by))
        _table(
            pdf,
            [_Column(tr("Account"), 20), _Column(tr("Text"), 88), _Column(tr("VAT code"), 18, "C"),
             _Column(tr("Debit"), 30, "R"), _Column(tr("Credit"), 30, "R")],
            [[line.account, line.text, line.vat_code or "", kr(line.debit_ore), kr(line.credit_ore)]
             for line in report.booked],
            total=[tr("Total"), "", "", kr(sum(line.debit_ore for line in report.booked)),
                   kr(sum(line.credit_ore for line in report.booked))],
        )
        return
    _heading(pdf, tr("Voucher (not posted: the lines from the source data, gross)"))
    _table(
        pdf,
        [
            _Column(tr("Account"), 14), _Column(tr("Account name"), 64), _Column(tr("Type"), 26),
            _Column(tr("VAT code"), 16, "C"), _Column(tr("Debit"), 22, "R"), _Column(tr("Credit"), 22, "R"),
            _Column(tr("VAT"), 22, "R"),
        ],
        [
            [line.account, line.name, section_name(line.section), line.vat_code or "", kr(line.debit), kr(line.credit), kr(line.vat)]
            for line in report.lines
        ],
        total=[tr("Total"), "", "", "", kr(report.total_debit), kr(report.total_credit), ""],
    )
    if not report.lines:
        pdf.cell(_WIDTH, _ROW, tr("No sales this day: nothing to post."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _vat(pdf: _Document, report: DayReport) -> None:
    """Per VAT code: grunnlag, mva and brutto as booked (from the Bilag's lines), beside the VAT the
    sources stated."""
    _heading(pdf, tr("Total per VAT code"))
    if report.booked_vat:
        rows = [(t.vat_code, t.net, t.vat, t.gross, t.source_vat) for t in report.booked_vat]
        booked_by = report.booked_by
    else:
        rows = [(t.vat_code, t.net, t.vat, t.gross, t.vat) for t in report.vat_totals]
        booked_by = ""
    _table(
        pdf,
        [_Column(tr("VAT code"), 62), _Column(tr("Base"), 24, "R"), _Column(tr("VAT"), 22, "R"),
         _Column(tr("Gross"), 24, "R"), _Column(tr("VAT in source data"), 31, "R"), _Column(tr("Difference"), 23, "R")],
        [[f"{code} {vat_text(code, report.day)}".strip(), kr(net), kr(vat), kr(gross), kr(source), kr(vat - source)]
         for code, net, vat, gross, source in rows],
        total=[tr("Total"), kr(sum(r[1] for r in rows)), kr(sum(r[2] for r in rows)), kr(sum(r[3] for r in rows)),
               kr(sum(r[4] for r in rows)), kr(sum(r[2] - r[4] for r in rows))],
    )
    gap = sum(r[2] - r[4] for r in rows)
    if booked_by and rows:
        how = tr(_POSTING_MODES.get(report.posting_mode or "", _MANUAL))
        if gap:
            note = tr("Base, VAT and gross are what {ledger} posts ({how}); the difference {gap} from the source "
                      "data's VAT is posted to rounding.", ledger=booked_by, how=how, gap=kr(gap))
        else:
            note = tr("Base, VAT and gross are what {ledger} posts ({how}).", ledger=booked_by, how=how)
        pdf.multi_cell(_WIDTH, _ROW, pdf.t(note), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# How the ledger was sent the day, as the VAT note names it.
_POSTING_MODES = {"journal": N_("journal entry"), "cash_sale": N_("cash sale")}
_MANUAL = N_("manual voucher")


def _payments(pdf: _Document, report: DayReport) -> None:
    _heading(pdf, tr("Payment methods"))
    _table(
        pdf,
        [
            _Column(tr("Payment method"), 30), _Column(tr("Account"), 22), _Column(tr("Account name"), 58),
            _Column(tr("Count"), 16, "R"), _Column(tr("Amount"), 30, "R"), _Column(tr("Of which refunds"), 30, "R"),
        ],
        [
            [p.code, p.account or tr("(not mapped)"), p.account_name or "", str(p.receipts), kr(p.amount),
             kr(p.refunds)]
            for p in report.payments
        ],
        total=[tr("Total"), "", "", "", kr(sum(p.amount for p in report.payments)), ""],
    )


def _key_figures(pdf: _Document, report: DayReport) -> None:
    """Counts and amounts on the left, the takings by hour beside them."""
    _heading(pdf, tr("Key figures"), rows=9)
    top = pdf.get_y()
    _pairs(
        pdf,
        [
            (tr("Receipts and orders"), tr("{receipts}  (register {till}, webshop {webshop})",
                                           receipts=report.receipts, till=report.till_receipts,
                                           webshop=report.webshop_receipts)),
            (tr("Returns"), _tally(report.returns)),
            (tr("Rounding in source data"), _tally(report.rounding)),
            *(
                [(tr("Rounding posted in {ledger}", ledger=report.booked_by), kr(report.fiken_rounding))]
                if report.fiken_rounding is not None else []
            ),
            (tr("Tips"), _tally(report.tips)),
            (tr("Gift cards sold"), _tally(report.gift_cards_sold)),
            (tr("Gift cards redeemed"), _tally(report.gift_cards_redeemed)),
            (tr("Discounts"), _discounts(report)),
        ],
        label=64, value=50, align="L",
    )
    bottom = pdf.get_y()
    if report.hours is not None and report.hours.by_hour:
        left = _MARGIN + 116
        pdf.set_xy(left, top)
        pdf.style("B", 7.5)
        pdf.cell(_WIDTH - 116, 4, pdf.t(tr("Takings per hour (incl. VAT)")))
        draw_hours(pdf, report.hours.by_hour, left, top + 5, _WIDTH - 116, bottom - top - 5, pdf.t)
        pdf.style(size=8.5)
    pdf.set_xy(_MARGIN, bottom)


def render_pdf(report: DayReport, font: PdfFont | None = None) -> bytes:
    """The settlement report of one vendor-day as PDF bytes, set in `font` (settlement.report.fonts;
    None: the Latin-1 core font)."""
    pdf = _Document(font)
    # No clock: the document is dated by the report, else by its business day.
    pdf.set_creation_date(report.generated_at or datetime.combine(report.day, time(), timezone.utc))
    day = report.day
    title = tr("Daily settlement {store} {day}", store=report.vendor_name, day=day)
    pdf.set_title(title if pdf.unicode else latin1(title))
    pdf.set_author("settlement")
    pdf.set_creator("settlement")
    pdf.footer_text = tr("Daily settlement {store} ({vendor}) {day} · generated {moment}", store=report.vendor_name,
                         vendor=report.vendor, day=day, moment=_stamp(report.generated_at))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()

    pdf.style("B", 16)
    pdf.cell(_WIDTH, 9, pdf.t(tr("Daily settlement {day}", day=day)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(size=9)
    _pairs(
        pdf,
        [
            (tr("Company"), _company(report)),
            (tr("Store"), f"{report.vendor_name} ({report.vendor})"),
            (tr("Business day"), _day_hours(report)),
            *_booked(report),
            *_sources(report),
        ],
        label=30, value=_WIDTH - 30, align="L",
    )
    if report.version is not None and report.version > 1:
        command = f"settlement audit --vendor {report.vendor} --date {report.day.isoformat()}"
        if report.correction_reason:
            note = tr("Correction: this voucher replaces v{previous}, which has been reversed because {reason}. "
                      "What was done and when is in the audit log: {command}",
                      previous=report.version - 1, reason=report.correction_reason, command=command)
        else:
            note = tr("Correction: this voucher replaces v{previous}, which has been reversed. "
                      "What was done and when is in the audit log: {command}",
                      previous=report.version - 1, command=command)
        pdf.multi_cell(_WIDTH, _ROW, pdf.t(note), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if report.blocked:
        pdf.set_text_color(170, 0, 0)
        pdf.style("B", 10)
        pdf.cell(_WIDTH, 7, tr("BLOCKED: the voucher has errors (see Deviations) and is not posted"),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    _bilag(pdf, report)
    _vat(pdf, report)
    _payments(pdf, report)
    _key_figures(pdf, report)

    _heading(pdf, tr("Deviations"), rows=min(max(len(report.deviations) + len(report.errors), 1), 4))
    _paragraphs(pdf, report.deviations, tr("No deviations."))
    if report.errors:
        pdf.set_text_color(170, 0, 0)
        _paragraphs(pdf, tuple(tr("Error: {error}", error=e) for e in report.errors), "")
        pdf.set_text_color(0)

    _heading(pdf, tr("Webshop orders"), rows=4 if report.webshop_orders else 1)
    if report.webshop_orders:
        _table(
            pdf,
            [
                _Column(tr("Order"), 24), _Column(tr("Type"), 20), _Column(tr("Time"), 30),
                _Column(tr("Payment method"), 34), _Column(tr("Status"), 28), _Column(tr("In sales figures"), 20, "C"),
                _Column(tr("Amount"), 30, "R"),
            ],
            [
                [
                    o.number, tr("Refund") if o.kind == "refund" else tr("Order"), f"{dato(o.time)} {o.time:%H:%M}",
                    o.payment_method, o.status, tr("yes") if o.in_sales else tr("no (register)"), kr(o.amount),
                ]
                for o in report.webshop_orders
            ],
            total=[ntr("{n} order", "{n} orders", report.webshop_order_count), "", "", "", "", "",
                   kr(report.webshop_total)],
        )
    else:
        pdf.cell(_WIDTH, _ROW, tr("No webshop orders this day."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    return bytes(pdf.output())
