"""Stripe's itemised payout reconciliation report (`payout_reconciliation.itemized.5`, the Dashboard's
"Payout reconciliation" download) as payouts.

One row per balance transaction a payout settles, grouped by `automatic_payout_id`; amounts are
decimal major units ("125.00", not øre as in the API), parsed exactly. The report carries no
account id: the import names the vendor's Stripe account (settlement.sources.payouts.importing).
The payout's own row is not part of this report; the net paid to the bank is the sum of the rows'
`net`, and each row's gross − fee must equal its net (else the row is named, line and field).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from settlement.domain.csvfile import CsvRow, decode, parse_csv
from settlement.domain.money import AmountError, parse_decimal_ore
from settlement.domain.payouts import Payout, PayoutItem, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.stripe.categories import PAYOUT_CATEGORIES, items_of

REQUIRED = ("automatic_payout_id", "automatic_payout_effective_at", "balance_transaction_id", "currency", "gross",
            "fee", "net", "reporting_category")
ORDER_COLUMNS = ("payment_metadata[order_id]", "payment_metadata[order_number]")


def _moment(text: str) -> datetime:
    """'2026-11-02 14:03:11' (UTC, as the *_utc columns are) or ISO with an offset."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class StripeReconciliationCsv:
    """The payout reconciliation report CSV (PayoutFileSource)."""

    provider = "stripe"
    name = "Stripe payout reconciliation report (itemized)"

    def sniff(self, data: bytes, file: str) -> bool:
        head = data[:4096].decode("utf-8", "replace").splitlines()[:1]
        return bool(head) and "automatic_payout_id" in head[0] and "balance_transaction_id" in head[0]

    def read(self, data: bytes, file: str) -> PayoutRead:
        try:
            text = decode(data)
        except ValueError as exc:
            return PayoutRead(problems=(error(str(exc), file=file),))
        table, problems = parse_csv(text, file, REQUIRED)
        if table is None:
            return PayoutRead(problems=tuple(problems))
        if "created_utc" not in table.columns and "created" not in table.columns:
            return PayoutRead(problems=(error(tr("missing column created_utc (or created)"), file=file),))
        heads: dict[str, dict] = {}
        items: dict[str, list[PayoutItem]] = {}
        for row in table.rows:
            read = self._row(row, file, problems)
            if read is None:
                continue
            payout_id, paid_on, currency, row_items = read
            head = heads.setdefault(payout_id, {"paid_on": paid_on, "currency": currency, "line": row.line})
            if head["currency"] != currency:
                problems.append(error(tr("payout {payout}: currency {currency} here, {first} on line {line}",
                                         payout=payout_id, currency=currency, first=head["currency"], line=head["line"]),
                                      file=file, line=row.line, column="currency", value=currency))
                continue
            items.setdefault(payout_id, []).extend(row_items)
        payouts = tuple(
            Payout("stripe", payout_id, "", head["paid_on"], sum(i.amount for i in items.get(payout_id, ())),
                   tuple(items.get(payout_id, ())), head["currency"], file)
            for payout_id, head in heads.items())
        return PayoutRead(payouts, tuple(problems))

    def _row(self, row: CsvRow, file: str, problems: list[Problem]) -> tuple[str, date, str, tuple[PayoutItem, ...]] | None:
        """One row's payout id, bank date, currency and items; None (with a problem) when it is bad."""
        where = {"file": file, "line": row.line}
        before = len(problems)
        payout_id = row.get("automatic_payout_id")
        if not payout_id:
            problems.append(error(tr("no automatic_payout_id: the row is not part of a payout"), column="automatic_payout_id", **where))
        amounts = {}
        for column in ("gross", "fee", "net"):
            try:
                amounts[column] = parse_decimal_ore(row.get(column))
            except AmountError as exc:
                problems.append(error(str(exc), column=column, value=row.get(column), **where))
        paid_on = occurred = None
        try:
            paid_on = _moment(row.get("automatic_payout_effective_at")).date()
        except ValueError:
            problems.append(error(tr("not a date and time"), column="automatic_payout_effective_at",
                                  value=row.get("automatic_payout_effective_at"), **where))
        created = "created_utc" if row.get("created_utc") else "created"
        try:
            occurred = _moment(row.get(created))
        except ValueError:
            problems.append(error(tr("not a date and time"), column=created, value=row.get(created), **where))
        if len(amounts) == 3 and amounts["gross"] - amounts["fee"] != amounts["net"]:
            problems.append(error(tr("gross {gross} − fee {fee} is not net {net}", gross=row.get("gross"), fee=row.get("fee"),
                                     net=row.get("net")),
                                  column="net", value=row.get("net"), **where))
        currency = row.get("currency").upper()
        if len(currency) != 3 or not currency.isalpha():
            problems.append(error(tr("not a currency code"), column="currency", value=row.get("currency"), **where))
        if len(problems) > before:
            return None
        category = row.get("reporting_category")
        if category in PAYOUT_CATEGORIES:
            return payout_id, paid_on, currency, ()
        order_ref = next((row.get(c) for c in ORDER_COLUMNS if row.get(c)), "")
        reference = row.get("charge_id") or row.get("source_id") or row.get("balance_transaction_id")
        return payout_id, paid_on, currency, items_of(
            category, amounts["gross"], amounts["fee"], reference, occurred, order_ref, currency, row.line,
            row.get("description"))
