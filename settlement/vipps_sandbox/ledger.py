"""The sandbox's Vipps ledgers: each with its funds and fees feeds, built as Vipps builds them.

`add_day` does what a day of sales does to a ledger (webshop-payments.md §3.3): a `capture` per
payment and a `refund` per refund on the funds feed, a `capture-fee` per capture on the fees feed,
the day's fees moved over as `fees-retained` (− on funds, + on fees), and, when the balance is
positive, a `scheduled-for-payout` of all of it as the day's last entry. Every entry carries
balanceBefore/balanceAfter as the feed it is on runs. Amounts are øre.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from settlement.domain.money import round_half_up_div


@dataclass
class Ledger:
    """One ledger (usually one sales unit) and its two feeds, in feed order."""

    ledger_id: str
    msn: str
    handle: str  # "api:<msn>" for an eCom/ePayment unit, "NO:<number>" for a Vippsnummer
    bank_account: str = "86011117947"
    org_number: str = "987654321"
    currency: str = "NOK"
    funds: list[dict] = field(default_factory=list)
    fees: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        """The ledger as GET /settlement/v1/ledgers lists it."""
        return {"ledgerId": self.ledger_id, "currency": self.currency,
                "payoutBankAccount": {"scheme": "BBAN:NO", "id": self.bank_account},
                "owner": {"scheme": "business:NO:ORG", "id": self.org_number},
                "settlesForRecipientHandles": [self.handle]}


@dataclass(frozen=True)
class DayResult:
    """What add_day put on the ledger: the payout's settlement number and net (None: no payout)."""

    settlement_number: str | None
    net: int
    captured: int
    refunded: int
    fees: int


class Ledgers:
    """Every ledger of the sandbox. Methods are thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, Ledger] = {}
        self._psp = itertools.count(3343121302)
        self._settlement = itertools.count(2000001)

    def add_ledger(self, ledger_id: str, msn: str, *, vippsnummer: bool = False) -> Ledger:
        with self.lock:
            ledger = Ledger(ledger_id, msn, f"NO:{msn}" if vippsnummer else f"api:{msn}")
            self.by_id[ledger_id] = ledger
            return ledger

    def add_entry(self, ledger_id: str, topic: str, entry: dict) -> dict:
        """Append one entry as given; balances computed when not given (for hand-made, even wrong, data)."""
        with self.lock:
            ledger = self.by_id[ledger_id]
            return self._append(ledger, topic, dict(entry))

    def add_day(self, ledger_id: str, day: date, captures: list[tuple[int, str]],
                refunds: list[tuple[int, str]] = (), *, fee_basis_points: int = 150, payout: bool = True) -> DayResult:
        """A day's captures and refunds, as (øre, merchant reference), with their fees and payout."""
        with self.lock:
            ledger = self.by_id[ledger_id]
            clock = itertools.count()
            fees = 0
            for amount, reference in captures:
                psp = str(next(self._psp))
                when = _moment(day, next(clock))
                self._append(ledger, "funds", self._entry(ledger, day, when, "capture", reference, amount, psp))
                fee = -round_half_up_div(amount * fee_basis_points, 10_000)
                fees += fee
                self._append(ledger, "fees", self._entry(ledger, day, when, "capture-fee", reference, fee, psp))
            for amount, reference in refunds:
                psp = str(next(self._psp))
                self._append(ledger, "funds", self._entry(ledger, day, _moment(day, next(clock)), "refund", reference,
                                                          -amount, psp))
            if fees:
                when = _moment(day, 1000)
                psp = str(next(self._psp))
                self._append(ledger, "funds", self._entry(ledger, day, when, "fees-retained", "", fees, psp))
                self._append(ledger, "fees", self._entry(ledger, day, when, "fees-retained", "", -fees, psp))
            balance = ledger.funds[-1]["balanceAfter"] if ledger.funds else 0
            number = None
            if payout and balance > 0:
                number = str(next(self._settlement))
                text = f"Vipps utbet. {number} Vippsnr {ledger.msn}"
                self._append(ledger, "funds", self._entry(ledger, day, _moment(day, 1001), "scheduled-for-payout",
                                                          text, -balance, str(next(self._psp))))
            return DayResult(number, balance if number else 0, sum(a for a, _ in captures),
                             sum(a for a, _ in refunds), fees)

    def _entry(self, ledger: Ledger, day: date, when: datetime, entry_type: str, reference: str, amount: int,
               psp: str) -> dict:
        return {"pspReference": psp, "time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "ledgerDate": day.isoformat(),
                "entryType": entry_type, "reference": reference, "currency": ledger.currency, "amount": amount,
                "recipientHandle": ledger.handle}

    @staticmethod
    def _append(ledger: Ledger, topic: str, entry: dict) -> dict:
        feed = ledger.funds if topic == "funds" else ledger.fees
        before = feed[-1].get("balanceAfter", 0) if feed else 0
        entry.setdefault("balanceBefore", before)
        if isinstance(entry.get("amount"), int):
            entry.setdefault("balanceAfter", entry["balanceBefore"] + entry["amount"])
        feed.append(entry)
        return entry


def _moment(day: date, n: int) -> datetime:
    """The n-th event of a ledger day: from 08:00 UTC, a minute apart."""
    return datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc) + timedelta(minutes=n)
