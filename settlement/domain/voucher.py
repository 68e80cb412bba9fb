"""The daily voucher: one vendor's business day as balanced account lines. Pure: no I/O.

Sides follow the money: what the shop received (payments) is debit; what it earned or owes
(revenue, tips, gift cards sold) is credit. Returns stay on their own lines, booked on the day of
the return. Amounts on lines are gross øre; each line also carries the VAT inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from settlement.domain.chart import LedgerRow, MappingRow, code_key
from settlement.domain.money import format_nok
from settlement.domain.problems import Problem, error, warning
from settlement.domain.sales import LineType, SummaryRow
from settlement.domain.text import N_, ntr, tr
from settlement.domain.vat import UnknownVatCode, rate_on, vat_on_net

# Order of sections on the voucher (and in previews and reports).
SECTIONS = ("sale", "shipping", "return", "tip", "gift_card", "payment", "rounding", "difference")
# What each section is called where a person reads it (the PDF's Bilag, the web page's day).
SECTION_NAMES = {
    "sale": N_("Sale"),
    "shipping": N_("Shipping"),
    "return": N_("Return"),
    "tip": N_("Tip"),
    "gift_card": N_("Gift card"),
    "payment": N_("Payment"),
    "rounding": N_("Rounding"),
    "difference": N_("Difference"),
}


def section_name(section: str) -> str:
    """A voucher line's section in the installed language ("tip" → "Tips"); an unknown one as it is."""
    return tr(SECTION_NAMES[section]) if section in SECTION_NAMES else section


@dataclass(frozen=True, slots=True)
class VoucherLine:
    """One account line of the daily voucher.

    Attributes:
        section: what kind of line it is (one of SECTIONS).
        key: the ledger key it books to.
        account: the Fiken account number.
        name: the account's name from the ledger.
        vat_code: Fiken VAT code for revenue and return lines, else None.
        debit: gross øre on the debit side (0 if credit).
        credit: gross øre on the credit side (0 if debit).
        vat: VAT inside the gross amount, from the source data.
        fiken_vat: the VAT Fiken computes from the net amount (rounded half up to the øre).
        codes: the source codes (product groups, payment methods) that fed the line.
        lines: how many sales lines it adds up.
        refs: the receipts and orders it came from.
    """

    section: str
    key: str
    account: str
    name: str
    vat_code: str | None
    debit: int
    credit: int
    vat: int = 0
    fiken_vat: int = 0
    codes: tuple[str, ...] = ()
    lines: int = 0
    refs: tuple[str, ...] = ()

    @property
    def gross(self) -> int:
        return self.debit or self.credit

    @property
    def net(self) -> int:
        return self.gross - self.vat


