"""What the Stripe sandbox holds: payouts, the balance transactions each settles, and the charges
and refunds those point at, as objects with the fields of Stripe's fixtures (amounts in minor
units, times as unix seconds, currencies lower-case)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

# reporting_category → (the balance transaction's type, the source object's prefix)
_TYPES = {
    "charge": ("charge", "ch"), "refund": ("refund", "re"), "dispute": ("adjustment", "dp"),
    "fee": ("stripe_fee", ""), "other_adjustment": ("adjustment", ""),
}


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class StripeState:
    """The account's objects; every change under `lock`."""

    account: str = "acct_sandbox"
    payouts: list[dict] = field(default_factory=list)  # newest first, as Stripe lists them
    transactions: dict[str, list[dict]] = field(default_factory=dict)  # payout id → its balance transactions
    objects: dict[str, dict] = field(default_factory=dict)  # charges and refunds by id
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _id(self, prefix: str) -> str:
        return f"{prefix}_sb{next(self._ids):08d}"

    def add_payout(self, arrival: date, items: list[dict], currency: str = "nok", payout_id: str | None = None) -> dict:
        """A paid automatic payout settling `items`, each {"category", "amount", "fee", "created"
        (aware datetime), "order_id" (optional)}; its own balance transaction is listed too."""
        with self.lock:
            payout_id = payout_id or self._id("po")
            rows = []
            for item in items:
                kind, prefix = _TYPES.get(item["category"], ("adjustment", ""))
                source = None
                if prefix:
                    source = self._id(prefix)
                    metadata = {"order_id": item["order_id"]} if item.get("order_id") else {}
                    obj = {"id": source, "object": "charge" if prefix == "ch" else "refund" if prefix == "re" else "dispute",
                           "amount": abs(item["amount"]), "currency": currency, "created": _unix(item["created"]),
                           "metadata": metadata, "status": "succeeded", "paid": True, "captured": True,
                           "description": f"Order {item.get('order_id', '')}".strip()}
                    self.objects[source] = obj
                fee = item.get("fee", 0)
                rows.append({
                    "id": self._id("txn"), "object": "balance_transaction", "amount": item["amount"],
                    "available_on": _unix(item["created"]), "created": _unix(item["created"]), "currency": currency,
                    "description": item.get("description") or kind, "exchange_rate": None, "fee": fee,
                    "fee_details": [{"amount": fee, "application": None, "currency": currency,
                                     "description": "Stripe processing fees", "type": "stripe_fee"}] if fee else [],
                    "net": item["amount"] - fee, "reporting_category": item["category"], "source": source,
                    "status": "available", "type": kind, "balance_type": "payments",
                })
            net = sum(row["net"] for row in rows)
            arrival_unix = _unix(datetime.combine(arrival, time(0), timezone.utc))
            own = {"id": self._id("txn"), "object": "balance_transaction", "amount": -net, "available_on": arrival_unix,
                   "created": arrival_unix, "currency": currency, "description": "STRIPE PAYOUT", "exchange_rate": None,
                   "fee": 0, "fee_details": [], "net": -net, "reporting_category": "payout", "source": payout_id,
                   "status": "available", "type": "payout", "balance_type": "payments"}
            payout = {"id": payout_id, "object": "payout", "amount": net, "arrival_date": arrival_unix, "automatic": True,
                      "balance_transaction": own["id"], "created": arrival_unix, "currency": currency,
                      "description": "STRIPE PAYOUT", "destination": "ba_sandbox", "livemode": False, "metadata": {},
                      "method": "standard", "reconciliation_status": "completed", "source_type": "card",
                      "statement_descriptor": None, "status": "paid", "type": "bank_account"}
            self.payouts.insert(0, payout)
            self.transactions[payout_id] = list(reversed(rows)) + [own]
            return payout
