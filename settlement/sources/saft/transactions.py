"""One <cashtransaction> → normalized SaleLines, with its signs decided and its sums checked.

Each transaction is a receipt with id "<companyIdent>/<registerID>/<transID>". Its article lines
become sale or return lines (returns negative), gift-card lines gift_card_sold, tip raises tips,
the difference between what was paid and what was billed rounding, and its payments payment lines
(refunds negative). The transaction must add up:

* Σ line amounts = transAmntIn (or transAmntIn minus the tips, when the exporter counts tips in),
* Σ line VAT = Σ transaction VAT (when the transaction lists VAT),
* Σ payments = Σ lines + tips + rounding.

A transaction that does not add up is an error naming the register and transaction. One known
defect is only a warning: a roundingAmnt that disagrees while payments equal the amount exactly
(the 2016 example writes a dummy 1234.560); the rounding booked is always paid minus billed.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from settlement.domain.businessday import EARLIEST_YEAR, LATEST_YEAR, business_day, parse_timestamp
from settlement.domain.localtime import AMBIGUOUS, EXACT, GAP, local_kind, offset_text
from settlement.domain.money import AmountError, format_nok, round_half_up_div
from settlement.domain.problems import Problem, error, warning
from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import N_, tr
from settlement.sources.saft.masterdata import ARTICLE_GROUP, MAX_CODE, PAYMENT, RAISE, TRANSACTION, MasterData
from settlement.sources.saft.records import AmountTooLarge, Record, amount_limit, nested, xml_amount
from settlement.sources.saft.signs import LETTERS, SignConvention, signed
from settlement.domain.vat import VAT_TABLE, UnknownVatCode, rate_on

SOURCE = "saft"
# Transaction types that move money in or out of the drawer or an account but sell nothing.
NOT_SALES = frozenset({"11003", "11004", "11005", "11007", "11008", "11010", "11011", "11014"})
_TRUE = frozenset({"true", "1"})
# What the sales store's columns hold (settlement.store.tables): a longer receipt id or code is refused.
MAX_RECEIPT_ID = 128
# Business days outside the years every source accepts are refused (businessday.EARLIEST_YEAR to
# LATEST_YEAR): dates like 0001-01-01 or 9999-12-31 (a corrupt or hostile file) would overflow the
# time zone and business day arithmetic of later steps.
EARLIEST_DAY, LATEST_DAY = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)
# Standard VAT code by percentage, used only when a line's <vat> has no <vatCode>. 0 % is left
# out on purpose: exempt (5) and outside the VAT Act (6) cannot be told apart from the rate.
_STANDARD_CODE_BY_PERCENT = {25000: "3", 15000: "31", 12000: "33", 11110: "32"}
# Line type values as SaleLine stores them (looked up once, not per line).
_SALE, _RETURN, _TIP = LineType.SALE.value, LineType.RETURN.value, LineType.TIP.value
_GIFT_CARD_SOLD, _ROUNDING, _PAYMENT = LineType.GIFT_CARD_SOLD.value, LineType.ROUNDING.value, LineType.PAYMENT.value


# A converted line: SaleLine's fields and attribute names (all storing reads), as a tuple. Creating
# a frozen dataclass costs about 2 µs a line, a tuple 0.3 µs; a file has millions of lines.
Line = namedtuple("Line", [f.name for f in fields(SaleLine)])


@dataclass(frozen=True, slots=True)
class Register:
    """The cash register transactions stream from, and the vendor it belongs to (None: unmapped)."""

    company: str
    location: str
    register_id: str
    vendor_id: str | None
    tz: ZoneInfo
    day_start: time
    quirks: frozenset[str] = frozenset()  # the register's saft_profile (settlement.domain.vendors.SAFT_QUIRKS)


@dataclass(slots=True)
class Converted:
    """A transaction turned into lines, plus the figures its Z report is checked against."""

    receipt_id: str
    day: date
    lines: list[Line]  # stored like SaleLines
    sales: int = 0  # Σ article lines incl. VAT (returns negative)
    returns: int = 0  # Σ returned article lines incl. VAT (negative)
    payments: dict[str, int] = field(default_factory=dict)  # by the exporter's paymentType
    vat: dict[int, list[int]] = field(default_factory=dict)  # VAT % in thousandths → [incl. VAT, VAT]


@dataclass(slots=True)
class Outcome:
    """What became of one transaction: converted, skipped (and why), and the problems found."""

    converted: Converted | None = None
    skipped: str = ""  # "training", "voided" or "not a sale"
    problems: list[Problem] = field(default_factory=list)
    # The business day of a transaction refused after its date and time were read: its error
    # blocks that day (None: refused before, so the error is the file's).
    day: date | None = None


class _Bad(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Reader:
    """Reads one transaction; `bad` builds an error that names the file, line and transaction."""

    def __init__(self, file: str, ref: str, label: str, limit: int | None = None):
        self.file, self.ref, self.label, self.limit = file, ref, label, limit
        self.warnings: list[Problem] = []
        self.day: date | None = None  # the transaction's business day, once read

    def bad(self, rec: Record, message: str, column: str | None = None, value: str | None = None) -> _Bad:
        return _Bad(error(f"{self.label}: {message}", file=self.file, line=rec.line_of(column), column=column, value=value,
                          ref=self.ref))

    def warn(self, rec: Record, message: str, column: str | None = None, value: str | None = None) -> None:
        self.warnings.append(
            warning(f"{self.label}: {message}", file=self.file, line=rec.line_of(column), column=column, value=value,
                    ref=self.ref)
        )

    def text(self, rec: Record, name: str) -> str:
        value = rec.get(name, "")
        if not value:
            raise self.bad(rec, tr("<{element}> has no <{name}>", element=rec.tag, name=name), column=name)
        return value

    def amount(self, rec: Record, name: str) -> int:
        raw = self.text(rec, name)
        try:
            return xml_amount(raw, self.limit)
        except AmountTooLarge as exc:
            raise self.bad(rec, tr("<{name}> is {reason}", name=name, reason=exc), column=name, value=raw) from None
        except AmountError:
            raise self.bad(rec, tr("<{name}> is not an amount (expected e.g. 123.45 or -16.40)", name=name), column=name,
                           value=raw) from None

    def code(self, rec: Record, name: str, value: str | None = None) -> str:
        """A code that is stored (payment type, article group, raise type): at most MAX_CODE characters."""
        value = self.text(rec, name) if value is None else value
        if len(value) > MAX_CODE:
            raise self.bad(rec, tr("<{name}> is {length} characters long; at most {limit} are stored",
                                   name=name, length=len(value), limit=MAX_CODE),
                           column=name, value=value)
        return value

    def letter(self, rec: Record, name: str = "amntTp") -> str:
        value = self.text(rec, name).upper()
        if value not in LETTERS:
            raise self.bad(rec, tr("<{name}> must be C or D", name=name), column=name, value=rec.get(name))
        return value


def parse_percent(raw: str) -> int | None:
    """'15.00' → 15000, '11.11' → 11110: a percentage in thousandths, exactly (ASCII digits only)."""
    try:
        whole, _, frac = raw.strip().partition(".")
        if not raw.isascii() or len(whole) > 3 or not whole.isdigit() or (frac and not frac.isdigit()) or len(frac.rstrip("0")) > 3:
            return None
        return int(whole) * 1000 + int((frac.rstrip("0") or "0").ljust(3, "0"))
    except ValueError:
        return None


def percent_text(thousandths: int) -> str:
    """15000 → '15', 11110 → '11.11': a percentage in thousandths as people write it."""
    whole, rest = divmod(thousandths, 1000)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")


def convert(rec: Record, register: Register, master: MasterData, signs: SignConvention, file: str,
            limit: int | None = None) -> Outcome:
    """Turn one <cashtransaction> record into SaleLines; problems name the file, line and transaction.

    limit: the largest amount in øre one element may hold (default: the per-line plausibility bound).
    """
    trans_id = rec.get("transID", "")
    receipt_id = f"{register.company}/{register.register_id}/{trans_id}"
    reader = _Reader(file, receipt_id, tr("register {register} transaction {transaction}",
                                          register=shorten(register.register_id), transaction=shorten(trans_id) or "?"),
                     limit)
    if rec.get("trainingID", "").lower() in _TRUE:
        return Outcome(skipped=N_("training"))
    if rec.get("voidTransaction", "").lower() in _TRUE:
        return Outcome(skipped=N_("voided"))
    try:
        converted = _convert(rec, register, master, signs, reader, receipt_id)
    except _Bad as bad:
        return Outcome(problems=[bad.problem, *reader.warnings], day=reader.day)
    if converted is None:
        return Outcome(skipped=N_("not a sale"))
    return Outcome(converted=converted, problems=reader.warnings)


def _convert(
    rec: Record, register: Register, master: MasterData, signs: SignConvention, reader: _Reader, receipt_id: str
) -> Converted | None:
    trans_id = reader.text(rec, "transID")
    trans_type = rec.get("transType", "")
    predefined_type = master.predefined(trans_type, TRANSACTION) if trans_type else ""
    if predefined_type in NOT_SALES:
        return None
    # The day first: every error after it blocks that business day, not the whole file.
    moment = _moment(rec, register, reader)
    day = reader.day
    if len(receipt_id) > MAX_RECEIPT_ID:
        raise reader.bad(rec, tr("the receipt id <companyIdent>/<registerID>/<transID> is {length} characters long; "
                                 "at most {limit} are stored", length=len(receipt_id), limit=MAX_RECEIPT_ID),
                         column="transID", value=trans_id)
    written = reader.amount(rec, "transAmntIn")
    letter = reader.letter(rec)
    sale_letter, contradiction = signs.sale_letter_for(reader.label, letter, written, predefined_type)
    if contradiction:
        raise reader.bad(rec, contradiction, column="amntTp", value=letter)
    total = signed(written, letter, sale_letter)
    # An exporter that writes absolute values also writes refunds and tips without a sign.
    flip = -1 if written >= 0 and total < 0 else 1
    origin_base = f"{reader.file}:"
    vendor = register.vendor_id or ""
    result = Converted(receipt_id, day, [])
    lines = result.lines
    make = Line._make

    def add(kind: str, code: str, fallback: str, vat_code: str | None, amount: int, vat: int, line: int | None,
            discount: int | None = None) -> None:
        lines.append(make((vendor, SOURCE, receipt_id, moment, day, kind, code, vat_code, amount, vat,
                           f"{origin_base}{line or rec.line}", fallback, discount)))

    line_sum = line_vat = tips = 0
    for line_rec in nested(rec, "ctLine"):
        amount, vat = _article_line(line_rec, register, master, sale_letter, reader, day, result, add)
        line_sum += amount
        line_vat += vat
        for raise_rec in nested(line_rec, "raise"):
            tips += _raise(raise_rec, master, flip, reader, add)
    for raise_rec in nested(rec, "raise"):
        tips += _raise(raise_rec, master, flip, reader, add)
    if "discount" in rec.children or "discount" in rec:
        _transaction_discount(rec, reader, lines)
    _check_totals(rec, reader, line_sum, line_vat, tips, total, sale_letter, flip, master, day, result, register.quirks)
    paid = 0
    for payment in nested(rec, "payment"):
        paid += _payment(payment, master, flip, reader, result, add, register.quirks)
    rounding = paid - line_sum - tips
    _check_rounding(rec, reader, rounding, paid, line_sum + tips)
    if rounding:
        add(_ROUNDING, "", "", None, rounding, 0, None)
    return result


def _moment(rec: Record, register: Register, reader: _Reader) -> datetime:
    raw_date, raw_time = reader.text(rec, "transDate"), reader.text(rec, "transTime")
    try:
        written = date.fromisoformat(raw_date)
    except ValueError:
        written = None
    if written is not None and not EARLIEST_DAY.year <= written.year <= LATEST_DAY.year:
        raise reader.bad(rec, tr("<transDate> {day} is outside the plausible years {first}-{last}",
                                 day=written, first=EARLIEST_DAY.year, last=LATEST_DAY.year),
                         column="transDate", value=raw_date)
    try:
        moment = parse_timestamp(f"{raw_date}T{raw_time}", register.tz)
        day = business_day(moment, register.tz, register.day_start)
        written_moment = datetime.fromisoformat(f"{raw_date}T{raw_time}".strip().replace("Z", "+00:00"))
        kind = local_kind(written_moment, register.tz) if written_moment.tzinfo is None else EXACT
    except (ValueError, OverflowError):
        raise reader.bad(rec, tr("<transDate>/<transTime> is not a date and time"), column="transDate",
                         value=f"{raw_date} {raw_time}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise reader.bad(rec, tr("<transDate>/<transTime> is on {day}, outside the plausible years {first}-{last}",
                                 day=day, first=EARLIEST_DAY.year, last=LATEST_DAY.year),
                         column="transDate", value=f"{raw_date} {raw_time}")
    reader.day = day
    # A local time without an offset on a daylight-saving Sunday (settlement.domain.localtime).
    if kind == GAP:
        raise reader.bad(rec, tr("<transDate>/<transTime> {date} {time} does not exist in {zone} "
                                 "(the clocks went forward over it); write the time with its offset or correct it",
                                 date=raw_date, time=raw_time, zone=register.tz.key),
                         column="transTime", value=raw_time)
    if kind == AMBIGUOUS:
        reader.warn(rec, tr("<transDate>/<transTime> {date} {time} occurs twice in {zone} (the clocks "
                            "went back); read as its first occurrence, {moment}",
                            date=raw_date, time=raw_time, zone=register.tz.key, moment=offset_text(moment, register.tz)),
                    column="transTime", value=raw_time)
    return moment


def _article_line(line_rec, register, master, sale_letter, reader, day, result, add) -> tuple[int, int]:
    written = reader.amount(line_rec, "lineAmntIn")
    amount = signed(written, reader.letter(line_rec), sale_letter)
    line_type = reader.text(line_rec, "lineType")
    vats = nested(line_rec, "vat")
    vat, vat_rec = 0, None
    if vats:
        vat_rec = vats[0]
        vat = reader.amount(vat_rec, "vatAmnt")
        if vat > 0 and amount < 0:
            vat = -vat  # VAT goes the way of its line; some exporters write it unsigned
    if master.is_gift_card_line(line_type):
        if vat:
            raise reader.bad(line_rec, tr("a gift card line carries no VAT"), column="vatAmnt", value=format_nok(vat))
        if amount:
            add(_GIFT_CARD_SOLD, "", "", None, amount, 0, line_rec.line)
        return amount, vat
    group = line_rec.get("artGroupID") or master.article_groups.get(line_rec.get("artID", ""), "")
    if not group:
        raise reader.bad(line_rec, tr("the line has no <artGroupID> (nor an <artID> whose article has one)"),
                         column="artGroupID")
    reader.code(line_rec, "artGroupID", group)
    if vat_rec is None:
        raise reader.bad(line_rec, tr("the line has no <vat>, so its VAT code is unknown"), column="vat")
    standard, percent = _vat_code(vat_rec, master, reader, day, register.quirks)
    if percent is not None:
        expected = round_half_up_div(amount * percent, 100_000 + percent)
        if abs(vat - expected) > 1:
            reader.warn(vat_rec, tr("VAT {vat} is not {percent} % of {amount} (that would be {expected})",
                                    vat=format_nok(vat), percent=percent_text(percent), amount=format_nok(amount),
                                    expected=format_nok(expected)), column="vatAmnt", value=vat_rec.get("vatAmnt"))
        bucket = result.vat.setdefault(percent, [0, 0])
        bucket[0] += amount
        bucket[1] += vat
    result.sales += amount
    if amount < 0:
        result.returns += amount
    if amount or vat:
        kind = _RETURN if amount < 0 else _SALE
        discount = _discounts(line_rec, reader, amount) if "discount" in line_rec.children or "discount" in line_rec else 0
        add(kind, group, master.predefined(group, ARTICLE_GROUP), standard, amount, vat, line_rec.line, discount)
    return amount, vat


def _discounts(parent: Record, reader: _Reader, amount: int) -> int:
    """Σ <discount>/<dscAmnt> of a line or transaction, in øre: informational (lineAmntIn is
    what the customer paid). Read unsigned, and negative on a returned line (the discount
    given back with it), since exporters differ in how they sign it."""
    total = sum(abs(reader.amount(found, "dscAmnt")) for found in nested(parent, "discount"))
    if total > amount_limit(reader.limit):
        raise reader.bad(parent, tr("the discounts add up to {total}, beyond the plausible bound per amount",
                                    total=format_nok(total)),
                         column="dscAmnt")
    return -total if amount < 0 else total


def shorten(text: str, keep: int = 40) -> str:
    """Text from the file as quoted in a message: cut short when long."""
    return text if len(text) <= keep else tr("{start}… ({length} characters)", start=text[:keep], length=len(text))


def _transaction_discount(rec: Record, reader: _Reader, lines: list) -> None:
    """A discount on the whole transaction is noted on its first article line (the report
    shows the day's discounts, not where in the receipt they were given)."""
    for index, line in enumerate(lines):
        if line.type == _SALE or line.type == _RETURN:
            lines[index] = line._replace(discount=(line.discount or 0) + _discounts(rec, reader, line.amount))
            return


# saft_profile quirk: the exporter writes VAT code 0 for 0 % items without it being a code of its
# <vatCodeDetails> (or maps it to no sales code); read as standard code 5, warned on every use.
VAT_CODE_0_IS_5 = "vat_code_0_is_5"
_CODE_0_WARNING = N_("VAT code 0 read as standard code 5 (0 %, exempt) by the vendor's saft_profile vat_code_0_is_5")


def _vat_code(vat_rec: Record, master: MasterData, reader: _Reader, day: date,
              quirks: frozenset[str] = frozenset()) -> tuple[str, int | None]:
    """The line's standard VAT code and its percentage in thousandths (None when not given)."""
    code_0_is_5 = VAT_CODE_0_IS_5 in quirks
    key = (vat_rec.get("vatCode", ""), vat_rec.get("vatPerc", ""), day, code_0_is_5)
    known = master.vat_resolved.get(key)
    if known is None:
        known = master.vat_resolved[key] = _resolve_vat_code(vat_rec, master, reader, day, code_0_is_5)
    standard, percent, warning_text = known
    if warning_text:
        column = "vatCode" if warning_text == tr(_CODE_0_WARNING) else "vatPerc"
        reader.warn(vat_rec, warning_text, column=column, value=vat_rec.get(column, ""))
    return standard, percent


def _resolve_vat_code(vat_rec: Record, master: MasterData, reader: _Reader, day: date,
                      code_0_is_5: bool = False) -> tuple[str, int | None, str]:
    raw_percent = vat_rec.get("vatPerc", "")
    percent = parse_percent(raw_percent) if raw_percent else None
    if raw_percent and percent is None:
        raise reader.bad(vat_rec, tr("<vatPerc> is not a percentage"), column="vatPerc", value=raw_percent)
    code = vat_rec.get("vatCode", "")
    if code == "0" and code_0_is_5 and master.vat_codes.get(code) not in VAT_TABLE:
        if percent not in (None, 0):
            raise reader.bad(vat_rec, tr("VAT code 0 with <vatPerc> {percent}: saft_profile vat_code_0_is_5 reads "
                                         "code 0 as 0 % only", percent=raw_percent), column="vatPerc", value=raw_percent)
        return "5", 0, tr(_CODE_0_WARNING)
    if code:
        standard = master.vat_codes.get(code)
        if standard is None:
            raise reader.bad(vat_rec, tr("VAT code {code} is not in <vatCodeDetails>", code=code), column="vatCode", value=code)
    else:
        standard = _STANDARD_CODE_BY_PERCENT.get(percent) if percent is not None else None
        if standard is None:
            raise reader.bad(vat_rec, tr("<vat> has no <vatCode>, and its <vatPerc> does not tell the code"),
                             column="vatCode", value=raw_percent)
    if standard not in VAT_TABLE:
        raise reader.bad(vat_rec, tr("VAT code {code} maps to standard code {standard}, which is not a sales VAT code "
                                     "(known: {known})", code=code or "?", standard=standard, known=", ".join(VAT_TABLE)),
                         column="vatCode", value=code)
    try:
        rate = rate_on(standard, day)
    except UnknownVatCode:
        rate = None  # the dated table does not reach back that far; the file's vatPerc still counts
    if rate is not None:
        table_percent = rate.numerator * 100_000 // rate.denominator
        if percent is None:
            percent = table_percent
        elif percent != table_percent:
            return standard, percent, tr("<vatPerc> {percent} differs from standard code {standard}'s rate "
                                         "{rate} % on {day}", percent=raw_percent, standard=standard,
                                         rate=rate.percent, day=day)
    return standard, percent, ""


def _raise(raise_rec: Record, master: MasterData, flip: int, reader: _Reader, add) -> int:
    """A tip raise becomes a tip line; other raises (mark-ups) are part of the line price already."""
    raise_type = reader.text(raise_rec, "raiseType")
    if not master.is_tip(raise_type):
        return 0
    reader.code(raise_rec, "raiseType", raise_type)
    amount = reader.amount(raise_rec, "raiseAmnt")
    amount = amount * flip if amount > 0 else amount
    if amount:
        add(_TIP, raise_type, master.predefined(raise_type, RAISE), None, amount, 0, raise_rec.line)
    return amount


# saft_profile quirk: <paymentType> holds the description of a type-12 basic instead of its id.
PAYMENT_TYPES_BY_DESCRIPTION = "payment_types_by_description"


def _payment(payment: Record, master: MasterData, flip: int, reader: _Reader, result: Converted, add,
             quirks: frozenset[str] = frozenset()) -> int:
    payment_type = reader.code(payment, "paymentType")
    basic = master.of_type(payment_type, PAYMENT)
    if basic is None and PAYMENT_TYPES_BY_DESCRIPTION in quirks:
        basic = master.payment_by_description(payment_type)
    if basic is None:
        found = master.basics.get(payment_type)
        if found:
            problem = tr("payment type {type!r} is not a payment type in <basics> (it is a basic of type {basic_type}, not 12)",
                         type=payment_type, basic_type=found.basic_type)
        else:
            problem = tr("payment type {type!r} is not a payment type in <basics>", type=payment_type)
        raise reader.bad(payment, problem,
                         column="paymentType", value=payment_type)
    amount = reader.amount(payment, "paidAmnt")
    amount = amount * flip if amount > 0 else amount
    if amount:
        # Keyed as written, as the exporter's Z report keys it; stored under the basic's id.
        result.payments[payment_type] = result.payments.get(payment_type, 0) + amount
        add(_PAYMENT, basic.basic_id, basic.predefined, None, amount, 0, payment.line)
    return amount


# Line VAT and transaction VAT may differ by this much per VAT rate (øre): rounding per line
# against rounding once per rate. Tolerated with a note; the line figures are booked.
VAT_TOLERANCE = 1


def _check_totals(rec, reader, line_sum, line_vat, tips, total, sale_letter, flip, master, day, result,
                  quirks: frozenset[str] = frozenset()) -> None:
    if line_sum != total and line_sum + tips != total:
        raise reader.bad(rec, tr("the lines add up to {lines} but <transAmntIn> is {total}",
                                 lines=format_nok(line_sum), total=format_nok(total)),
                         column="transAmntIn", value=rec.get("transAmntIn"))
    summaries = nested(rec, "vat")
    if not summaries:
        return
    listed = 0
    by_rate: dict[int, int] | None = {}
    for vat_rec in summaries:
        written = reader.amount(vat_rec, "vatAmnt")
        letter = vat_rec.get("vatAmntTp", "").upper()
        amount = signed(written, letter, sale_letter) if letter in ("C", "D") else written * (flip if written > 0 else 1)
        listed += amount
        percent = _summary_percent(vat_rec, master, reader, day, quirks) if by_rate is not None else None
        if percent is None:
            by_rate = None  # a rate the summary does not tell: compare the totals only
        else:
            by_rate[percent] = by_rate.get(percent, 0) + amount
    lines_by_rate = {percent: vat for percent, (_, vat) in result.vat.items()}
    if by_rate is not None and sum(lines_by_rate.values()) == line_vat:
        residuals = {p: lines_by_rate.get(p, 0) - by_rate.get(p, 0) for p in sorted(set(by_rate) | set(lines_by_rate))}
    else:
        residuals = {None: line_vat - listed}
    residuals = {p: r for p, r in residuals.items() if r}
    if not residuals:
        return
    allowed = VAT_TOLERANCE * (len(lines_by_rate) or 1) if None in residuals else VAT_TOLERANCE
    if any(abs(r) > allowed for r in residuals.values()):
        raise reader.bad(rec, tr("the lines carry VAT {lines} but the transaction's <vat> adds up to "
                                 "{listed}; more than {tolerance} per VAT rate apart", lines=format_nok(line_vat),
                                 listed=format_nok(listed), tolerance=format_nok(VAT_TOLERANCE)),
                         column="vatAmnt")
    for percent, residual in residuals.items():
        line_figure = line_vat if percent is None else lines_by_rate.get(percent, 0)
        figures = {"lines": format_nok(line_figure), "listed": format_nok(line_figure - residual),
                   "residual": format_nok(residual)}
        if percent is None:
            said = tr("VAT: the lines carry {lines}, the transaction's <vat> {listed}; residual {residual} tolerated "
                      "(rounding per line against per rate), the line figures are booked", **figures)
        else:
            said = tr("VAT at {percent} %: the lines carry {lines}, the transaction's <vat> {listed}; residual {residual} "
                      "tolerated (rounding per line against per rate), the line figures are booked",
                      percent=percent_text(percent), **figures)
        reader.warn(rec, said, column="vatAmnt")


def _summary_percent(vat_rec: Record, master: MasterData, reader: _Reader, day: date,
                     quirks: frozenset[str] = frozenset()) -> int | None:
    """The VAT rate (thousandths) of a transaction's <vat> summary, or None when it does not tell one."""
    code_0_is_5 = VAT_CODE_0_IS_5 in quirks
    key = (vat_rec.get("vatCode", ""), vat_rec.get("vatPerc", ""), day, code_0_is_5)
    known = master.vat_resolved.get(key)
    if known is None:
        try:
            known = master.vat_resolved[key] = _resolve_vat_code(vat_rec, master, reader, day, code_0_is_5)
        except _Bad:
            return None
    return known[1]


def _check_rounding(rec: Record, reader: _Reader, rounding: int, paid: int, billed: int) -> None:
    stated_recs = nested(rec, "rounding")
    raw = stated_recs[0].get("roundingAmnt", "") if stated_recs else ""
    stated = reader.amount(stated_recs[0], "roundingAmnt") if raw else 0
    if stated == rounding:
        return
    if rounding == 0 and raw:
        reader.warn(stated_recs[0], tr("<roundingAmnt> {amount} ignored: the payments equal the amount exactly", amount=raw),
                    column="roundingAmnt", value=raw)
        return
    raise reader.bad(rec, tr("payments add up to {paid}, but the amount is {billed} and the rounding {stated}",
                             paid=format_nok(paid), billed=format_nok(billed), stated=format_nok(stated)),
                     column="paidAmnt")
