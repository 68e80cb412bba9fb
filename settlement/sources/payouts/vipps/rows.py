"""The tabular Vipps reports (the multi-section CSV and the portal XLSX) after their cells are read:
transaction rows and settlement rows, assembled into payouts with every sum checked.

Both formats give one row per transaction with its settlement id, and one row per settlement with
the amount paid; they differ only in how cells are found and named, which the format modules do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from settlement.domain.money import AmountError, format_nok, parse_amount, parse_decimal_ore
from settlement.domain.payouts import Payout
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.vipps.transactions import PROVIDER, oslo_midnight, transaction_items


@dataclass(frozen=True)
class Where:
    """Where a row is: its line (CSV line or sheet row) and how a field of it is named in a message
    (`cell(name)`: the CSV column name, or the sheet and cell such as "Rapport!G12 (Brutto)")."""

    file: str
    line: int
    cells: dict[str, str] = field(default_factory=dict)  # field name → how it is shown

    def cell(self, name: str) -> str:
        return self.cells.get(name, name)

    def problem(self, message: str, name: str | None = None, value: str | None = None) -> Problem:
        return error(message, file=self.file, line=self.line, column=self.cell(name) if name else None, value=value)


@dataclass(frozen=True)
class TransactionRow:
    """One transaction: øre as the shop sees them (capture ≥ 0, refund ≤ 0, fee ≤ 0, net the sum)."""

    where: Where
    settlement_id: str
    msn: str
    sold_on: date
    transaction_id: str
    order_id: str
    capture: int
    refund: int
    fee: int
    net: int
    currency: str = "NOK"


@dataclass(frozen=True)
class SettlementRow:
    """One settlement (a payout): the net paid and, where the report states them, its other sums."""

    where: Where
    settlement_id: str
    msn: str
    paid_on: date
    net: int
    net_settlement: bool = True  # False: a gross settlement, fees invoiced separately
    stated: dict[str, int] = field(default_factory=dict)  # "Gross", "Fee", "Refund", "count" as reported
    currency: str = "NOK"


class MachineDecimal(str):
    """A spreadsheet number as text: "." is always its decimal point and nothing groups thousands
    ("12.345" is twelve point three four five, refused as more than two decimals, not 12 345)."""


class Cells:
    """Parses the text of one row's fields, collecting a problem for each one that is wrong."""

    def __init__(self, where: Where, values: dict[str, str], problems: list[Problem]) -> None:
        self.where, self.values, self.problems = where, values, problems
        self.bad = False

    def text(self, name: str, required: bool = True) -> str:
        value = (self.values.get(name) or "").strip()
        if required and not value:
            self.fail(tr("{name} is empty", name=name), name, value)
        return value

    def amount(self, name: str) -> int:
        raw = self.values.get(name)
        value = self.text(name)
        if not value:
            return 0
        try:
            return parse_decimal_ore(value) if isinstance(raw, MachineDecimal) else parse_amount(value)
        except AmountError as exc:
            self.fail(tr("{name}: {reason}", name=name, reason=exc), name, value)
            return 0

    def day(self, name: str) -> date:
        value = self.text(name)
        for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        if value:
            self.fail(tr("{name} is not a date (DD.MM.YYYY)", name=name), name, value)
        return date.min

    def fail(self, message: str, name: str, value: str | None) -> None:
        self.bad = True
        self.problems.append(self.where.problem(message, name, value))


def assemble(settlements: list[SettlementRow], transactions: list[TransactionRow], file: str,
             problems: list[Problem]) -> list[Payout]:
    """The payouts of the rows, each transaction under its settlement; every mismatch a problem."""
    by_id: dict[str, SettlementRow] = {}
    for row in settlements:
        if row.settlement_id in by_id:
            problems.append(row.where.problem(tr("settlement {settlement} is listed twice (first on line {line})",
                                                 settlement=row.settlement_id, line=by_id[row.settlement_id].where.line),
                                              "settlement_id"))
            continue
        by_id[row.settlement_id] = row
    grouped: dict[str, list[TransactionRow]] = {key: [] for key in by_id}
    for row in transactions:
        if row.net != row.capture + row.refund + row.fee:
            problems.append(row.where.problem(
                tr("net {net} is not gross {gross} + refund {refund} + fee {fee} = {sum}", net=format_nok(row.net),
                   gross=format_nok(row.capture), refund=format_nok(row.refund), fee=format_nok(row.fee),
                   sum=format_nok(row.capture + row.refund + row.fee)), "net"))
        if row.settlement_id not in grouped:
            known = ", ".join(sorted(by_id)) or tr("none")
            problems.append(row.where.problem(tr("transaction {transaction} belongs to settlement "
                                                 "{settlement}, which the report does not list (listed: {known})",
                                                 transaction=row.transaction_id, settlement=row.settlement_id,
                                                 known=known),
                                              "settlement_id", row.settlement_id))
            continue
        grouped[row.settlement_id].append(row)
    payouts = []
    for settlement_id, settlement in by_id.items():
        rows = grouped[settlement_id]
        msn = settlement.msn
        if not msn:  # a summary row without its sales unit: the one its transactions name
            named = {r.msn for r in rows}
            if len(named) != 1:
                problems.append(settlement.where.problem(
                    tr("settlement {settlement} names no sales unit and its transactions name {count} ({units})",
                       settlement=settlement_id, count=len(named), units=", ".join(sorted(named))), "msn"))
                continue
            msn = named.pop()
        _check_stated(settlement, rows, problems)
        items = []
        for row in rows:
            items += transaction_items(
                capture=row.capture, refund=row.refund, fee=row.fee, with_fee=settlement.net_settlement,
                transaction_id=row.transaction_id, order_id=row.order_id, occurred=oslo_midnight(row.sold_on),
                store_ref=row.msn, line=row.where.line, currency=row.currency)
        payouts.append(Payout(PROVIDER, settlement_id, msn, settlement.paid_on, settlement.net,
                              tuple(items), settlement.currency, file))
    return payouts


def _check_stated(settlement: SettlementRow, rows: list[TransactionRow], problems: list[Problem]) -> None:
    sums = {"Gross": sum(r.capture for r in rows), "Refund": sum(r.refund for r in rows),
            "Fee": sum(r.fee for r in rows), "count": len(rows)}
    for key, stated in settlement.stated.items():
        if stated != sums[key]:
            shown = str if key == "count" else format_nok
            problems.append(settlement.where.problem(
                tr("settlement {settlement}: {key} is {stated} but its transactions add up to {sum}",
                   settlement=settlement.settlement_id, key=key, stated=shown(stated), sum=shown(sums[key])), key))
