"""Render a DayReport as a one-or-more page PDF (Norwegian headings). Pure: bytes out.

The text uses the PDF core font Helvetica in Latin-1 (WinAnsi), which covers æøå and every
other Norwegian letter, needs no font file (none ships with our dependencies, and system fonts
differ between machines) and keeps the text extractable. Characters outside Latin-1 in user
data (account names, notes) are replaced rather than dropped silently. The PDF's creation date
is the report's generated_at, so the same report always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from settlement.domain.money import format_nok
from settlement.report.data import DayReport, Tally

_FONT = "Helvetica"
_MARGIN = 12
_WIDTH = 210 - 2 * _MARGIN
# Row height and heading spacing chosen so a usual day (a dozen voucher lines, a handful of
# payment methods) fits one A4 page; longer days flow on to further pages.
_ROW = 4.4
# Typographic characters that are not Latin-1 but have a plain equivalent.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR", "\u202f": " "})

_SECTION_NAMES = {
    "sale": "Salg",
    "shipping": "Frakt",
    "return": "Retur",
    "tip": "Driks",
    "gift_card": "Gavekort",
    "payment": "Betaling",
    "rounding": "Øresavrunding",
    "difference": "Differanse",
}


def latin1(text: str) -> str:
    """Text the core font can show: typographic marks made plain, anything else outside Latin-1 as '?'."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def kr(ore: int) -> str:
    """Øre as Norwegian kroner, '1 234,56'."""
    return format_nok(ore)


@dataclass(frozen=True)
class _Column:
    title: str
    width: float
    align: str = "L"


class _Document(FPDF):
    """A4 portrait with the vendor-day in the footer of every page."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(_FONT, size=7)
        self.set_text_color(110)
        self.cell(_WIDTH / 2, 4, latin1(self.footer_text))
        self.cell(_WIDTH / 2, 4, f"Side {self.page_no()} av {{nb}}", align="R")
        self.set_text_color(0)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Cut text to fit a cell, marking the cut."""
    text = latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _heading(pdf: FPDF, text: str) -> None:
    # Keep a heading with the first rows under it: start a new page when fewer than ~4 rows fit.
    if pdf.get_y() > 297 - 16 - 6 - 4 * _ROW - 8:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 11)
    pdf.cell(_WIDTH, 6, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=8.5)


def _table(pdf: FPDF, columns: list[_Column], rows: list[list[str]], total: list[str] | None = None) -> None:
    pdf.set_font(_FONT, "B", 8.5)
    pdf.set_fill_color(232)
    for column in columns:
        pdf.cell(column.width, _ROW + 0.6, latin1(column.title), border="B", align=column.align, fill=True)
    pdf.ln()
    pdf.set_font(_FONT, size=8.5)
    for row in rows:
        for column, value in zip(columns, row):
            pdf.cell(column.width, _ROW, _fit(pdf, value, column.width), align=column.align)
        pdf.ln()
    if total is not None:
        pdf.set_font(_FONT, "B", 8.5)
        for column, value in zip(columns, total):
            pdf.cell(column.width, _ROW + 0.6, _fit(pdf, value, column.width), border="T", align=column.align)
        pdf.ln()
        pdf.set_font(_FONT, size=8.5)


