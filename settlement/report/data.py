"""The settlement report of one vendor-day as a value: what the PDF shows and reconciliation reads.

Pure: built from the voucher, the day's sales lines, the sources' notes and the webshop order
list. Amounts are integer øre, signed like the money (returns and refunds negative).
"""

from __future__ import annotations

from collections.abc import Mapping

from dataclasses import dataclass
from datetime import date, datetime, time, timezone, tzinfo
from typing import Iterable, Protocol, Sequence

from settlement.domain.chart import code_key
from settlement.domain.keys import parse_key
from settlement.domain.problems import Problem
from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import tr
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.report.sources import Hours, SourceSummary, summarize_sources, takings_by_hour

# The ledgers' names as the report writes them, by target name.
LEDGER_TITLES = {"fiken": "Fiken", "tripletex": "Tripletex", "poweroffice": "PowerOffice Go"}

# Sources whose receipts are webshop orders (counted as orders, not as till receipts).
WEBSHOP_SOURCES = frozenset({"woocommerce"})


class BookedView(Protocol):
    """What the ledger books for a posting, as the report shows it (settlement.posting.ledger.Booking,
    whose `booked` lines, when it has them, are the report's Bilag)."""

    mode: str
    vat_by_code: Mapping[str, int]
    rounding: int


class BookedLineView(Protocol):
    """One line the ledger books (settlement.posting.ledger.BookedLine)."""

    account: str
    text: str
    debit_ore: int
    credit_ore: int
    vat_code: str | None
    key: str | None


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """Where the day was booked, as read from the ledger when it was posted.

    ledger: the ledger's name ("Fiken"); company, organization_number: the company the posting
    went to ("" where the ledger did not say); voucher_number: the ledger's own number of the
    voucher (bilagsnummer), "" before posting; link: where to see it, "" where the ledger gives none.
    """

    ledger: str
    company: str = ""
    organization_number: str = ""
    voucher_number: str = ""
    link: str = ""


@dataclass(frozen=True, slots=True)
class BookedVat:
    """Per VAT code, from the booked lines: the net on the revenue accounts, the VAT the ledger
    books, their sum, and the VAT the sources stated (credit positive, returns negative)."""

    vat_code: str
    net: int
    vat: int
    gross: int
    source_vat: int


def booked_vat(booked: Sequence[BookedLineView], totals: Sequence["VatTotal"]) -> tuple[BookedVat, ...]:
    """Grunnlag, mva and brutto per VAT code from the same lines the Bilag shows."""
    net: dict[str, int] = {}
    vat: dict[str, int] = {}
    for line in booked:
        if line.vat_code is None:
            continue
        into = vat if line.key == "vat" else net
        into[line.vat_code] = into.get(line.vat_code, 0) + line.credit_ore - line.debit_ore
    source = {t.vat_code: t.vat for t in totals}
    codes = sorted(set(net) | set(vat) | set(source), key=lambda code: (len(code), code))
    return tuple(BookedVat(code, net.get(code, 0), vat.get(code, 0), net.get(code, 0) + vat.get(code, 0),
                           source.get(code, 0)) for code in codes)


@dataclass(frozen=True, slots=True)
class VatTotal:
    """Revenue with one VAT code (sales and shipping less returns).

    vat is the VAT the sources stated; fiken_vat the VAT Fiken computes from the net amounts of
    the voucher lines, so the two side by side show any rounding gap before posting.
    """

    vat_code: str
    net: int
    vat: int
    gross: int
    fiken_vat: int


@dataclass(frozen=True, slots=True)
class PaymentTotal:
    """What came in by one payment method (code as in the sales data) and where it is booked.

    amount is the net of payments and refunds; refunds is the negative part alone.
    account/account_name/key are None when the code has no mapping (the day is then blocked).
    """

    code: str
    key: str | None
    account: str | None
    account_name: str | None
    amount: int
    receipts: int
    refunds: int
    refund_receipts: int


@dataclass(frozen=True, slots=True)
class Tally:
    """A count of receipts and the amount they add up to."""

    count: int = 0
    amount: int = 0


@dataclass(frozen=True, slots=True)
class WebshopEntry:
    """One row of the webshop order specification; time is local to the vendor."""

    number: str
    kind: str
    time: datetime
    amount: int
    payment_method: str
    status: str
    in_sales: bool


