"""Normalized sales: the one shape every source (CSV, SAF-T, WooCommerce) is turned into.

A receipt (or webshop order) becomes several SaleLines: goods sold or returned, shipping, tips,
gift cards sold, cash rounding, and payments. Amounts are signed integer øre including VAT;
`vat` is the VAT inside `amount`, signed like it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Iterable


class LineType(str, Enum):
    """What a sales line is; decides which ledger key it books to."""

    SALE = "sale"
    RETURN = "return"
    SHIPPING = "shipping"
    TIP = "tip"
    GIFT_CARD_SOLD = "gift_card_sold"
    ROUNDING = "rounding"
    PAYMENT = "payment"


# Types whose amount includes VAT and therefore need a VAT code.
VAT_TYPES = frozenset({LineType.SALE, LineType.RETURN, LineType.SHIPPING})


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One normalized line of a receipt or order, ready for the store.

    Attributes:
        vendor: the vendor id.
        source: where it came from: "csv", "saft" or "woocommerce".
        receipt_id: the receipt, transaction or order id, unique per vendor and source.
        timestamp: when it happened, an aware UTC datetime.
        business_day: the vendor's business day the timestamp falls in.
        type: a LineType value.
        code: product group (sale/return/shipping) or payment method (payment); "" otherwise.
        fallback_code: a second code tried when `code` has no mapping (SAF-T: the predefined
            12xxx/04xxx code behind the exporter's own basicID); "" when there is none.
        vat_code: Fiken's standard VAT code for VAT types; None otherwise.
        amount: øre including VAT, signed (returns and refunds negative).
        vat: øre of VAT inside amount, signed like amount.
        origin: provenance for messages, e.g. "sales.csv:17" or "order 1234".
        discount: øre of price reduction the customer was given on this line (positive = a
            reduction; negative on a returned line that had one), for the report only: it is
            part of no amount, since `amount` is already what the customer paid. None when the
            source does not state discounts (the report then says "ikke oppgitt").
    """

    vendor: str
    source: str
    receipt_id: str
    timestamp: datetime
    business_day: date
    type: str
    code: str
    vat_code: str | None
    amount: int
    vat: int
    origin: str
    fallback_code: str = ""
    discount: int | None = None


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """All lines of one vendor-day with the same (type, code, VAT code), added up."""

    type: str
    code: str
    fallback_code: str
    vat_code: str | None
    amount: int
    vat: int
    lines: int
    refs: tuple[str, ...]


def summarize(lines: Iterable[SaleLine]) -> list[SummaryRow]:
    """Add up one vendor-day's lines by (type, codes, VAT code); the store does the same in SQL."""
    groups: dict[tuple[str, str, str, str | None], list] = {}
    for line in lines:
        group = groups.setdefault((line.type, line.code, line.fallback_code, line.vat_code), [0, 0, 0, set()])
        group[0] += line.amount
        group[1] += line.vat
        group[2] += 1
        group[3].add(line.receipt_id)
    return sorted(
        (
            SummaryRow(t, c, f, v, a, vat, n, tuple(sorted(refs)))
            for (t, c, f, v), (a, vat, n, refs) in groups.items()
        ),
        key=summary_sort_key,
    )


def summary_sort_key(row: SummaryRow) -> tuple[str, str, str, str]:
    return (row.type, row.code, row.fallback_code, row.vat_code or "")
