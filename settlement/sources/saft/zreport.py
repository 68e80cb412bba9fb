"""Z reports: each register's end-of-day figures, cross-checked against its transactions.

A Z report lists no transactions, so it is compared with the transactions of the register's
business day it was run on (reportDate and reportTime in the vendor's time zone and day start, so a
Z run just after midnight belongs to the day before when the day starts later). Several Z reports of
one register on one business day are added up. Compared: total sales incl. VAT (totalCashSaleAmnt),
payments per payment type, and sales excl. VAT (cashSaleAmnt, which SAF-T defines as excluding VAT)
and VAT per VAT rate. Grand totals are cumulative since the register started, so they are not
compared with a day. Rows that are zero (the dummy rows exporters write) match missing ones.

A mismatch is a warning: the transactions are what is booked, the Z report is a check on them.
Per VAT rate, a Z report that computes the VAT once on the day's total may differ from the sum of
the transactions by up to Z_VAT_TOLERANCE øre (with the base the other way, the rate's total
equal): that is a note saying so, not a mismatch. Only days imported whole are compared (the
source leaves out blocked days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from settlement.domain.businessday import business_day, parse_timestamp
from settlement.domain.closings import RegisterClosing
from settlement.domain.money import AmountError, format_nok
from settlement.domain.problems import Problem, warning
from settlement.sources.saft.records import Record, nested, record, xml_amount
from settlement.domain.text import tr
from settlement.sources.saft.xmlstream import q
from settlement.sources.saft.transactions import EARLIEST_DAY, LATEST_DAY, Converted, Register, parse_percent, percent_text

Z_REPORT = "Z report"
# saft_profile quirk: totalCashSaleAmnt counts sales only (returns not subtracted).
Z_TOTAL_SALES_ONLY = "z_total_sales_only"
# Øre per VAT rate a Z report's VAT may differ from the transactions' when the rate's total agrees.
Z_VAT_TOLERANCE = 1
_EVENT_REPORT = q("eventReport")


@dataclass
class ZReport:
    """The figures of one Z report that are checked (amounts in øre)."""

    report_id: str
    line: int | None
    day: date
    total: int = 0
    payments: dict[str, int] = field(default_factory=dict)
    vat: dict[int, list[int]] = field(default_factory=dict)  # VAT % in thousandths → [excl. VAT, VAT]

    @property
    def is_zero(self) -> bool:
        """Every figure of the report is zero: the register sold nothing that day."""
        return not self.total and not any(self.payments.values()) and not any(any(v) for v in self.vat.values())


@dataclass
class DayTotals:
    """A register's transactions of one business day, added up like a Z report."""

    sales: int = 0
    payments: dict[str, int] = field(default_factory=dict)
    vat: dict[int, list[int]] = field(default_factory=dict)  # VAT % in thousandths → [incl. VAT, VAT]
    returns: int = 0  # the returned article lines among `sales` (negative)

    def add(self, converted: Converted) -> None:
        self.sales += converted.sales
        self.returns += converted.returns
        for payment_type, amount in converted.payments.items():
            self.payments[payment_type] = self.payments.get(payment_type, 0) + amount
        for percent, (gross, vat) in converted.vat.items():
            bucket = self.vat.setdefault(percent, [0, 0])
            bucket[0] += gross
            bucket[1] += vat

    def merge(self, other: "DayTotals") -> None:
        """Add the totals of the same register-day read from another part of the file."""
        self.sales += other.sales
        self.returns += other.returns
        for payment_type, amount in other.payments.items():
            self.payments[payment_type] = self.payments.get(payment_type, 0) + amount
        for percent, (gross, vat) in other.vat.items():
            bucket = self.vat.setdefault(percent, [0, 0])
            bucket[0] += gross
            bucket[1] += vat


class _NotChecked(Exception):
    pass


def _amount(rec: Record, name: str) -> int:
    raw = rec.get(name, "")
    if not raw:
        return 0
    try:
        return xml_amount(raw)
    except AmountError:
        raise _NotChecked(tr("<{name}> {raw!r} is not an amount", name=name, raw=raw[:40])) from None


def read_z_report(event: Record, register: Register, file: str) -> tuple[ZReport | None, list[Problem]]:
    """The Z report attached to an <event>, or None when the event has none (X reports included)."""
    reports = nested(event, "eventReport")
    if not reports or reports[0].get("reportType") != Z_REPORT:
        return None, []
    rec = reports[0]
    report_id = rec.get("reportID", "") or event.get("eventID", "?")
    try:
        raw_date, raw_time = rec.get("reportDate", ""), rec.get("reportTime", "") or "00:00:00"
        try:
            moment = parse_timestamp(f"{raw_date}T{raw_time}", register.tz)
            day = business_day(moment, register.tz, register.day_start)
        except (ValueError, OverflowError):
            raise _NotChecked(tr("<reportDate>/<reportTime> {date!r} {time!r} is not a date and time",
                                 date=raw_date[:40], time=raw_time[:40])) from None
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise _NotChecked(tr("<reportDate> {day} is outside the plausible years {first}-{last}",
                                 day=day, first=EARLIEST_DAY.year, last=LATEST_DAY.year))
        report = ZReport(report_id, rec.line, day)
        for totals in nested(rec, "reportTotalCashSales"):
            report.total += _amount(totals, "totalCashSaleAmnt")
        for group in nested(rec, "reportPayments"):
            for row in nested(group, "reportPayment"):
                kind = row.get("paymentType", "")
                report.payments[kind] = report.payments.get(kind, 0) + _amount(row, "paymentAmnt")
        for group in nested(rec, "reportCashSalesVat"):
            for row in nested(group, "reportCashSaleVat"):
                percent = parse_percent(row.get("vatPerc", ""))
                if percent is None:
                    raise _NotChecked(tr("<vatPerc> {percent!r} is not a percentage", percent=row.get("vatPerc", "")))
                bucket = report.vat.setdefault(percent, [0, 0])
                bucket[0] += _amount(row, "cashSaleAmnt")
                bucket[1] += _amount(row, "vatAmnt")
    except _NotChecked as reason:
        return None, [
            warning(tr("register {register}: Z report {report} not checked: {reason}",
                       register=register.register_id, report=report_id, reason=reason),
                    file=file, line=rec.line, ref=register.register_id)
        ]
    return report, []