def _pairs(pdf: FPDF, pairs: list[tuple[str, str]]) -> None:
    """Label-value lines, values right-aligned in a narrow column."""
    for label, value in pairs:
        pdf.cell(70, _ROW, latin1(label))
        pdf.cell(40, _ROW, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraphs(pdf: FPDF, items: tuple[str, ...], empty: str) -> None:
    if not items:
        pdf.cell(_WIDTH, _ROW, latin1(empty), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for item in items:
        pdf.multi_cell(_WIDTH, _ROW, latin1(f"- {item}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _discounts(report: DayReport) -> str:
    """The day's discounts, with each source's share when there are several or one does not
    state them ("ikke oppgitt": the source has no discount figures, not "no discount")."""
    if report.discounts is None:
        return "ikke oppgitt i kildedataene"
    parts = [f"{source}: {kr(amount) if amount is not None else 'ikke oppgitt'}"
             for source, amount in report.discounts_by_source]
    shown = kr(report.discounts)
    return f"{shown}  ({', '.join(parts)})" if len(parts) > 1 else shown


def _tally(tally: Tally, unit: str = "kvitteringer") -> str:
    return f"{kr(tally.amount)}  ({tally.count} {unit})"


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.strftime("%d.%m.%Y %H:%M %Z").strip()


def render_pdf(report: DayReport) -> bytes:
    """The settlement report of one vendor-day as PDF bytes."""
    pdf = _Document(orientation="P", unit="mm", format="A4")
    # No clock: the document is dated by the report (or not at all).
    if report.generated_at is not None:
        pdf.set_creation_date(report.generated_at)
    else:
        pdf.creation_date = None
    day = report.day.strftime("%d.%m.%Y")
    pdf.set_title(latin1(f"Dagsoppgjør {report.vendor_name} {day}"))
    pdf.set_author("settlement")
    pdf.set_creator("settlement")
    pdf.footer_text = f"Dagsoppgjør {report.vendor_name} ({report.vendor}) {day}"
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()

    pdf.set_font(_FONT, "B", 16)
    pdf.cell(_WIDTH, 9, latin1(f"Dagsoppgjør {day}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=9)
    _pairs(
        pdf,
        [
            ("Forhandler", f"{report.vendor_name} ({report.vendor})"),
            ("Forretningsdag", report.day.isoformat()),
            ("Oppgjørsnøkkel", report.settlement_key or "-"),
            ("Generert", _stamp(report.generated_at)),
        ],
    )
    if report.blocked:
        pdf.set_text_color(170, 0, 0)
        pdf.set_font(_FONT, "B", 10)
        pdf.cell(_WIDTH, 7, "SPERRET: bilaget har feil (se Avvik) og bokføres ikke", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    _heading(pdf, "Bilag")
    _table(
        pdf,
        [
            _Column("Konto", 20), _Column("Kontonavn", 62), _Column("Type", 22), _Column("Mva-kode", 16, "C"),
            _Column("Debet", 22, "R"), _Column("Kredit", 22, "R"), _Column("Mva", 22, "R"),
        ],
        [
            [
                line.account, line.name, _SECTION_NAMES.get(line.section, line.section), line.vat_code or "",
                kr(line.debit) if line.debit else "", kr(line.credit) if line.credit else "",
                kr(line.vat) if line.vat else "",
            ]
            for line in report.lines
        ],
        total=["Sum", "", "", "", kr(report.total_debit), kr(report.total_credit), ""],
    )
    if not report.lines:
        pdf.cell(_WIDTH, _ROW, "Ingen salg denne dagen: ingenting å bokføre.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _heading(pdf, "Sum per mva-kode")
    totals = report.vat_totals
    _table(
        pdf,
        [
            _Column("Mva-kode", 20, "C"), _Column("Grunnlag", 32, "R"), _Column("Mva", 30, "R"),
            _Column("Brutto", 32, "R"), _Column("Mva beregnet av Fiken", 40, "R"), _Column("Differanse", 32, "R"),
        ],
        [
            [t.vat_code, kr(t.net), kr(t.vat), kr(t.gross), kr(t.fiken_vat), kr(t.fiken_vat - t.vat)]
            for t in totals
        ],
        total=[
            "Sum", kr(sum(t.net for t in totals)), kr(sum(t.vat for t in totals)), kr(sum(t.gross for t in totals)),
            kr(sum(t.fiken_vat for t in totals)), kr(sum(t.fiken_vat - t.vat for t in totals)),
        ],
    )

    if report.posting_mode == "journal" and totals:
        gap = sum(t.fiken_vat - t.vat for t in totals)
        pdf.multi_cell(
            _WIDTH, _ROW,
            latin1(
                "Bokføres som fri postering: Fiken beregner mva av grunnlaget per linje (avrundet til nærmeste øre)"
                + (f"; differansen {kr(gap)} mot kildedataene føres på øresavrunding." if gap else ".")
            ),
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )
    elif report.posting_mode == "cash_sale" and totals:
        pdf.multi_cell(
            _WIDTH, _ROW, latin1("Bokføres som kontantsalg med mva fra kildedataene."),
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )

    _heading(pdf, "Betalingsmåter")
    _table(
        pdf,
        [
            _Column("Betalingsmåte", 30), _Column("Konto", 22), _Column("Kontonavn", 58),
            _Column("Antall", 16, "R"), _Column("Beløp", 30, "R"), _Column("Herav refusjoner", 30, "R"),
        ],
        [
            [
                p.code, p.account or "(ikke koblet)", p.account_name or "", str(p.receipts), kr(p.amount),
                kr(p.refunds) if p.refunds else "",
            ]
            for p in report.payments
        ],
        total=["Sum", "", "", "", kr(sum(p.amount for p in report.payments)), ""],
    )

    _heading(pdf, "Nøkkeltall")
    by_source = ", ".join(f"{source}: {count}" for source, count in report.receipts_by_source)
    _pairs(
        pdf,
        [
            ("Antall kvitteringer og ordrer", f"{report.receipts}" + (f"  ({by_source})" if by_source else "")),
            ("herav kassekvitteringer", str(report.till_receipts)),
            ("herav nettbutikkordrer", str(report.webshop_receipts)),
            ("Returer", _tally(report.returns)),
            ("Øresavrunding", _tally(report.rounding)),
            *(
                [("Øresavrunding bokført i Fiken", kr(report.fiken_rounding))]
                if report.fiken_rounding is not None else []
            ),
            ("Driks", _tally(report.tips)),
            ("Gavekort solgt", _tally(report.gift_cards_sold)),
            ("Gavekort innløst", _tally(report.gift_cards_redeemed)),
            ("Rabatter", _discounts(report)),
        ],
    )

    _heading(pdf, "Avvik")
    _paragraphs(pdf, report.deviations, "Ingen avvik.")
    if report.errors:
        pdf.set_text_color(170, 0, 0)
        _paragraphs(pdf, tuple(f"Feil: {e}" for e in report.errors), "")
        pdf.set_text_color(0)

    _heading(pdf, "Nettbutikkordrer")
    if report.webshop_orders:
        _table(
            pdf,
            [
                _Column("Ordre", 24), _Column("Type", 20), _Column("Tid", 30), _Column("Betalingsmåte", 34),
                _Column("Status", 28), _Column("I salgstall", 20, "C"), _Column("Beløp", 30, "R"),
            ],
            [
                [
                    o.number, "Refusjon" if o.kind == "refund" else "Ordre", o.time.strftime("%d.%m.%Y %H:%M"),
                    o.payment_method, o.status, "ja" if o.in_sales else "nei (kasse)", kr(o.amount),
                ]
                for o in report.webshop_orders
            ],
            total=[f"{report.webshop_order_count} ordrer", "", "", "", "", "", kr(report.webshop_total)],
        )
    else:
        pdf.cell(_WIDTH, _ROW, "Ingen nettbutikkordrer denne dagen.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    return bytes(pdf.output())
