"""Klarna's settlement report CSV (Merchant Portal → Settlements, Klarna-SFTP, or the API's
/reports/payout-with-transactions) as payouts.

The layout is configurable per merchant in Klarna's Report Configurator, so every column is found
by its header name. The file holds one or two tables, each starting at its header row and ending at
a blank line or the next header:
- a summary (header with `total_settlement_amount`): one row per payout with payment_reference,
  payout_date, currency (currency_code or posting_currency), merchant_id and the total_* columns;
- the transactions (header with `type` and `amount`): one row per event with type, capture_date,
  sale_date, order_id, merchant_reference1, amount, and payment_reference unless the file is one
  payout's report.
Separators ";" (Klarna's default) and "," are both read; amounts are decimals ("1234.50").
A payout's net is its total_settlement_amount; without a summary the file has no net to check
against, and it is refused.
"""

from __future__ import annotations

import csv
import io

from settlement.domain.money import AmountError, parse_amount
from settlement.domain.payouts import Payout, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.klarna import transactions as tx

SUMMARY_KEY = "total_settlement_amount"
TRANSACTION_KEYS = ("type", "amount")


class KlarnaCsvSource:
    """The settlement report CSV with its summary and transaction rows."""

    provider = tx.PROVIDER
    name = "Klarna settlement report CSV"

    def sniff(self, data: bytes, file: str) -> bool:
        head = data[:8192].lower()
        return b"total_settlement_amount" in head or (b"payment_reference" in head and b"capture_id" in head)

    def read(self, data: bytes, file: str) -> PayoutRead:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return PayoutRead(problems=(error(tr("not UTF-8 text ({reason} at byte {position})", reason=exc.reason, position=exc.start), file=file),))
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        problems: list[Problem] = []
        summaries: list[tuple[int, dict[str, str]]] = []
        rows: list[tuple[int, dict[str, str]]] = []
        header: list[str] | None = None
        target: list | None = None
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for fields in reader:
            line = reader.line_num
            names = [f.strip().lower() for f in fields]
            if not any(names):
                header, target = None, None
                continue
            if SUMMARY_KEY in names:
                header, target = names, summaries
                continue
            if all(k in names for k in TRANSACTION_KEYS):
                header, target = names, rows
                continue
            if header is None or target is None:
                continue  # a title or note line outside the tables
            if len(fields) != len(header):
                problems.append(error(tr("the row has {values} values, its header {width}", values=len(fields),
                                         width=len(header)), file=file,
                                      line=line))
                continue
            target.append((line, dict(zip(header, (f.strip() for f in fields)))))
        if not summaries:
            problems.append(error(tr("no summary table (a header with {column}): the report states no payout to "
                                     "check its transactions against", column=SUMMARY_KEY), file=file))
            return PayoutRead(problems=tuple(problems))
        payouts = self._payouts(file, summaries, rows, problems)
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))

    def _payouts(self, file: str, summaries: list, rows: list, problems: list[Problem]) -> list[Payout]:
        heads: dict[str, tuple[int, dict[str, str]]] = {}
        for line, summary in summaries:
            reference = summary.get("payment_reference", "")
            if not reference:
                problems.append(error(tr("payment_reference is empty"), file=file, line=line, column="payment_reference"))
            elif reference in heads:
                problems.append(error(tr("payout {payout} is summarised twice (first on line {line})", payout=reference,
                                         line=heads[reference][0]),
                                      file=file, line=line, column="payment_reference"))
            else:
                heads[reference] = (line, summary)
        grouped: dict[str, list[tuple[int, dict[str, str]]]] = {r: [] for r in heads}
        for line, row in rows:
            reference = row.get("payment_reference") or (next(iter(heads)) if len(heads) == 1 else "")
            if reference not in grouped:
                problems.append(error(tr("the row belongs to payout {payout}, which the summary does not list",
                                         payout=reference or tr("(none named)")), file=file, line=line, column="payment_reference", value=reference))
                continue
            grouped[reference].append((line, row))
        payouts = []
        for reference, (line, summary) in heads.items():
            payout = self._payout(file, reference, line, summary, grouped[reference], problems)
            if payout is not None:
                payouts.append(payout)
        return payouts

    def _payout(self, file: str, reference: str, line: int, summary: dict[str, str], rows: list,
                problems: list[Problem]) -> Payout | None:
        before = len(problems)
        totals: dict[str, int] = {}
        for name, value in summary.items():
            if name.startswith("total_") and name.endswith("_amount") and value:
                amount = _amount(value, file, line, name, problems)
                if amount is not None:
                    totals[name.removeprefix("total_")] = amount
        if "settlement_amount" not in totals and SUMMARY_KEY not in {p.column for p in problems[before:]}:
            problems.append(error(tr("payout {payout}: {column} is empty", payout=reference, column=SUMMARY_KEY),
                                  file=file, line=line,
                                  column=SUMMARY_KEY))
        paid = tx.parse_moment(summary.get("payout_date", ""))
        if paid is None:
            problems.append(error(tr("payout {payout}: payout_date is not an ISO date or date-time", payout=reference),
                                  file=file,
                                  line=line, column="payout_date", value=summary.get("payout_date", "")))
        currency = summary.get("currency_code") or summary.get("posting_currency") or summary.get("currency") or ""
        items, typed = [], []
        for row_line, row in rows:
            amount = _amount(row.get("amount", ""), file, row_line, "amount", problems)
            type_name = row.get("type", "").upper()
            if not type_name:
                problems.append(error(tr("type is empty"), file=file, line=row_line, column="type"))
            moment = tx.parse_moment(row.get("capture_date") or row.get("sale_date") or "")
            if moment is None:
                problems.append(error(tr("capture_date is not an ISO date or date-time (nor is sale_date)"), file=file,
                                      line=row_line, column="capture_date", value=row.get("capture_date", "")))
            row_currency = row.get("posting_currency") or row.get("currency_code") or currency
            if currency and row_currency != currency:
                problems.append(error(tr("posting_currency is {currency} in a {payout_currency} payout",
                                         currency=row_currency, payout_currency=currency), file=file,
                                      line=row_line, column="posting_currency", value=row_currency))
            if amount is None or not type_name or moment is None:
                continue
            detail = " ".join(row[k] for k in ("detailed_type", "capture_id", "refund_id") if row.get(k))
            items.append(tx.item(type_name, amount, order_id=row.get("order_id", ""),
                                 merchant_reference=row.get("merchant_reference1", ""), occurred=moment,
                                 detail=detail, line=row_line, currency=row_currency))
            typed.append((type_name, amount))
        if len(problems) > before or paid is None:
            return None
        problems.extend(tx.totals_problems(reference, totals, typed, file, line, prefix="total_"))
        items += tx.totals_items(reference, totals, paid, currency)
        return Payout(tx.PROVIDER, reference, summary.get("merchant_id", ""), tx.oslo_date(paid),
                      totals["settlement_amount"], tuple(items), currency or "NOK", file)


def _amount(value: str, file: str, line: int, column: str, problems: list[Problem]) -> int | None:
    try:
        return parse_amount(value)
    except AmountError as exc:
        problems.append(error(tr("{name}: {reason}", name=column, reason=exc), file=file, line=line, column=column,
                              value=value))
        return None
