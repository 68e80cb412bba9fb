"""Vipps' multi-section settlement report CSV (the English layout with SettlementInfo, FeeInfo and
TransactionInfo records) as payouts.

Each record's first field names its kind; the first row of a kind is its header, and fields are
found by header name, never by position (the layout may vary). A SettlementInfo row is a payout
(SettlementID, SaleUnitNumber as the account, SettlementDate, Net paid, and Gross, Fee, Refund and
NumberOfTransactions checked against its transactions); a TransactionInfo row is a transaction
(Gross the capture, Refund ≤ 0, Fee ≤ 0, Net = Gross + Refund + Fee). Rows of other kinds (the
merchant and Vipps address blocks, FeeInfo) are not payouts and are passed over.

Vipps' own sample has one value more than its header in the SettlementInfo row: the net written with
a decimal comma and no quotes ("16450,62" split in two). A row with exactly one extra value is
repaired only when one amount column followed by a two-digit value explains it, with a warning;
anything else is an error.
"""

from __future__ import annotations

import csv
import io

from settlement.domain.payouts import PayoutRead
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import tr
from settlement.sources.payouts.vipps.rows import Cells, SettlementRow, TransactionRow, Where, assemble
from settlement.sources.payouts.vipps.transactions import PROVIDER

KINDS = ("SettlementInfo", "FeeInfo", "TransactionInfo")
SETTLEMENT_FIELDS = ("SaleUnitNumber", "SettlementDate", "SettlementID", "Gross", "Currency", "Fee", "Refund", "Net")
TRANSACTION_FIELDS = ("SalesDate", "SaleUnitNumber", "TransactionId", "SettlementId", "Gross", "Currency", "Fee",
                      "Refund", "Net")
AMOUNT_FIELDS = {"Gross", "Fee", "Refund", "Net"}
# The record fields as the shared row model names them, for messages ("Net" → net).
_MODEL = {"net": "Net", "settlement_id": "SettlementId", "Gross": "Gross", "Fee": "Fee", "Refund": "Refund",
          "count": "NumberOfTransactions"}


class VippsCsvSource:
    """The settlement report CSV with SettlementInfo / TransactionInfo records."""

    provider = PROVIDER
    name = "Vipps settlement report CSV"

    def sniff(self, data: bytes, file: str) -> bool:
        head = data[:4096]
        return b"SettlementInfo," in head and b"TransactionInfo," in head

    def read(self, data: bytes, file: str) -> PayoutRead:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return PayoutRead(problems=(error(tr("not UTF-8 text ({reason} at byte {position})", reason=exc.reason, position=exc.start), file=file),))
        problems: list[Problem] = []
        headers: dict[str, list[str]] = {}
        settlements: list[SettlementRow] = []
        transactions: list[TransactionRow] = []
        reader = csv.reader(io.StringIO(text, newline=""))
        for fields in reader:
            line = reader.line_num
            kind = fields[0].strip() if fields else ""
            if kind not in KINDS:
                continue
            if kind not in headers:
                headers[kind] = [f.strip() for f in fields]
                missing = [n for n in _required(kind) if n not in headers[kind]]
                if missing:
                    problems.append(error(tr("the {kind} header lacks {missing} (it has {present})", kind=kind,
                                             missing=", ".join(missing), present=", ".join(headers[kind][1:])),
                                          file=file, line=line))
                continue
            header = headers[kind]
            if any(n not in header for n in _required(kind)):
                continue  # already reported at the header
            fields = _fit(fields, header, file, line, problems)
            if fields is None:
                continue
            values = dict(zip(header, fields))
            where = Where(file, line, {model: name for model, name in _MODEL.items()})
            if kind == "SettlementInfo":
                row = _settlement(Cells(where, values, problems))
                if row is not None:
                    settlements.append(row)
            elif kind == "TransactionInfo":
                row = _transaction(Cells(where, values, problems))
                if row is not None:
                    transactions.append(row)
        if "SettlementInfo" not in headers:
            problems.append(error(tr("no SettlementInfo record: the report names no settlement"), file=file))
        payouts = assemble(settlements, transactions, file, problems)
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))


def _required(kind: str) -> tuple[str, ...]:
    return {"SettlementInfo": SETTLEMENT_FIELDS, "TransactionInfo": TRANSACTION_FIELDS}.get(kind, ())


def _fit(fields: list[str], header: list[str], file: str, line: int, problems: list[Problem]) -> list[str] | None:
    """The row's fields matched to its header; one extra value repaired as the module says, or None."""
    if len(fields) == len(header):
        return fields
    if len(fields) == len(header) + 1:
        candidates = [i for i in range(1, len(header)) if header[i] in AMOUNT_FIELDS
                      and fields[i].strip().lstrip("-").isdigit() and len(fields[i + 1].strip()) == 2
                      and fields[i + 1].strip().isdigit()]
        if len(candidates) == 1:
            i = candidates[0]
            joined = f"{fields[i].strip()},{fields[i + 1].strip()}"
            problems.append(warning(tr("{kind} row has one value more than its header: read {column} as "
                                       "{value} (a decimal comma without quotes)", kind=header[0], column=header[i],
                                       value=joined), file=file, line=line,
                                    column=header[i], value=joined))
            return fields[:i] + [joined] + fields[i + 2:]
    problems.append(error(tr("{kind} row has {values} values, its header {width}", kind=header[0], values=len(fields),
                             width=len(header)), file=file, line=line))
    return None


def _settlement(cells: Cells) -> SettlementRow | None:
    row = dict(
        settlement_id=cells.text("SettlementID"), msn=cells.text("SaleUnitNumber"), paid_on=cells.day("SettlementDate"),
        net=cells.amount("Net"), currency=cells.text("Currency"))
    stated = {"Gross": cells.amount("Gross"), "Fee": -abs(cells.amount("Fee")), "Refund": -abs(cells.amount("Refund"))}
    count = cells.text("NumberOfTransactions", required=False)
    if count:
        if count.isdigit():
            stated["count"] = int(count)
        else:
            cells.fail(tr("NumberOfTransactions is not a whole number"), "NumberOfTransactions", count)
    if cells.bad:
        return None
    return SettlementRow(cells.where, stated=stated, **row)


def _transaction(cells: Cells) -> TransactionRow | None:
    gross, refund = cells.amount("Gross"), cells.amount("Refund")
    if gross < 0:
        cells.fail(tr("Gross is negative (a refund goes in Refund)"), "Gross", cells.values.get("Gross"))
    if refund > 0:
        cells.fail(tr("Refund is positive (refunds are ≤ 0)"), "Refund", cells.values.get("Refund"))
    row = dict(
        settlement_id=cells.text("SettlementId"), msn=cells.text("SaleUnitNumber"), sold_on=cells.day("SalesDate"),
        transaction_id=cells.text("TransactionId"), order_id=cells.text("OrderID", required=False),
        capture=gross, refund=refund, fee=-abs(cells.amount("Fee")), net=cells.amount("Net"),
        currency=cells.text("Currency"))
    if cells.bad:
        return None
    return TransactionRow(cells.where, **row)