@dataclass(frozen=True)
class DayReport:
    """Everything the settlement report of one vendor-day shows.

    Attributes:
        vendor, vendor_name, day: whose day it is.
        settlement_key: the key the posting is recorded under, when known.
        generated_at: when the report was made (passed in; shown on the PDF).
        lines: the voucher lines, in voucher order.
        blocked: the voucher has errors and will not be posted.
        vat_totals: revenue per VAT code.
        payments: per payment method code.
        receipts: distinct receipts and orders behind the day, all sources.
        receipts_by_source: the same, per source ("csv", "saft", "woocommerce").
        returns: receipts with returned goods and the (negative) amount returned.
        tips, rounding: tips received; cash rounding (positive when customers paid more).
        gift_cards_sold, gift_cards_redeemed: gift cards sold (a liability) and taken as payment.
        discounts: the day's discounts (øre, price reductions given; informational, already
            inside the sales amounts) from the sources that state them; None when none does.
        discounts_by_source: per source with lines that day, its discounts, or None when that
            source does not state discounts (e.g. a CSV without a discount column).
        deviations: the sources' warnings (Z-report cross-checks) and the voucher's own warnings.
        errors: what blocks the day.
        webshop_orders: the day's webshop orders and refunds.
        posting_mode: "journal" or "cash_sale" when the report was made with the posting's
            bodies (then vat_totals' fiken_vat is read from them), else None.
        fiken_rounding: what the posting books on the rounding account (credit positive): the
            data's rounding less the VAT gap in journal mode; None without the posting.
        booked: what the ledger books, line by line (the Bilag); () without a booking, when the
            report shows the voucher's gross lines instead.
        booked_vat: grunnlag, mva and brutto per VAT code from the booked lines.
        ledger: the ledger, company and voucher number the day was booked under, when known.
        sources: files, registers and receipt ranges behind the day.
        hours: the takings per hour and the first and last sale.
        day_window: the vendor's business day (day start, closing time), local.
        correction_reason: for a version 2 and up, why the version before was replaced.
        ledger_name: the name of the ledger the booking is for ("Fiken"), "" without one.
    """

    vendor: str
    vendor_name: str
    day: date
    settlement_key: str | None
    generated_at: datetime | None
    lines: tuple[VoucherLine, ...]
    total_debit: int
    total_credit: int
    blocked: bool
    vat_totals: tuple[VatTotal, ...]
    payments: tuple[PaymentTotal, ...]
    receipts: int
    receipts_by_source: tuple[tuple[str, int], ...]
    returns: Tally
    tips: Tally
    rounding: Tally
    gift_cards_sold: Tally
    gift_cards_redeemed: Tally
    discounts: int | None
    deviations: tuple[str, ...]
    errors: tuple[str, ...]
    webshop_orders: tuple[WebshopEntry, ...]
    posting_mode: str | None = None
    fiken_rounding: int | None = None
    discounts_by_source: tuple[tuple[str, int | None], ...] = ()
    booked: tuple[BookedLineView, ...] = ()
    booked_vat: tuple[BookedVat, ...] = ()
    ledger: LedgerFacts | None = None
    sources: tuple[SourceSummary, ...] = ()
    hours: Hours | None = None
    day_window: tuple[time, time] | None = None
    correction_reason: str = ""
    ledger_name: str = ""

    @property
    def booked_by(self) -> str:
        """The ledger's name for the texts ("Fiken"), "the ledger" when not known."""
        return (self.ledger.ledger if self.ledger else self.ledger_name) or tr("the ledger")

    @property
    def version(self) -> int | None:
        """The posting version the settlement key names (2 and up: a correction replacing the one
        before); None without a key."""
        parsed = parse_key(self.settlement_key)
        return parsed[2] if parsed else None

    @property
    def webshop_total(self) -> int:
        return sum(order.amount for order in self.webshop_orders)

    @property
    def till_receipts(self) -> int:
        """Receipts from the tills (every source but the webshop)."""
        return sum(count for source, count in self.receipts_by_source if source not in WEBSHOP_SOURCES)

    @property
    def webshop_receipts(self) -> int:
        """Webshop orders and refunds among the day's sales (not those booked through the POS)."""
        return sum(count for source, count in self.receipts_by_source if source in WEBSHOP_SOURCES)

    @property
    def webshop_order_count(self) -> int:
        return sum(1 for order in self.webshop_orders if order.kind == "order")


