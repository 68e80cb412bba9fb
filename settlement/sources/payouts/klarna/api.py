"""Klarna's Settlements API as a payout source: the payouts paid from `since` to `until`, each with
its transactions.

As Klarna recommends: list the payouts, then the transactions of each by payment_reference. A
payout's net is totals.settlement_amount (minor units); its items are its transactions signed by
type (transactions.py), plus the debt movements only the totals carry. Each stated total is checked
against its transactions, and the items against the net.
"""

from __future__ import annotations

from datetime import date, datetime

from settlement.domain.payouts import Payout, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.klarna import transactions as tx
from settlement.sources.payouts.klarna.client import KlarnaClient

_TOTAL_FIELDS = ("sale_amount", "return_amount", "reversal_amount", "fee_amount", "fee_correction_amount",
                 "fee_refund_amount", "tax_amount", "commission_amount", "repay_amount", "holdback_amount",
                 "release_amount", "charge_amount", "credit_amount", "deposit_amount", "settlement_amount")


class KlarnaSettlementsApiSource:
    """PayoutApiSource over a KlarnaClient."""

    provider = tx.PROVIDER

    def __init__(self, client: KlarnaClient) -> None:
        self.client = client

    def fetch(self, since: date, until: date | None = None) -> PayoutRead:
        """Raises KlarnaError (KlarnaAuthError) when the API cannot be read; data problems are returned."""
        until = until or datetime.now(tx.OSLO).date()
        # Full date-times, as the spec advises: a bare end date would mean its midnight.
        listed = list(self.client.payouts(f"{since.isoformat()}T00:00:00Z", f"{until.isoformat()}T23:59:59Z"))
        payouts: list[Payout] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for url, position, data in listed:
            reference = str(data.get("payment_reference") or "")
            if not reference:
                problems.append(error(tr("the payout has no payment_reference"), file=url, line=position,
                                      column="payment_reference"))
                continue
            if reference in seen:  # a page boundary moved under us: the payout was listed twice
                continue
            seen.add(reference)
            rows = list(self.client.transactions(reference))
            payout = self._payout(url, position, data, rows, problems)
            if payout is not None:
                payouts.append(payout)
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))

    def _payout(self, url: str, position: int, data: dict, rows: list[tuple[str, int, dict]],
                problems: list[Problem]) -> Payout | None:
        reference = data["payment_reference"]
        before = len(problems)
        totals = data.get("totals") if isinstance(data.get("totals"), dict) else {}
        for name in _TOTAL_FIELDS:
            if name in totals and not _whole(totals[name]):
                problems.append(error(tr("payout {payout}: totals.{name} is not a whole number of minor units",
                                         payout=reference, name=name),
                                      file=url, line=position, column=f"totals.{name}", value=str(totals[name])))
        if not _whole(totals.get("settlement_amount")):
            problems.append(error(tr("payout {payout} has no totals.settlement_amount", payout=reference), file=url, line=position,
                                  column="totals.settlement_amount"))
        paid = tx.parse_moment(str(data.get("payout_date") or ""))
        if paid is None:
            problems.append(error(tr("payout {payout}: payout_date is not an ISO date-time", payout=reference), file=url, line=position,
                                  column="payout_date", value=str(data.get("payout_date"))))
        currency = str(data.get("currency_code") or "")
        items, typed = [], []
        for row_url, n, row in rows:
            made = self._item(row_url, n, row, reference, currency, problems)
            if made is not None:
                items.append(made)
                typed.append((row["type"], row["amount"]))
        if len(problems) > before or paid is None:
            return None
        totals = {k: v for k, v in totals.items() if _whole(v)}
        problems.extend(tx.totals_problems(reference, totals, typed, url, position))
        items += tx.totals_items(reference, totals, paid, currency)
        return Payout(tx.PROVIDER, reference, str(data.get("merchant_id") or ""), tx.oslo_date(paid),
                      totals["settlement_amount"], tuple(items), currency, url)

    @staticmethod
    def _item(url: str, n: int, row: dict, reference: str, currency: str, problems: list[Problem]):
        bad = []
        if not _whole(row.get("amount")):
            bad.append(("amount", tr("is not a whole number of minor units")))
        if not isinstance(row.get("type"), str) or not row.get("type"):
            bad.append(("type", tr("is missing")))
        own = str(row.get("payment_reference") or reference)
        if own != reference:
            bad.append(("payment_reference", tr("names payout {named}, not {payout}", named=own, payout=reference)))
        if row.get("currency_code") and currency and row["currency_code"] != currency:
            bad.append(("currency_code", tr("is {currency} in a {payout_currency} payout", currency=row["currency_code"],
                                            payout_currency=currency)))
        moment = tx.parse_moment(str(row.get("capture_date") or row.get("sale_date") or ""))
        if moment is None:
            bad.append(("capture_date", tr("is not an ISO date-time (nor is sale_date)")))
        for field, reason in bad:
            problems.append(error(tr("transaction of payout {payout}: {field} {reason}", payout=reference, field=field,
                                     reason=reason), file=url, line=n,
                                  column=field, value=None if row.get(field) is None else str(row.get(field)),
                                  ref=str(row.get("order_id") or "")))
        if bad:
            return None
        detail = " ".join(str(row.get(k)) for k in ("detailed_type", "capture_id", "refund_id") if row.get(k))
        return tx.item(row["type"], row["amount"], order_id=str(row.get("order_id") or ""),
                       merchant_reference=str(row.get("merchant_reference1") or ""), occurred=moment, detail=detail,
                       line=n, currency=str(row.get("currency_code") or currency))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
