"""The sandbox's Klarna settlements: payouts and their transactions, in the shapes of Klarna's
Settlements API examples (settlements-payout-example.json, settlements-transactions-example.json).

`add_payout` builds a payout as Klarna would: a SALE per capture, a FEE per sale (a percentage
and a fixed part), a RETURN per refund, and the totals from them, with
settlement_amount = sale − return − fee (the identity of webshop-payments.md §4.1 for these types).
Transaction amounts are magnitudes in minor units, the type saying the direction.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from settlement.domain.money import round_half_up_div

TOTAL_FIELDS = ("commission_amount", "repay_amount", "sale_amount", "holdback_amount", "settlement_amount",
                "reversal_amount", "release_amount", "return_amount", "fee_amount", "charge_amount", "credit_amount",
                "fee_refund_amount", "tax_refund_amount", "deposit_amount", "opening_debt_balance_amount",
                "closing_debt_balance_amount", "tax_amount", "fee_correction_amount")


@dataclass
class Settlements:
    """Every payout and transaction of the sandbox merchant. Methods are thread-safe."""

    api_url: str = ""  # the API's own address, for the `transactions` and `payout` links
    lock: threading.Lock = field(default_factory=threading.Lock)
    payouts: list[dict] = field(default_factory=list)
    transactions: list[dict] = field(default_factory=list)
    _refs: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_payout(self, payout_day: date, sales: list[tuple[int, str]], returns: list[tuple[int, str]] = (), *,
                   merchant_id: str = "N100123", currency: str = "NOK", fee_basis_points: int = 299,
                   fixed_fee: int = 100, payment_reference: str | None = None) -> dict:
        """A payout of these sales and returns, as (minor units, merchant_reference1); returns it."""
        with self.lock:
            reference = payment_reference or f"NOKLRN{next(self._refs):06d}"
            captured = datetime(payout_day.year, payout_day.month, payout_day.day, 9, tzinfo=timezone.utc) - timedelta(days=2)
            made, fees = [], 0
            for n, (amount, merchant_reference) in enumerate(sales):
                order_id, capture_id = str(uuid.uuid4()), str(uuid.uuid4())
                when = captured + timedelta(minutes=n)
                made.append(self._transaction(reference, "SALE", "PURCHASE", amount, order_id, capture_id, "",
                                              merchant_reference, when, currency))
                fee = round_half_up_div(amount * fee_basis_points, 10_000) + fixed_fee
                fees += fee
                made.append(self._transaction(reference, "FEE", "PURCHASE_FEE_PERCENTAGE", fee, order_id, capture_id,
                                              "", merchant_reference, when, currency))
            for n, (amount, merchant_reference) in enumerate(returns):
                made.append(self._transaction(reference, "RETURN", "PURCHASE_RETURN", amount, str(uuid.uuid4()), "",
                                              str(uuid.uuid4()), merchant_reference,
                                              captured + timedelta(hours=1, minutes=n), currency))
            totals = dict.fromkeys(TOTAL_FIELDS, 0)
            totals["sale_amount"] = sum(a for a, _ in sales)
            totals["return_amount"] = sum(a for a, _ in returns)
            totals["fee_amount"] = fees
            totals["settlement_amount"] = totals["sale_amount"] - totals["return_amount"] - fees
            payout = {
                "totals": totals, "payment_reference": reference,
                "payout_date": f"{payout_day.isoformat()}T07:52:26Z", "currency_code": currency,
                "merchant_settlement_type": "NET", "merchant_id": merchant_id,
                "currency_code_of_registration_country": currency,
                "transactions": f"{self.api_url}/transactions?payment_reference={reference}",
            }
            self.payouts.append(payout)
            self.transactions += made
            return payout

    def add_raw(self, payout: dict, transactions: list[dict]) -> None:
        """Serve a payout and its transactions exactly as given (e.g. deliberately wrong ones)."""
        with self.lock:
            self.payouts.append(payout)
            self.transactions += transactions

    def _transaction(self, reference: str, type_name: str, detailed: str, amount: int, order_id: str,
                     capture_id: str, refund_id: str, merchant_reference: str, when: datetime, currency: str) -> dict:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "amount": amount, "sale_date": stamp, "type": type_name, "capture_date": stamp, "order_id": order_id,
            "currency_code": currency, "purchase_country": "NO", "capture_id": capture_id,
            "merchant_reference1": merchant_reference, "payment_reference": reference,
            "payout": f"{self.api_url}/payouts/{reference}", "refund_id": refund_id,
            "short_order_id": order_id[:8], "merchant_reference2": "", "vat_rate": 0, "vat_amount": 0,
            "shipping_country": "NO", "initial_payment_method_type": "invoice", "initial_number_of_installments": 1,
            "initial_payment_method_monthly_downpayments": 0, "merchant_capture_reference": "",
            "merchant_refund_reference": "", "detailed_type": detailed, "tax_in_currency_of_registration_country": 0,
            "currency_code_of_registration_country": currency, "klarna_comment": "",
        }