def _signed(line: VoucherLine, amount: int) -> int:
    """Revenue lines are credit; a debit one (returns) counts negative."""
    return amount if line.credit else -amount


def vat_totals(lines: Iterable[VoucherLine]) -> tuple[VatTotal, ...]:
    """Revenue lines added up per VAT code, ordered by code."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        if line.vat_code is None:
            continue
        total = sums.setdefault(line.vat_code, [0, 0, 0])
        total[0] += _signed(line, line.gross)
        total[1] += _signed(line, line.vat)
        total[2] += _signed(line, line.fiken_vat)
    return tuple(
        VatTotal(code, gross - vat, vat, gross, fiken_vat)
        for code, (gross, vat, fiken_vat) in sorted(sums.items(), key=lambda item: (len(item[0]), item[0]))
    )


def _tally(lines: Iterable[SaleLine]) -> Tally:
    receipts = {(line.source, line.receipt_id) for line in lines}
    return Tally(len(receipts), sum(line.amount for line in lines))


def discounts_by_source(lines: Iterable[SaleLine]) -> tuple[tuple[str, int | None], ...]:
    """Per source, the sum of its lines' discounts; None for a source none of whose lines
    states one (the source does not deliver discounts, which is not the same as no discount)."""
    sums: dict[str, int | None] = {}
    for line in lines:
        known = sums.get(line.source)
        if line.discount is None:
            sums.setdefault(line.source, None)
        else:
            sums[line.source] = (known or 0) + line.discount
    return tuple(sorted(sums.items()))


def _discount_total(by_source: tuple[tuple[str, int | None], ...]) -> int | None:
    stated = [amount for _source, amount in by_source if amount is not None]
    return sum(stated) if stated else None


def _payment_accounts(voucher: Voucher) -> dict[str, VoucherLine]:
    """Payment code (case-insensitive) → the voucher line it was booked on."""
    found: dict[str, VoucherLine] = {}
    for line in voucher.lines:
        if line.section == "payment":
            for code in line.codes:
                found[code_key(code)] = line
    return found


def payment_totals(voucher: Voucher, sales: Sequence[SaleLine]) -> tuple[PaymentTotal, ...]:
    """Payments per method code, with the account each was booked to."""
    by_code: dict[str, list[SaleLine]] = {}
    for line in sales:
        if line.type == LineType.PAYMENT.value:
            by_code.setdefault(line.code, []).append(line)
    accounts = _payment_accounts(voucher)
    totals = []
    for code, lines in sorted(by_code.items()):
        booked = accounts.get(code_key(code))
        refunds = [line for line in lines if line.amount < 0]
        totals.append(
            PaymentTotal(
                code=code,
                key=booked.key if booked else None,
                account=booked.account if booked else None,
                account_name=booked.name if booked else None,
                amount=sum(line.amount for line in lines),
                receipts=len({(line.source, line.receipt_id) for line in lines}),
                refunds=sum(line.amount for line in refunds),
                refund_receipts=len({(line.source, line.receipt_id) for line in refunds}),
            )
        )
    return tuple(totals)


def _note_text(note: object) -> str:
    """A stored note (source, ref, message), a Problem or plain text, as one line."""
    if isinstance(note, str):
        return note
    if isinstance(note, Problem):
        return note.format(with_severity=False)
    text = f"{getattr(note, 'source', '')}: {getattr(note, 'message', note)}"
    ref = getattr(note, "ref", "")
    return f"{text} ({ref})" if ref and ref not in text else text


def _webshop_entry(order: object, zone: tzinfo) -> WebshopEntry:
    moment: datetime = getattr(order, "time")
    if moment.tzinfo is None:  # stored UTC without zone
        moment = moment.replace(tzinfo=timezone.utc)
    return WebshopEntry(
        number=str(getattr(order, "number")),
        kind=getattr(order, "kind", "order"),
        time=moment.astimezone(zone),
        amount=int(getattr(order, "amount")),
        payment_method=getattr(order, "payment_method", ""),
        status=getattr(order, "status", ""),
        in_sales=bool(getattr(order, "in_sales", True)),
    )


def build_day_report(
    voucher: Voucher,
    lines: Sequence[SaleLine],
    notes: Iterable[object],
    webshop_orders: Iterable[object],
    vendor_name: str,
    settlement_key: str | None = None,
    generated_at: datetime | None = None,
    *,
    zone: tzinfo = timezone.utc,
    fiken: BookedView | None = None,
    ledger: LedgerFacts | None = None,
    day_window: tuple[time, time] | None = None,
    correction_reason: str = "",
) -> DayReport:
    """Assemble the report of one vendor-day.

    Args:
        voucher: the day's voucher (build_voucher / voucher_for_day).
        lines: the day's stored sales lines (SalesStore.lines).
        notes: the sources' notes about the day (StoredNote, Problem or text).
        webshop_orders: the day's webshop order list (settlement.store.webshop.WebshopOrder or
            anything with number, time, amount, payment_method, status, kind, in_sales).
        vendor_name: the vendor's display name.
        settlement_key: the posting's key, printed when given.
        generated_at: when the report is made; the core reads no clock.
        zone: the vendor's time zone, for the order times.
        fiken: the booking sent to the ledger (settlement.posting.ledger.Booking); when given, the
            VAT the ledger computes is taken from it, and its booked lines are the Bilag.
        ledger: where the day was booked (company, voucher number), when known.
        day_window: the vendor's day start and closing time.
        correction_reason: why the version before was replaced (versions 2 and up).
    """
    by_type: dict[str, list[SaleLine]] = {}
    for line in lines:
        by_type.setdefault(line.type, []).append(line)
    sources: dict[str, set[str]] = {}
    for line in lines:
        sources.setdefault(line.source, set()).add(line.receipt_id)

    payments = payment_totals(voucher, lines)
    gift_card_codes = {code_key(p.code) for p in payments if p.key == "gift_card"}
    redeemed = [
        line for line in by_type.get(LineType.PAYMENT.value, ()) if code_key(line.code) in gift_card_codes
    ]

    deviations = [_note_text(note) for note in notes]
    # The voucher repeats the notes among its warnings; show each text once.
    for problem in voucher.warnings:
        text = problem.format(with_severity=False)
        if not any(problem.message in shown for shown in deviations):
            deviations.append(text)

    booked = tuple(getattr(fiken, "booked", ()) or ())
    totals = vat_totals(voucher.lines)
    return DayReport(
        vendor=voucher.vendor,
        vendor_name=vendor_name,
        day=voucher.day,
        settlement_key=settlement_key,
        generated_at=generated_at,
        lines=voucher.lines,
        total_debit=voucher.total_debit,
        total_credit=voucher.total_credit,
        blocked=voucher.blocked,
        vat_totals=_with_fiken_vat(totals, fiken),
        payments=payments,
        receipts=sum(len(ids) for ids in sources.values()),
        receipts_by_source=tuple(sorted((source, len(ids)) for source, ids in sources.items())),
        returns=_tally(by_type.get(LineType.RETURN.value, [])),
        tips=_tally(by_type.get(LineType.TIP.value, [])),
        rounding=_tally(by_type.get(LineType.ROUNDING.value, [])),
        gift_cards_sold=_tally(by_type.get(LineType.GIFT_CARD_SOLD.value, [])),
        gift_cards_redeemed=_tally(redeemed),
        discounts=_discount_total(discounts_by_source(lines)),
        discounts_by_source=discounts_by_source(lines),
        deviations=tuple(deviations),
        errors=tuple(problem.format(with_severity=False) for problem in voucher.errors),
        webshop_orders=tuple(_webshop_entry(order, zone) for order in webshop_orders),
        posting_mode=fiken.mode if fiken else None,
        fiken_rounding=fiken.rounding if fiken else None,
        booked=booked,
        booked_vat=booked_vat(booked, totals) if booked else (),
        ledger=ledger,
        sources=summarize_sources(lines, deviations),
        hours=takings_by_hour(lines, zone, day_window[0].hour if day_window else 0),
        day_window=day_window,
        correction_reason=correction_reason,
        ledger_name=LEDGER_TITLES.get(getattr(fiken, "target", ""), getattr(fiken, "target", "")),
    )


def _with_fiken_vat(totals: tuple[VatTotal, ...], fiken: BookedView | None) -> tuple[VatTotal, ...]:
    if fiken is None:
        return totals
    return tuple(
        VatTotal(t.vat_code, t.net, t.vat, t.gross, fiken.vat_by_code.get(t.vat_code, 0)) for t in totals
    )
