"""What a Klarna settlement transaction becomes in a payout, from the API and the CSV alike.

Klarna's totals are magnitudes and its settlement identity says which way each kind of money goes
(webshop-payments.md §4.1): settlement = sale − return − reversal + reversal_merchant_protection
− fee + fee_correction + commission − tax − charge + credit − repay − holdback + release
+ fee_refund. A transaction's amount is therefore signed here by its type: the types the identity
subtracts are made negative whatever sign they arrive with; the others keep theirs (a CORRECTION
can go either way). The repayment of debt to Klarna and a new debt (deposit) appear only in a
payout's totals, so they become ADJUSTMENT items of the payout itself.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from settlement.domain.money import format_nok
from settlement.domain.payouts import ItemKind, PayoutItem
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr

PROVIDER = "klarna"
OSLO = ZoneInfo("Europe/Oslo")

# type → (kind, whether the identity subtracts it, the total that sums it)
TYPES: dict[str, tuple[ItemKind, bool, str | None]] = {
    "SALE": (ItemKind.CAPTURE, False, "sale_amount"),
    "RETURN": (ItemKind.REFUND, True, "return_amount"),
    "REVERSAL": (ItemKind.CHARGEBACK, True, "reversal_amount"),
    "REVERSAL_MERCHANT_PROTECTION": (ItemKind.CHARGEBACK, False, None),
    "FEE": (ItemKind.FEE, True, "fee_amount"),
    "TAX": (ItemKind.FEE, True, "tax_amount"),  # VAT on Klarna's fees: part of what the fees cost
    "FEE_REFUND": (ItemKind.FEE, False, "fee_refund_amount"),
    "CORRECTION": (ItemKind.ADJUSTMENT, False, "fee_correction_amount"),
    "COMMISSION": (ItemKind.ADJUSTMENT, False, "commission_amount"),
    "CHARGE": (ItemKind.ADJUSTMENT, True, "charge_amount"),
    "CREDIT": (ItemKind.ADJUSTMENT, False, "credit_amount"),
    "HOLDBACK": (ItemKind.ADJUSTMENT, True, "holdback_amount"),
    "RELEASE": (ItemKind.ADJUSTMENT, False, "release_amount"),
}


def signed(type_name: str, amount: int) -> int:
    """The amount as the shop sees it (negative: money the shop pays or gives back)."""
    known = TYPES.get(type_name)
    if known and known[1]:
        return -abs(amount)
    return amount


def item(type_name: str, amount: int, *, order_id: str, merchant_reference: str, occurred: datetime,
         detail: str, line: int | None, currency: str) -> PayoutItem:
    """One transaction as a payout item; a type Klarna adds later is kept as OTHER with its sign."""
    kind = TYPES.get(type_name, (ItemKind.OTHER, False, None))[0]
    return PayoutItem(kind, signed(type_name, amount), order_id or merchant_reference, occurred,
                      order_ref=merchant_reference, currency=currency, line=line,
                      description=f"Klarna {type_name} {detail}".strip())


def totals_items(payout_id: str, totals: dict[str, int], occurred: datetime, currency: str) -> list[PayoutItem]:
    """The payout-level items only the totals carry: debt repaid to Klarna, and new debt (deposit)."""
    made = []
    if totals.get("repay_amount"):
        made.append(PayoutItem(ItemKind.ADJUSTMENT, -abs(totals["repay_amount"]), payout_id, occurred,
                               currency=currency, description="Klarna: debt from earlier settlements repaid"))
    if totals.get("deposit_amount"):
        made.append(PayoutItem(ItemKind.ADJUSTMENT, abs(totals["deposit_amount"]), payout_id, occurred,
                               currency=currency, description="Klarna: shortfall carried as debt to the next settlement"))
    return made


def totals_problems(payout_id: str, totals: dict[str, int], items: list[tuple[str, int]], file: str,
                    line: int | None = None, prefix: str = "totals.") -> list[Problem]:
    """Each stated total (sale_amount, fee_amount, …) against the sum of its transactions' amounts;
    `prefix` is how the report names a total ("totals." in the API, "total_" in the CSV)."""
    problems = []
    sums: dict[str, int] = {}
    for type_name, amount in items:
        field = TYPES.get(type_name, (None, False, None))[2]
        if field:
            sums[field] = sums.get(field, 0) + signed(type_name, amount)
    for field in sorted({t[2] for t in TYPES.values() if t[2]}):
        if field not in totals:
            continue
        if abs(totals[field]) != abs(sums.get(field, 0)):
            total = prefix + field
            problems.append(error(tr("klarna payout {payout}: {total} is {stated} but its transactions add up to {sum}",
                                     payout=payout_id, total=total, stated=format_nok(totals[field]),
                                     sum=format_nok(abs(sums.get(field, 0)))), file=file,
                                  line=line, column=f"{prefix}{field}", ref=payout_id))
    return problems


def parse_moment(text: str) -> datetime | None:
    """An ISO date-time (a date alone is its midnight UTC, as Klarna's API reads one) as aware."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def oslo_date(moment: datetime) -> date:
    """The Norwegian calendar date of an instant (a payout date at 00:30Z is that day in Oslo)."""
    return moment.astimezone(OSLO).date()
