"""Render a DayReport as a one-or-more page PDF (Norwegian headings). Pure: bytes out.

The text is set in the TrueType font handed in (DejaVu Sans, found by settlement.report.fonts), so
Sámi letters and `€` print and stay extractable; a character the font lacks is shown as '?'. Without
a font file the PDF core font Helvetica is used in Latin-1 (WinAnsi), which covers æøå but turns
other letters into '?' and `€` into EUR. Dates are dd.mm.åååå, amounts "1 234,50", and a zero
figure is "0,00" rather than an empty cell. The PDF's creation date is the report's generated_at,
so the same report always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from settlement.domain.money import format_nok
from settlement.domain.vat import UnknownVatCode, rate_on
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
    """Øre as Norwegian kroner, '1 234,56' (and '0,00' for nothing)."""
    return format_nok(ore)


def dato(day: date | datetime) -> str:
    """A date as the report writes every date: dd.mm.åååå."""
    return day.strftime("%d.%m.%Y")


# What each output VAT code means, as the accountant knows it; {rate} is the code's rate on the day.
_VAT_TEXTS = {
    "3": "Utgående mva, høy sats {rate} %",
    "31": "Utgående mva, middels sats {rate} %",
    "33": "Utgående mva, lav sats {rate} %",
    "32": "Utgående mva, råfisk {rate} %",
    "5": "Omsetning fritatt for mva",
    "51": "Omsetning med omvendt avgiftsplikt",
    "52": "Utførsel, fritatt for mva",
    "6": "Omsetning utenfor mva-loven",
    "7": "Ingen mva-behandling",
}


def vat_text(code: str, day: date) -> str:
    """The Norwegian text of a VAT code with its rate on the day ('Utgående mva, høy sats 25 %');
    '' for a code we do not know."""
    text = _VAT_TEXTS.get(code)
    if text is None:
        return ""
    try:
        rate = rate_on(code, day).percent.replace(".", ",")
    except UnknownVatCode:
        return text.replace(" {rate} %", "")
    return text.format(rate=rate)


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
        self.cell(25, 4, f"Side {self.page_no()} av {{nb}}", align="R")
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
        pdf.cell(column.width, _ROW + 0.6, pdf.t(column.title), border="B", align=column.align, fill=True)
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
    return f"{dato(moment)} {moment:%H:%M %Z}".strip()


def _company(report: DayReport) -> str:
    facts = report.ledger
    if facts is None:
        return "ikke bokført ennå (leses fra regnskapet ved bokføring)"
    if not facts.company:
        return f"ikke oppgitt av {facts.ledger}"
    org = f"org.nr. {facts.organization_number}" if facts.organization_number else f"org.nr. ikke oppgitt av {facts.ledger}"
    return f"{facts.company} ({org})"


def _booked(report: DayReport) -> list[tuple[str, str]]:
    """Where and under which key and version the day is booked; a correction names the version it
    replaces."""
    facts = report.ledger
    if facts is None:
        where = f"ikke ennå ({report.booked_by})" if report.ledger_name else "ikke ennå"
    else:
        where = facts.ledger + (f" bilag {facts.voucher_number}" if facts.voucher_number else "")
    rows = [("Bokført", where)]
    if report.settlement_key:
        version = f"v{report.version}" if report.version else ""
        if report.version and report.version > 1:
            version += f", korreksjon: erstatter v{report.version - 1}"
        rows.append(("Oppgjørsnøkkel", f"{report.settlement_key}" + (f"  ({version})" if version else "")))
    if facts is not None and facts.link:
        rows.append(("Lenke", facts.link))
    return rows


def _day_hours(report: DayReport) -> str:
    shown = dato(report.day)
    if report.day_window is not None:
        start, close = report.day_window
        shown += f", åpent {start:%H:%M}–{close:%H:%M}"
    hours = report.hours
    if hours is not None and hours.first is not None:
        shown += f", første salg {hours.first:%H:%M}, siste {hours.last:%H:%M}"
    return shown


def _sources(report: DayReport) -> list[tuple[str, str]]:
    """One line per source: its files, registers with receipt count and range, Z reports."""
    rows = []
    for source in report.sources:
        parts = []
        if source.files:
            parts.append(", ".join(source.files))
        for register in source.registers:
            unit = ("ordre" if register.count == 1 else "ordrer") if source.source == "woocommerce" else (
                "kvittering" if register.count == 1 else "kvitteringer")
            span = register.first if register.first == register.last else f"{register.first}–{register.last}"
            where = f"kasse {register.register}: " if register.register else ""
            parts.append(f"{where}{register.count} {unit} ({span})")
        if source.z_reports:
            parts.append("Z-rapport " + ", ".join(source.z_reports))
        rows.append(("Kilder" if not rows else "", f"{source.name}: " + "; ".join(parts)))
    if report.webshop_orders:
        rows.append(("Kilder" if not rows else "", f"Nettbutikkens ordreliste: {report.webshop_order_count} ordrer"))
    return rows


def _bilag(pdf: _Document, report: DayReport) -> None:
    """The voucher as the ledger books it (net revenue, its VAT, the rest as sent); without a
    booking (a blocked day) the voucher's gross lines as the sources give them."""
    if report.booked:
        _heading(pdf, f"Bilag (slik {report.booked_by} bokfører det)")
        _table(
            pdf,
            [_Column("Konto", 20), _Column("Tekst", 88), _Column("Mva-kode", 18, "C"),
             _Column("Debet", 30, "R"), _Column("Kredit", 30, "R")],
            [[line.account, line.text, line.vat_code or "", kr(line.debit_ore), kr(line.credit_ore)]
             for line in report.booked],
            total=["Sum", "", "", kr(sum(line.debit_ore for line in report.booked)),
                   kr(sum(line.credit_ore for line in report.booked))],
        )
        return
    _heading(pdf, "Bilag (ikke bokført: linjene fra kildedataene, brutto)")
    _table(
        pdf,
        [
            _Column("Konto", 14), _Column("Kontonavn", 64), _Column("Type", 26), _Column("Mva-kode", 16, "C"),
            _Column("Debet", 22, "R"), _Column("Kredit", 22, "R"), _Column("Mva", 22, "R"),
        ],
        [
            [line.account, line.name, _SECTION_NAMES.get(line.section, line.section), line.vat_code or "",
             kr(line.debit), kr(line.credit), kr(line.vat)]
            for line in report.lines
        ],
        total=["Sum", "", "", "", kr(report.total_debit), kr(report.total_credit), ""],
    )
    if not report.lines:
        pdf.cell(_WIDTH, _ROW, "Ingen salg denne dagen: ingenting å bokføre.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _vat(pdf: _Document, report: DayReport) -> None:
    """Per VAT code: grunnlag, mva and brutto as booked (from the Bilag's lines), beside the VAT the
    sources stated."""
    _heading(pdf, "Sum per mva-kode")
    if report.booked_vat:
        rows = [(t.vat_code, t.net, t.vat, t.gross, t.source_vat) for t in report.booked_vat]
        booked_by = report.booked_by
    else:
        rows = [(t.vat_code, t.net, t.vat, t.gross, t.vat) for t in report.vat_totals]
        booked_by = ""
    _table(
        pdf,
        [_Column("Mva-kode", 62), _Column("Grunnlag", 24, "R"), _Column("Mva", 22, "R"), _Column("Brutto", 24, "R"),
         _Column("Mva i kildedata", 31, "R"), _Column("Differanse", 23, "R")],
        [[f"{code} {vat_text(code, report.day)}".strip(), kr(net), kr(vat), kr(gross), kr(source), kr(vat - source)]
         for code, net, vat, gross, source in rows],
        total=["Sum", kr(sum(r[1] for r in rows)), kr(sum(r[2] for r in rows)), kr(sum(r[3] for r in rows)),
               kr(sum(r[4] for r in rows)), kr(sum(r[2] - r[4] for r in rows))],
    )
    gap = sum(r[2] - r[4] for r in rows)
    if booked_by and rows:
        how = {"journal": "fri postering", "cash_sale": "kontantsalg"}.get(report.posting_mode or "", "manuelt bilag")
        note = f"Grunnlag, mva og brutto er det {booked_by} bokfører ({how})"
        note += f"; differansen {kr(gap)} mot kildedataenes mva er ført på øresavrunding." if gap else "."
        pdf.multi_cell(_WIDTH, _ROW, pdf.t(note), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _payments(pdf: _Document, report: DayReport) -> None:
    _heading(pdf, "Betalingsmåter")
    _table(
        pdf,
        [
            _Column("Betalingsmåte", 30), _Column("Konto", 22), _Column("Kontonavn", 58),
            _Column("Antall", 16, "R"), _Column("Beløp", 30, "R"), _Column("Herav refusjoner", 30, "R"),
        ],
        [
            [p.code, p.account or "(ikke koblet)", p.account_name or "", str(p.receipts), kr(p.amount), kr(p.refunds)]
            for p in report.payments
        ],
        total=["Sum", "", "", "", kr(sum(p.amount for p in report.payments)), ""],
    )


def _key_figures(pdf: _Document, report: DayReport) -> None:
    """Counts and amounts on the left, the takings by hour beside them."""
    _heading(pdf, "Nøkkeltall", rows=9)
    top = pdf.get_y()
    _pairs(
        pdf,
        [
            ("Kvitteringer og ordrer", f"{report.receipts}  (kasse {report.till_receipts}, nettbutikk "
                                       f"{report.webshop_receipts})"),
            ("Returer", _tally(report.returns)),
            ("Øresavrunding i kildedata", _tally(report.rounding)),
            *(
                [(f"Øresavrunding bokført i {report.booked_by}", kr(report.fiken_rounding))]
                if report.fiken_rounding is not None else []
            ),
            ("Driks", _tally(report.tips)),
            ("Gavekort solgt", _tally(report.gift_cards_sold)),
            ("Gavekort innløst", _tally(report.gift_cards_redeemed)),
            ("Rabatter", _discounts(report)),
        ],
        label=64, value=50, align="L",
    )
    bottom = pdf.get_y()
    if report.hours is not None and report.hours.by_hour:
        left = _MARGIN + 116
        pdf.set_xy(left, top)
        pdf.style("B", 7.5)
        pdf.cell(_WIDTH - 116, 4, pdf.t("Omsetning per time (inkl. mva)"))
        draw_hours(pdf, report.hours.by_hour, left, top + 5, _WIDTH - 116, bottom - top - 5, pdf.t)
        pdf.style(size=8.5)
    pdf.set_xy(_MARGIN, bottom)


def render_pdf(report: DayReport, font: PdfFont | None = None) -> bytes:
    """The settlement report of one vendor-day as PDF bytes, set in `font` (settlement.report.fonts;
    None: the Latin-1 core font)."""
    pdf = _Document(font)
    # No clock: the document is dated by the report, else by its business day.
    pdf.set_creation_date(report.generated_at or datetime.combine(report.day, time(), timezone.utc))
    day = dato(report.day)
    title = f"Dagsoppgjør {report.vendor_name} {day}"
    pdf.set_title(title if pdf.unicode else latin1(title))
    pdf.set_author("settlement")
    pdf.set_creator("settlement")
    pdf.footer_text = f"Dagsoppgjør {report.vendor_name} ({report.vendor}) {day} · generert {_stamp(report.generated_at)}"
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()

    pdf.style("B", 16)
    pdf.cell(_WIDTH, 9, pdf.t(f"Dagsoppgjør {day}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(size=9)
    _pairs(
        pdf,
        [
            ("Foretak", _company(report)),
            ("Butikk", f"{report.vendor_name} ({report.vendor})"),
            ("Forretningsdag", _day_hours(report)),
            *_booked(report),
            *_sources(report),
        ],
        label=30, value=_WIDTH - 30, align="L",
    )
    if report.version is not None and report.version > 1:
        pdf.multi_cell(
            _WIDTH, _ROW,
            pdf.t(
                f"Korreksjon: dette bilaget erstatter v{report.version - 1}, som er tilbakeført"
                + (f" fordi {report.correction_reason}" if report.correction_reason else "")
                + ". Hva som ble gjort og når står i revisjonsloggen: "
                f"settlement audit --vendor {report.vendor} --date {report.day.isoformat()}"
            ),
            align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )
    if report.blocked:
        pdf.set_text_color(170, 0, 0)
        pdf.style("B", 10)
        pdf.cell(_WIDTH, 7, "SPERRET: bilaget har feil (se Avvik) og bokføres ikke", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    _bilag(pdf, report)
    _vat(pdf, report)
    _payments(pdf, report)
    _key_figures(pdf, report)

    _heading(pdf, "Avvik", rows=min(max(len(report.deviations) + len(report.errors), 1), 4))
    _paragraphs(pdf, report.deviations, "Ingen avvik.")
    if report.errors:
        pdf.set_text_color(170, 0, 0)
        _paragraphs(pdf, tuple(f"Feil: {e}" for e in report.errors), "")
        pdf.set_text_color(0)

    _heading(pdf, "Nettbutikkordrer", rows=4 if report.webshop_orders else 1)
    if report.webshop_orders:
        _table(
            pdf,
            [
                _Column("Ordre", 24), _Column("Type", 20), _Column("Tid", 30), _Column("Betalingsmåte", 34),
                _Column("Status", 28), _Column("I salgstall", 20, "C"), _Column("Beløp", 30, "R"),
            ],
            [
                [
                    o.number, "Refusjon" if o.kind == "refund" else "Ordre", f"{dato(o.time)} {o.time:%H:%M}",
                    o.payment_method, o.status, "ja" if o.in_sales else "nei (kasse)", kr(o.amount),
                ]
                for o in report.webshop_orders
            ],
            total=[f"{report.webshop_order_count} ordrer", "", "", "", "", "", kr(report.webshop_total)],
        )
    else:
        pdf.cell(_WIDTH, _ROW, "Ingen nettbutikkordrer denne dagen.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    return bytes(pdf.output())