_DayKey = tuple[str, str, str, date]  # vendor, company, register id, business day (as the reader keys them)


def closings_of(z_reports: dict[_DayKey, list[ZReport]], totals: dict[_DayKey, object],
                skip: set[tuple[str, date]]) -> dict[str, list[RegisterClosing]]:
    """Per vendor, every register-day read (keyed like the reader's totals and Z reports: vendor,
    company, register, day) with its Z reports; empty when the reports are all zero and the
    register recorded no transaction. Days in `skip` (blocked) are left out."""
    closings: dict[str, list[RegisterClosing]] = {}
    for key in sorted(set(z_reports) | set(totals)):
        vendor, company, register_id, day = key
        if (vendor, day) in skip:
            continue
        reports = z_reports.get(key, [])
        empty = bool(reports) and all(r.is_zero for r in reports) and key not in totals
        closings.setdefault(vendor, []).append(
            RegisterClosing(day, company, register_id, tuple(r.report_id for r in reports), empty))
    return closings


def compare(register_id: str, reports: list[ZReport], day: DayTotals | None, sales_only: bool = False) -> list[str]:
    """Messages for every figure where the register's Z report(s) of a day and its transactions differ.

    sales_only: the exporter's totalCashSaleAmnt counts sales only (saft_profile z_total_sales_only),
    so it is compared with the day's sales without its returns.
    """
    day = day or DayTotals()
    ids = ", ".join(r.report_id for r in reports)
    label = tr("register {register}, Z report {reports} ({day})", register=register_id, reports=ids, day=reports[0].day)
    messages: list[str] = []

    def differs(what: str, in_z: int, in_transactions: int, hint: str = "") -> None:
        if in_z != in_transactions:
            messages.append(tr("{label}: {what} is {in_z} in the Z report, but the transactions add up to "
                               "{in_transactions}{hint}", label=label, what=what, in_z=format_nok(in_z),
                               in_transactions=format_nok(in_transactions), hint=hint))

    z_total = sum(r.total for r in reports)
    if sales_only:
        differs(tr("total sales incl. VAT (sales only, saft_profile z_total_sales_only)"), z_total, day.sales - day.returns)
    else:
        hint = (tr(" (the Z report seems to count sales only, returns not subtracted: saft_profile z_total_sales_only)")
                if day.returns and z_total == day.sales - day.returns else "")
        differs(tr("total sales incl. VAT"), z_total, day.sales, hint)
    z_payments: dict[str, int] = {}
    z_vat: dict[int, list[int]] = {}
    for report in reports:
        for kind, amount in report.payments.items():
            z_payments[kind] = z_payments.get(kind, 0) + amount
        for percent, (base, vat) in report.vat.items():
            bucket = z_vat.setdefault(percent, [0, 0])
            bucket[0] += base
            bucket[1] += vat
    for kind in sorted(set(z_payments) | set(day.payments)):
        differs(tr("payment type {type}", type=kind), z_payments.get(kind, 0), day.payments.get(kind, 0))
    for percent in sorted(set(z_vat) | set(day.vat)):
        z_base, z_vat_amount = z_vat.get(percent, [0, 0])
        gross, vat = day.vat.get(percent, [0, 0])
        hint = tr(" (the Z report seems to include VAT, which SAF-T excludes from cashSaleAmnt)") if z_base == gross and vat else ""
        rate = percent_text(percent)
        residual = vat - z_vat_amount
        if residual and abs(residual) <= Z_VAT_TOLERANCE and z_base + z_vat_amount == gross:
            messages.append(tr(
                "{label}: VAT at {rate} % is {in_z} in the Z report, the transactions' {in_transactions}; "
                "residual {residual} tolerated (the Z report rounds once per rate), the transactions are booked",
                label=label, rate=rate, in_z=format_nok(z_vat_amount), in_transactions=format_nok(vat),
                residual=format_nok(residual),
            ))
            continue
        differs(tr("sales excl. VAT at {rate} %", rate=rate), z_base, gross - vat, hint)
        differs(tr("VAT at {rate} %", rate=rate), z_vat_amount, vat)
    return messages


def z_reports_of(event_element, register: Register, file: str) -> tuple[ZReport | None, list[Problem]]:
    """Read the Z report (if any) of a streamed <event> element."""
    if event_element.find(_EVENT_REPORT) is None:
        return None, []  # most events are drawer openings, log-ins and the like
    return read_z_report(record(event_element, "event"), register, file)
