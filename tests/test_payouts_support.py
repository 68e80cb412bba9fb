"""Builders for the payout tests (no tests here): Stripe reconciliation report CSVs, vendors.toml
with payout accounts, and a day's receipts paid by Stripe."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

COLUMNS = ("automatic_payout_id", "automatic_payout_effective_at", "balance_transaction_id", "created_utc",
           "currency", "gross", "fee", "net", "reporting_category", "source_id", "charge_id", "description",
           "payment_metadata[order_id]")


@dataclass(frozen=True)
class Row:
    """One report row; amounts in øre (the CSV writes them as decimals)."""

    payout: str
    paid_on: str
    txn: str
    created: str
    gross: int
    fee: int
    category: str = "charge"
    order: str = ""
    charge: str = ""


def kroner(ore: int) -> str:
    return f"{Decimal(ore).scaleb(-2):.2f}"


def stripe_csv(rows: list[Row]) -> str:
    lines = [",".join(COLUMNS)]
    for r in rows:
        lines.append(",".join([
            r.payout, f"{r.paid_on} 00:00:00", r.txn, r.created, "nok", kroner(r.gross), kroner(r.fee),
            kroner(r.gross - r.fee), r.category, r.charge or r.txn.replace("txn", "ch"), r.charge, f"{r.category} {r.order}",
            r.order]))
    return "\n".join(lines) + "\n"


VENDOR_PAYOUTS = {
    "bergen-bryggen": 'payouts = [{ provider = "stripe", account = "acct_bergen", payment = "payment_stripe" }]',
    "oslo-sentrum": 'payouts = [{ provider = "stripe", account = "acct_oslo", payment = "payment_stripe" }]',
}


def with_payouts(ws, extra: dict[str, str] | None = None) -> None:
    """The sample vendors.toml with a Stripe account for each vendor (and `extra` lines per vendor)."""
    text = (ws.path / "vendors.toml").read_text(encoding="utf-8")
    out, current = [], None
    for line in text.splitlines():
        if line.startswith("id = "):
            current = line.split('"')[1]
        out.append(line)
        if line.startswith("fiken_company") and current in VENDOR_PAYOUTS:
            out.append(VENDOR_PAYOUTS[current])
            out.extend((extra or {}).get(current, "").splitlines())
    ws.write("vendors.toml", "\n".join(out) + "\n")


def sales_csv(receipts: list[tuple[str, str, int]]) -> str:
    """A generic receipt CSV: (receipt id, ISO local time, øre) each a 25 % sale paid by Stripe."""
    lines = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
    for receipt, moment, amount in receipts:
        vat = amount // 5
        lines.append(f"{receipt};{moment};sale;high;3;{kroner(amount)};{kroner(vat)}")
        lines.append(f"{receipt};{moment};payment;stripe;;{kroner(amount)};")
    return "\n".join(lines) + "\n"
