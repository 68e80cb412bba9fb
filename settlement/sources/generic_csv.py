"""The generic receipt CSV: one row per receipt line or payment.

Columns: receipt_id, timestamp, type, code, vat_code, amount, vat, and optionally discount (the
price reduction given on a sale row, informational: amount is what the customer paid). Extra
columns are ignored. Without a discount column the file states no discounts (stored as None).
Parsing is pure: text in, SaleLines and problems out (`CsvSource` is the file source the import
use case reads it through). A file with any bad row imports nothing.
All rows of one receipt carry the same timestamp; receipt ids and codes are at most 128
characters without control or invisible format characters; every amount is within the per-line
bound the caller passes (money.MAX_LINE_ORE by default).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from settlement.domain.businessday import TimestampError, business_day, parse_timestamp
from settlement.domain.csvfile import decode, parse_csv
from settlement.domain.money import MAX_LINE_ORE, AmountError, format_nok, parse_amount
from settlement.domain.problems import Problem, error, warning
from settlement.domain.sales import VAT_TYPES, LineType, SaleLine
from settlement.domain.text import N_, tr
from settlement.domain.vat import ZERO_RATED, UnknownVatCode, rate_on, vat_in_gross
from settlement.domain.vendors import Vendor
from settlement.sources.protocol import Emit, SourceRead

COLUMNS = ("receipt_id", "timestamp", "type", "code", "vat_code", "amount", "vat")
DISCOUNT = "discount"  # optional column
SOURCE = "csv"
_TYPES = {t.value: t for t in LineType}
# Which sign each type's amount may have: +1 positive or zero, -1 negative or zero, 0 either.
_SIGN = {
    LineType.SALE: 1,
    LineType.RETURN: -1,
    LineType.SHIPPING: 0,
    LineType.TIP: 1,
    LineType.GIFT_CARD_SOLD: 1,
    LineType.ROUNDING: 0,
    LineType.PAYMENT: 0,
}
_SIGN_HINT = {1: N_("a {type} amount must not be negative (a return is type 'return')"),
              -1: N_("a {type} amount must be negative or zero")}
# The store's column widths (settlement.store.tables), which SQLite does not enforce.
MAX_ID_LENGTH = 128
MAX_VAT_CODE_LENGTH = 8


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _identifier(column: str, value: str) -> str:
    """A receipt id or code as stored: bounded length, no control or invisible characters."""
    if len(value) <= MAX_ID_LENGTH and value.isascii() and value.isprintable():
        return value  # printable ASCII has no control or format character: the usual case, checked fast
    if len(value) > MAX_ID_LENGTH:
        raise _RowError(column, _shown(value), tr("{column} is {length} characters long; at most {limit} are allowed",
                                                       column=column, length=len(value), limit=MAX_ID_LENGTH))
    for char in value:
        if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
            code = "U+%04X" % ord(char)
            raise _RowError(column, value, tr("{column} contains the control or invisible character {code}",
                                               column=column, code=code))
    return value


# Amounts, timestamps and VAT rates repeat from row to row (prices, a receipt's rows, a day's
# codes): their parsed values are kept in small bounded caches (pure functions of their text, so
# a cached value is the value). Profiling a 200,000-line import put parsing amounts and
# timestamps at a quarter of its time; a timestamp object shared by a receipt's rows is also
# converted once for the database (sales_store._Writer).
_CACHE = 4096


# The plain way receipt exports write amounts ('123,45', '-16.40', '7'): read without
# money.parse_amount's thousands-separator rules, which give the same øre for these (see
# tests/test_import_streaming.py); anything else, or beyond the bound, goes through parse_amount.
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:[.,][0-9]{1,2})?")


@lru_cache(maxsize=_CACHE)
def _parsed_amount(raw: str, limit: int | None) -> int:
    if _PLAIN_AMOUNT.fullmatch(raw):
        negative = raw[0] == "-"
        whole, _, frac = raw.lstrip("-").replace(",", ".").partition(".")
        ore = int(whole) * 100 + int(frac.ljust(2, "0") if frac else 0)
        if limit is None or ore <= limit:
            return -ore if negative else ore
    return parse_amount(raw, limit=limit)


@lru_cache(maxsize=_CACHE)
def _moment_and_day(raw_ts: str, tz, day_start) -> tuple[datetime, date]:
    moment = parse_timestamp(raw_ts, tz)
    return moment, business_day(moment, tz, day_start)


@lru_cache(maxsize=_CACHE)
def _rate(vat_code: str, day: date):
    return rate_on(vat_code, day)


def _amount(column: str, raw: str, limit: int | None) -> int:
    try:
        return _parsed_amount(raw, limit)
    except AmountError as exc:
        raise _RowError(column, _shown(raw), str(exc)) from None


def _parse_row(values: dict[str, str], vendor: Vendor, limit: int | None) -> tuple[str, datetime, date, LineType, str, str | None, int, int]:
    receipt_id = _identifier("receipt_id", values.get("receipt_id", "").strip())
    if not receipt_id:
        raise _RowError("receipt_id", "", tr("receipt_id is empty"))
    raw_ts = values.get("timestamp", "").strip()
    try:
        moment, day = _moment_and_day(raw_ts, vendor.tz, vendor.day_start)
    except TimestampError as exc:
        raise _RowError("timestamp", raw_ts, str(exc)) from None
    except ValueError:
        raise _RowError("timestamp", _shown(raw_ts), tr("not an ISO 8601 timestamp (e.g. 2026-11-02T14:05:00+01:00)")) from None
    raw_type = values.get("type", "").strip().lower()
    kind = _TYPES.get(raw_type)
    if kind is None:
        raise _RowError("type", _shown(raw_type), tr("unknown type; expected one of {types}", types=", ".join(_TYPES)))
    code = _identifier("code", values.get("code", "").strip())
    if not code and kind in (LineType.SALE, LineType.RETURN, LineType.PAYMENT):
        if kind is LineType.PAYMENT:
            raise _RowError("code", code, tr("code is empty; a {type} row needs its payment method", type=kind.value))
        raise _RowError("code", code, tr("code is empty; a {type} row needs its product group", type=kind.value))
    raw_amount = values.get("amount", "")
    amount = _amount("amount", raw_amount, limit)
    sign = _SIGN[kind]
    if sign and amount * sign < 0:
        raise _RowError("amount", raw_amount, tr(_SIGN_HINT[sign], type=kind.value))
    vat_code = values.get("vat_code", "").strip() or None
    if vat_code is not None and len(vat_code) > MAX_VAT_CODE_LENGTH:
        raise _RowError("vat_code", _shown(vat_code), tr("vat_code is longer than {limit} characters", limit=MAX_VAT_CODE_LENGTH))
    raw_vat = values.get("vat", "").strip()
    if kind not in VAT_TYPES:
        if vat_code is not None:
            raise _RowError("vat_code", vat_code, tr("a {type} row carries no VAT; leave vat_code empty", type=kind.value))
        if raw_vat and raw_vat.strip("0.,+-"):
            raise _RowError("vat", _shown(raw_vat), tr("a {type} row carries no VAT; leave vat empty", type=kind.value))
        return receipt_id, moment, day, kind, code, None, amount, 0
    if vat_code is None:
        raise _RowError("vat_code", "", tr("vat_code is empty; a {type} row needs one (e.g. 3 for 25 %)", type=kind.value))
    try:
        rate = _rate(vat_code, day)
    except UnknownVatCode as exc:
        raise _RowError("vat_code", vat_code, str(exc)) from None
    if not raw_vat:
        vat = vat_in_gross(amount, rate)
    else:
        vat = _amount("vat", raw_vat, limit)
        if vat and (vat > 0) != (amount > 0):
            raise _RowError("vat", raw_vat, tr("VAT must have the same sign as the amount"))
        if abs(vat) > abs(amount):
            raise _RowError("vat", raw_vat, tr("VAT is larger than the amount it is part of"))
        if vat_code in ZERO_RATED and vat:
            raise _RowError("vat", raw_vat, tr("VAT code {code} is zero-rated but the row has VAT", code=vat_code))
    return receipt_id, moment, day, kind, code, vat_code, amount, vat


def _discount(values: dict[str, str], kind: LineType, limit: int | None) -> int:
    """The optional discount of a row in øre (empty: 0): only sale rows can have one."""
    raw = values.get(DISCOUNT, "").strip()
    if not raw:
        return 0
    discount = _amount(DISCOUNT, raw, limit)
    if discount < 0:
        raise _RowError(DISCOUNT, raw, tr("a discount must not be negative (it is the price reduction given)"))
    if discount and kind is not LineType.SALE:
        raise _RowError(DISCOUNT, raw, tr("only sale rows can have a discount, not {type} rows", type=kind.value))
    return discount


def parse_sales_csv(
    text: str, file: str, vendor: Vendor, *, max_line_ore: int | None = MAX_LINE_ORE
) -> tuple[list[SaleLine], list[Problem]]:
    """Parse a generic receipt CSV for one vendor. All bad rows are reported; lines only when none.

    max_line_ore: the largest absolute amount (øre) a row may carry (SETTLEMENT_MAX_LINE_AMOUNT).
    """
    table, problems = parse_csv(text, file, COLUMNS)
    if table is None:
        return [], problems
    has_discounts = DISCOUNT in table.columns
    lines: list[SaleLine] = []
    receipt_times: dict[str, tuple[datetime, date, int, str]] = {}
    for row in table.rows:
        try:
            receipt_id, moment, day, kind, code, vat_code, amount, vat = _parse_row(row.values, vendor, max_line_ore)
            discount = _discount(row.values, kind, max_line_ore) if has_discounts else None
        except _RowError as bad:
            problems.append(error(bad.reason, file=file, line=row.line, column=bad.column, value=bad.value))
            continue
        first = receipt_times.setdefault(receipt_id, (moment, day, row.line, row.get("timestamp")))
        mismatch = receipt_mismatch(first, receipt_id, moment, day, row.line, row.get("timestamp"), file)
        if mismatch is not None:
            problems.append(mismatch)
            continue
        lines.append(
            SaleLine(vendor.id, SOURCE, receipt_id, moment, day, kind.value, code, vat_code, amount, vat, f"{file}:{row.line}",
                     discount=discount if kind is LineType.SALE else None)
        )
    if any(p.is_error for p in problems):
        return [], problems
    return lines, problems + unbalanced_receipts(lines)


def receipt_mismatch(first: tuple[datetime, date, int, str], receipt_id: str, moment: datetime, day: date,
                     line: int, stamp: str, file: str) -> Problem | None:
    """The error when a receipt's row is not at its first row's time and business day, else None.

    first: (time, business day, line, timestamp as written) of the receipt's first row.
    """
    if first[1] != day:
        return error(tr("receipt {receipt} spans business days {first_day} (line {first_line}) and {day}",
                        receipt=receipt_id, first_day=first[1], first_line=first[2], day=day),
                     file=file, line=line, column="timestamp", ref=receipt_id)
    if first[0] != moment:
        return error(
            tr("receipt {receipt} has rows at two times: {first_time} on line {first_line} and "
               "{time} on line {line} (one receipt id per receipt)",
               receipt=receipt_id, first_time=first[3], first_line=first[2], time=stamp, line=line),
            file=file, line=line, column="timestamp", value=stamp, ref=receipt_id,
        )
    return None


def unbalanced_receipts(lines: list[SaleLine]) -> list[Problem]:
    """Warn about receipts whose payments differ from what was sold (Σ payments = Σ the rest)."""
    balance: dict[str, int] = {}
    origin: dict[str, str] = {}
    for line in lines:
        signed = line.amount if line.type == LineType.PAYMENT.value else -line.amount
        balance[line.receipt_id] = balance.get(line.receipt_id, 0) + signed
        origin.setdefault(line.receipt_id, line.origin)
    return [
        warning(
            tr("receipt {receipt} does not balance: payments minus sales is {amount} NOK", receipt=rid, amount=format_nok(diff)),
            ref=rid, file=origin[rid].rsplit(":", 1)[0], line=int(origin[rid].rsplit(":", 1)[1]),
        )
        for rid, diff in balance.items()
        if diff
    ]


class CsvSource:
    """The generic receipt CSV as a file source (settlement.sources.protocol): one vendor's file,
    read whole (and decoded) before anything is stored; its warnings are shown, not kept as notes."""

    name = SOURCE
    unit = N_("receipt(s)")
    error_unit = N_("bad row(s)")
    streams = False

    def check(self, path: Path | str) -> list[Problem]:
        return []

    def read(self, path: Path | str, data: bytes | None, vendors: dict[str, Vendor], vendor: Vendor | None,
             line_limit: int | None, emit: Emit) -> SourceRead:
        assert vendor is not None, "a receipt CSV is one vendor's: the caller names it"
        raw = Path(path).read_bytes() if data is None else data
        lines, problems = parse_sales_csv(decode(raw), str(path), vendor, max_line_ore=line_limit)
        if not any(p.is_error for p in problems):
            emit(sorted({line.receipt_id for line in lines}), lines)
        return SourceRead(problems, vendor.id)