@dataclass(frozen=True)
class Voucher:
    """The voucher of one vendor and business day, with what stopped or worried the build."""

    vendor: str
    day: date
    lines: tuple[VoucherLine, ...]
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()

    @property
    def blocked(self) -> bool:
        return bool(self.errors)

    @property
    def total_debit(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def total_credit(self) -> int:
        return sum(line.credit for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines and not self.errors

    def to_json(self) -> dict:
        """The preview's JSON shape: øre integers, VAT codes as strings or null."""
        return {
            "vendor": self.vendor,
            "date": self.day.isoformat(),
            "lines": [
                {
                    "account": line.account,
                    "name": line.name,
                    "key": line.key,
                    "section": line.section,
                    "vat_code": line.vat_code,
                    "debit": line.debit,
                    "credit": line.credit,
                    "vat": line.vat,
                    "net": line.net,
                    "fiken_vat": line.fiken_vat,
                    "codes": list(line.codes),
                    "lines": line.lines,
                    "refs": list(line.refs),
                }
                for line in self.lines
            ],
            "totals": {"debit": self.total_debit, "credit": self.total_credit},
            "warnings": [p.format(with_severity=False) for p in self.warnings],
            "errors": [p.format(with_severity=False) for p in self.errors],
        }


@dataclass
class _Group:
    """A voucher line being added up: signed amount (credit positive) and what fed it."""

    section: str
    key: str
    vat_code: str | None
    amount: int = 0
    vat: int = 0
    lines: int = 0
    codes: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    # The one summary row's refs (already sorted) while the line has only one: a day's million
    # receipt ids are then not put in a set and sorted again.
    sorted_refs: tuple[str, ...] | None = None
    rows: int = 0

    def add(self, row: SummaryRow, credit_sign: int) -> None:
        self.amount += credit_sign * row.amount
        self.vat += credit_sign * row.vat
        self.lines += row.lines
        if row.code:
            self.codes.add(row.code)
        self.rows += 1
        if self.rows == 1:
            self.sorted_refs = row.refs
        else:
            if self.rows == 2:
                self.refs.update(self.sorted_refs or ())
            self.sorted_refs = None
            self.refs.update(row.refs)

    def all_refs(self) -> tuple[str, ...]:
        """Every receipt and order the line came from, sorted."""
        return self.sorted_refs if self.sorted_refs is not None else tuple(sorted(self.refs))


def _lookup(mapping: dict[tuple[str, str], MappingRow], source: str, row: SummaryRow) -> str | None:
    for code in (row.code, row.fallback_code):
        if code:
            found = mapping.get((source, code_key(code)))
            if found is not None:
                return found.key
    return None


def _section_and_key(row: SummaryRow, mapping: dict[tuple[str, str], MappingRow]) -> tuple[str, str | None]:
    """Which section a summary row belongs to and the ledger key it books to (None: unmapped)."""
    kind = LineType(row.type)
    if kind is LineType.SALE:
        return "sale", _lookup(mapping, "group", row)
    if kind is LineType.RETURN:
        return "return", _lookup(mapping, "group", row)
    if kind is LineType.SHIPPING:
        return "shipping", "shipping"
    if kind is LineType.TIP:
        return "tip", "tips"
    if kind is LineType.GIFT_CARD_SOLD:
        return "gift_card", "gift_card"
    if kind is LineType.ROUNDING:
        return "rounding", "rounding"
    return "payment", _lookup(mapping, "payment", row)


def _refs_text(refs: set[str] | tuple[str, ...], limit: int = 5) -> str:
    """The first `limit` refs in order, and how many more."""
    ordered = sorted(refs)
    shown = ", ".join(ordered[:limit])
    if len(ordered) <= limit:
        return shown
    return tr("{shown} and {n} more", shown=shown, n=len(ordered) - limit)


def build_voucher(
    vendor: str,
    day: date,
    summary: list[SummaryRow],
    ledger: dict[str, LedgerRow],
    mapping: dict[tuple[str, str], MappingRow],
    tolerance: int,
    notes: tuple[Problem, ...] = (),
) -> Voucher:
    """Build the balanced voucher of one vendor-day from its summarized sales.

    Args:
        summary: the day's lines added up by type, code and VAT code (SalesStore.summary).
        ledger: the vendor's effective ledger (Chart.ledger).
        mapping: the vendor's effective code mapping (Chart.mapping).
        tolerance: the largest residual in øre booked to `difference` with a warning.
        notes: warnings the sources recorded about the day (e.g. Z-report mismatches).
    """
    errors: list[Problem] = []
    warnings: list[Problem] = list(notes)
    groups: dict[tuple[str, str, str | None], _Group] = {}
    unmapped: dict[tuple[str, str], set[str]] = {}
    fallbacks: dict[tuple[str, str], set[str]] = {}
    for row in summary:
        section, key = _section_and_key(row, mapping)
        if key is None:
            source = "payment" if section == "payment" else "group"
            unmapped.setdefault((source, row.code), set()).update(row.refs)
            if row.fallback_code and row.fallback_code != row.code:
                fallbacks.setdefault((source, row.code), set()).add(row.fallback_code)
            continue
        if key not in ledger:
            errors.append(error(tr("ledger key {key!r} (for code {code!r}) is not in the ledger of {vendor}",
                                   key=key, code=row.code, vendor=vendor)))
            continue
        # Revenue and liabilities are credit-positive; payments are debit-positive.
        credit_sign = -1 if section == "payment" else 1
        vat_code = row.vat_code if section in ("sale", "return", "shipping") else None
        # Lines with the same account share a voucher line, whatever ledger key led there.
        account = ledger[key].account
        group = groups.setdefault((section, account, vat_code), _Group(section, key, vat_code))
        group.add(row, credit_sign)

    for (source, code), refs in sorted(unmapped.items()):
        # Name every code that was tried: the SAF-T code behind the exporter's own one, too.
        tried = [code, *sorted(fallbacks.get((source, code), ()))]
        advice = (tr("tried {codes}; add one of them to mapping.csv", codes=", ".join(repr(c) for c in tried))
                  if len(tried) > 1 else tr("add it to mapping.csv"))
        if source == "payment":
            text = ntr("payment code {code!r} has no mapping ({advice}); used by {n} receipt(s): {refs}",
                       "payment code {code!r} has no mapping ({advice}); used by {n} receipt(s): {refs}",
                       len(refs), code=code, advice=advice, refs=_refs_text(refs))
        else:
            text = ntr("group code {code!r} has no mapping ({advice}); used by {n} receipt(s): {refs}",
                       "group code {code!r} has no mapping ({advice}); used by {n} receipt(s): {refs}",
                       len(refs), code=code, advice=advice, refs=_refs_text(refs))
        errors.append(
            error(
                text,
                column="code", value=code, ref=_refs_text(refs, 1),
            )
        )

    lines: list[VoucherLine] = []
    for (section, account, vat_code), group in groups.items():
        if group.amount == 0 and group.vat == 0:
            continue
        ledger_row = ledger[group.key]
        gross, vat = abs(group.amount), group.vat if group.amount >= 0 else -group.vat
        fiken_vat = 0
        if vat_code is not None:
            try:
                fiken_vat = vat_on_net(gross - vat, rate_on(vat_code, day))
            except UnknownVatCode as exc:
                errors.append(error(tr("{problem}; used by {refs}", problem=str(exc), refs=_refs_text(group.all_refs())),
                                    column="vat_code", value=vat_code))
        lines.append(
            VoucherLine(
                section=section, key=group.key, account=account, name=ledger_row.name, vat_code=vat_code,
                debit=gross if group.amount < 0 else 0, credit=gross if group.amount > 0 else 0,
                vat=vat, fiken_vat=fiken_vat, codes=tuple(sorted(group.codes)), lines=group.lines,
                refs=group.all_refs(),
            )
        )

    residual = sum(line.credit - line.debit for line in lines)
    if residual and not errors:
        total_debit = sum(line.debit for line in lines)
        total_credit = sum(line.credit for line in lines)
        totals = tr("debit {debit}, credit {credit}, difference {difference} NOK", debit=format_nok(total_debit),
                    credit=format_nok(total_credit), difference=format_nok(residual))
        if abs(residual) <= tolerance and "difference" in ledger:
            row = ledger["difference"]
            lines.append(
                VoucherLine(
                    section="difference", key="difference", account=row.account, name=row.name, vat_code=None,
                    debit=residual if residual > 0 else 0, credit=-residual if residual < 0 else 0,
                )
            )
            warnings.append(warning(tr("{vendor} {day}: the day does not balance ({totals}); booked to {account} {name}",
                                       vendor=vendor, day=day, totals=totals, account=row.account, name=row.name)))
        else:
            errors.append(
                error(
                    tr("{vendor} {day}: the day does not balance ({totals}); more than the tolerance "
                       "{tolerance} NOK, so the day is blocked",
                       vendor=vendor, day=day, totals=totals, tolerance=format_nok(tolerance))
                )
            )
    lines.sort(key=lambda line: (SECTIONS.index(line.section), line.account, line.vat_code or ""))
    return Voucher(vendor, day, tuple(lines), tuple(warnings), tuple(errors))
