"""One WooCommerce order or refund (JSON, already decoded) → SaleLines and the order-list entry.

Pure: no I/O, no clock. Rules (docs/woocommerce.md explains them for users):

- An order counts when its status is one the vendor's trigger status implies (trigger
  `processing`: processing, completed, refunded, ready-for-pickup; trigger `completed`: completed,
  refunded) and it has the trigger date (`date_paid` resp. `date_completed`). It is booked on the
  business day of that date, as receipt `order-<id>`. Every other status (pending, on-hold,
  failed, cancelled, checkout-draft, trash, ...) is never counted: an order that counted once and
  is later cancelled is withdrawn again, together with its refunds.
- Line items: gross = `total` + `total_tax` (WooCommerce stores line totals without tax whether
  or not prices were entered with tax; coupons are already inside line totals). Shipping lines
  → type shipping; fee lines → sale (negative fee: return). The order's residual against `total`
  from rounding more-than-two-decimal values is a rounding line; a larger gap is an error.
- Discounts (coupons) are kept per item for the report only: (`subtotal` + `subtotal_tax`) −
  (`total` + `total_tax`), i.e. incl. VAT like the amounts (negative on a refunded item).
- One payment line per order: code = `payment_method`, amount = `total`.
- An order in another currency than NOK blocks its business day (`blocks`), unless the vendor
  configures currency_conversion (settlement.sources.woocommerce.currency): then its lines are
  converted and a note shows both amounts. Its refunds go the same way.
- VAT sanity (`warnings`, kept as notes on the day): a shipping or fee line without tax on an
  order whose goods carry VAT is named (in Norway shipping follows the goods' VAT), or with
  shipping_vat = "follow_goods" split over the goods' VAT codes in proportion to their gross; a
  product that looks like a gift card (gift card / gavekort in its name) sold with VAT is named.
- A refund is receipt `refund-<id>` on the business day of its `date_created`: its items as
  returns (negative), shipping as negative shipping, and a negative payment. An amount-only refund
  (or the part of a refund not covered by its items) is split over the order's goods in proportion
  to their gross amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

from settlement.domain.businessday import business_day
from settlement.domain.money import format_nok
from settlement.domain.problems import Problem, error, warning
from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import tr
from settlement.sources.woocommerce import SOURCE
from settlement.sources.woocommerce.amounts import vat_code_for_percent, vat_code_from_amounts
from settlement.sources.woocommerce.currency import (
    COMPANY_CURRENCY, RateError, conversion_note, convert, order_rate, to_nok,
)
from settlement.sources.woocommerce.fields import FieldReader
from settlement.domain.vat import rate_on, vat_in_gross
from settlement.domain.vendors import Vendor, WooCommerceConfig

# Statuses that count as a sale for each trigger status, and the date that decides the day.
COUNTED_STATUSES = {
    "processing": frozenset({"processing", "completed", "refunded", "ready-for-pickup"}),
    "completed": frozenset({"completed", "refunded"}),
}
TRIGGER_DATE = {"processing": "date_paid", "completed": "date_completed"}
STANDARD_TAX_CLASS = "standard"  # WooCommerce's standard tax class is the empty string
FEE_CODE = "fee"  # product group of fee lines when grouping by category or SKU prefix


@dataclass(frozen=True, slots=True)
class OrderEntry:
    """One row of the webshop order list of a business day (documentation for the voucher).

    kind: "order" or "refund"; woo_id: the order or refund id; amount: øre, refunds negative;
    time: the trigger (order) or creation (refund) instant in UTC; status: the order's status.
    """

    kind: str
    woo_id: int
    order_id: int
    number: str
    business_day: date
    time: datetime
    amount: int
    payment_method: str
    status: str


@dataclass
class ParsedOrder:
    """What one order object yields. `entry` and `lines` are empty unless the order counts."""

    order_id: int
    number: str
    status: str
    counts: bool
    entry: OrderEntry | None = None
    lines: list[SaleLine] = field(default_factory=list)
    refund_ids: list[int] = field(default_factory=list)
    product_ids: set[int] = field(default_factory=set)
    modified_gmt: str = ""
    payment_method: str = ""
    rates: dict[int, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Errors that block the order's business day (another currency, no rate): its lines and
    # refunds are not stored; the day's voucher is blocked (settlement.store.day_blocks).
    blocks: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # kept as notes on the order's day
    ref: str = ""  # "order 1234", as blocks and notes name it
    currency: str = COMPANY_CURRENCY
    rate: object = None  # NOK per unit (Decimal) when the order was converted

    @property
    def receipt_id(self) -> str:
        return f"order-{self.order_id}"


@dataclass
class ParsedRefund:
    """What one refund object yields (nothing when its order does not count)."""

    refund_id: int
    entry: OrderEntry | None = None
    lines: list[SaleLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def receipt_id(self) -> str:
        return f"refund-{self.refund_id}"


class _Builder:
    """Turns the goods, shipping and fee lines of one order or refund into SaleLines."""

    def __init__(
        self,
        reader: FieldReader,
        vendor: Vendor,
        config: WooCommerceConfig,
        categories: Mapping[int, str],
        rates: Mapping[int, object],
        receipt_id: str,
        moment: datetime,
        origin: str,
    ):
        self.r = reader
        self.vendor = vendor
        self.config = config
        self.categories = categories
        self.rates = rates
        self.receipt_id = receipt_id
        self.moment = moment
        self.day = business_day(moment, vendor.tz, vendor.day_start)
        self.origin = origin
        self.lines: list[SaleLine] = []
        self.parts = 0  # amount fields rounded; bounds the acceptable rounding residual

    def add(
        self, kind: LineType, code: str, vat_code: str | None, amount: int, vat: int, discount: int | None = None
    ) -> None:
        self.lines.append(
            SaleLine(
                self.vendor.id, SOURCE, self.receipt_id, self.moment, self.day, kind.value, code,
                vat_code, amount, vat, self.origin, discount=discount,
            )
        )

    def _discount(self, item: dict, path: str, gross: int) -> int:
        """The coupon discount on a goods line incl. VAT: its gross before discounts less after
        (0 when the shop sends no `subtotal`)."""
        if not isinstance(item, dict) or item.get("subtotal") in (None, ""):
            return 0
        before = self.r.amount(item, "subtotal", f"{path}.subtotal")
        before += self.r.amount(item, "subtotal_tax", f"{path}.subtotal_tax", optional=True)
        return before - gross

    def _vat_code(self, item: dict, path: str, net: int, tax: int) -> str | None:
        """The VAT code of a line from its taxes[] (rate id → tax_lines rate_percent), else
        inferred from its net and tax amounts."""
        used = []
        for index, entry in enumerate(self.r.items(item, "taxes", f"{path}.taxes")):
            part = self.r.amount(entry, "total", f"{path}.taxes[{index}].total", optional=True)
            if part:
                used.append(entry.get("id"))
        if len(set(used)) > 1:
            self.r.fail(tr("a line taxed at several rates (compound tax) is not supported"), f"{path}.taxes", used)
            return None
        percent = self.rates.get(used[0]) if used else None
        if percent is not None:
            try:
                return vat_code_for_percent(percent, self.day)
            except ValueError as exc:
                self.r.fail(str(exc), f"{path}.taxes", percent)
                return None
        code = vat_code_from_amounts(net, tax, self.day)
        if code is None:
            self.r.fail(
                tr("tax {tax} on {net} is not at a Norwegian VAT rate", tax=format_nok(tax), net=format_nok(net)),
                f"{path}.total_tax",
                format_nok(tax),
            )
        return code

    def _group(self, item: dict, path: str, *, fee: bool) -> str:
        """The product group of an item or fee by the vendor's `group_by`."""
        if fee and self.config.group_by != "tax_class":
            return FEE_CODE
        if self.config.group_by == "tax_class":
            return self.r.text(item, "tax_class", f"{path}.tax_class", required=False) or STANDARD_TAX_CLASS
        if self.config.group_by == "category":
            product = item.get("product_id")
            code = self.categories.get(product) if isinstance(product, int) else None
            if not code:
                self.r.fail(tr("product {product} has no category to group by", product=product), f"{path}.product_id",
                            product)
                return ""
            return code
        sku = self.r.text(item, "sku", f"{path}.sku", required=False)
        if not sku:
            self.r.fail(tr("line has no SKU to take the group prefix from (group_by = sku_prefix)"), f"{path}.sku")
            return ""
        return sku[: self.config.sku_prefix_length]

    def _gross(self, item: dict, path: str) -> tuple[int, int, int]:
        net = self.r.amount(item, "total", f"{path}.total")
        tax = self.r.amount(item, "total_tax", f"{path}.total_tax", optional=True)
        self.parts += 2
        return net, tax, net + tax

    def goods(self, items: list[dict], key: str, *, refund: bool) -> None:
        for index, item in enumerate(items):
            path = f"{key}[{index}]"
            net, tax, gross = self._gross(item, path)
            code = self._group(item, path, fee=key == "fee_lines")
            vat_code = self._vat_code(item, path, net, tax)
            if gross == 0 and tax == 0:
                continue
            kind = LineType.RETURN if refund or gross < 0 else LineType.SALE
            discount = self._discount(item, path, gross) if key == "line_items" else 0
            self.add(kind, code, vat_code, gross, tax, discount)

    def shipping(self, items: list[dict]) -> None:
        for index, item in enumerate(items):
            path = f"shipping_lines[{index}]"
            net, tax, gross = self._gross(item, path)
            if gross == 0 and tax == 0:
                continue
            code = self.r.text(item, "method_id", f"{path}.method_id", required=False) or "shipping"
            self.add(LineType.SHIPPING, code, self._vat_code(item, path, net, tax), gross, tax)

    def spread(self, amount: int, over: list[SaleLine]) -> None:
        """Split `amount` over the goods and shipping of `over` in proportion to their gross
        (largest remainder, so the parts add up exactly); VAT of each part from its code."""
        weights: dict[tuple[str, str, str | None], int] = {}
        for line in over:
            if line.type in (LineType.SALE.value, LineType.SHIPPING.value) and line.amount > 0:
                key = (line.type, line.code, line.vat_code)
                weights[key] = weights.get(key, 0) + line.amount
        total = sum(weights.values())
        if total <= 0:
            self.r.fail(
                tr("the refund amount cannot be split: the order has no goods to return"), "amount", format_nok(amount)
            )
            return
        keys = sorted(weights, key=lambda k: (k[0], k[1], k[2] or ""))
        shares = [amount * weights[k] // total if amount >= 0 else -((-amount) * weights[k] // total) for k in keys]
        left = amount - sum(shares)
        step = 1 if left > 0 else -1
        order = sorted(range(len(keys)), key=lambda i: -weights[keys[i]])
        for i in order[: abs(left)]:
            shares[i] += step
        for (kind, code, vat_code), share in zip(keys, shares):
            if share == 0:
                continue
            vat = vat_in_gross(share, rate_on(vat_code, self.day)) if vat_code else 0
            line_type = LineType.SHIPPING if kind == LineType.SHIPPING.value else LineType.RETURN
            self.add(line_type, code, vat_code, share, vat)

    def settle(self, total: int, what: str) -> None:
        """Book the rounding residual so the lines add up to `total` exactly; a gap larger than
        the rounding of the parts can explain is an error."""
        residual = total - sum(line.amount for line in self.lines)
        if residual and abs(residual) > self.parts + 1:
            self.r.fail(
                tr("the lines add up to {lines} but the {field} is {total}", lines=format_nok(total - residual),
                   field=what, total=format_nok(total)),
                what, format_nok(total),
            )
        elif residual:
            self.add(LineType.ROUNDING, "", None, residual, 0)


def _rates(reader: FieldReader, order: dict) -> dict[int, object]:
    """Tax rate id → rate percent (None when the store did not send `rate_percent`)."""
    rates: dict[int, object] = {}
    for entry in reader.items(order, "tax_lines", "tax_lines"):
        rates[entry.get("rate_id")] = entry.get("rate_percent")
    return rates


def parse_order(order: object, vendor: Vendor, url: str, categories: Mapping[int, str] | None = None) -> ParsedOrder:
    """Parse one order object from GET /orders (url: the order's URL, for messages)."""
    config = vendor.woocommerce
    assert config is not None, "parse_order needs a vendor with a [woocommerce] table"
    problems: list[Problem] = []
    ident = order.get("id") if isinstance(order, dict) else None
    ref = f"order {ident}" if ident is not None else "order (without id)"
    reader = FieldReader(url, ref, problems,
                         tr("order {number}", number=ident) if ident is not None else tr("order (without id)"))
    order_id = reader.integer(order, "id", "id")
    if order_id is None:
        return ParsedOrder(0, "", "", False, problems=problems)
    number = reader.text(order, "number", "number", required=False) or str(order_id)
    reader.ref = f"order {number}" if number == str(order_id) else f"order {number} (id {order_id})"
    reader.label = (tr("order {number}", number=number) if number == str(order_id)
                    else tr("order {number} (id {id})", number=number, id=order_id))
    status = reader.text(order, "status", "status")
    parsed = ParsedOrder(order_id, number, status, False, problems=problems, ref=f"order {number}")
    parsed.currency = (reader.text(order, "currency", "currency", required=False) or COMPANY_CURRENCY).upper()
    parsed.modified_gmt = reader.text(order, "date_modified_gmt", "date_modified_gmt", required=False)
    parsed.payment_method = reader.text(order, "payment_method", "payment_method", required=False)
    parsed.rates = _rates(reader, order)
    for index, refund in enumerate(reader.items(order, "refunds", "refunds")):
        refund_id = reader.integer(refund, "id", f"refunds[{index}].id")
        if refund_id is not None:
            parsed.refund_ids.append(refund_id)
    items = reader.items(order, "line_items", "line_items")
    parsed.product_ids = {i["product_id"] for i in items if isinstance(i.get("product_id"), int)}
    if status not in COUNTED_STATUSES[config.trigger_status]:
        return parsed
    moment = reader.moment(order, TRIGGER_DATE[config.trigger_status], vendor.tz)
    if moment is None and config.trigger_status == "processing":
        # Orders set straight to completed can lack date_paid in old stores; completion implies payment.
        moment = reader.moment(order, "date_completed", vendor.tz)
    if moment is None:
        if not problems:
            reader.fail(tr("status {status!r} but no {field} to date the sale by", status=status,
                           field=TRIGGER_DATE[config.trigger_status]),
                        TRIGGER_DATE[config.trigger_status])
        return parsed
    parsed.counts = True
    builder = _Builder(reader, vendor, config, categories or {}, parsed.rates, parsed.receipt_id, moment, f"order {number}")
    builder.goods(items, "line_items", refund=False)
    goods = len(builder.lines)
    builder.shipping(reader.items(order, "shipping_lines", "shipping_lines"))
    builder.goods(reader.items(order, "fee_lines", "fee_lines"), "fee_lines", refund=False)
    _vat_sanity(builder, goods, items, parsed, vendor, url)
    total = reader.amount(order, "total", "total")
    if total < 0:
        reader.fail(tr("the order total is negative"), "total", format_nok(total))
    if total and not parsed.payment_method:
        reader.fail(tr("payment_method is empty, so the payment cannot be booked"), "payment_method")
    if not problems:  # after a bad field the gap would only repeat that problem
        builder.settle(total, "total")
    if total:
        builder.add(LineType.PAYMENT, parsed.payment_method, None, total, 0)
    parsed.lines = builder.lines
    booked = total
    if parsed.currency != COMPANY_CURRENCY and not problems:
        booked = _in_nok(parsed, order, vendor, url, total)
    parsed.entry = OrderEntry(
        "order", order_id, order_id, number, builder.day, moment, booked, parsed.payment_method, status
    )
    return parsed


def _in_nok(parsed: ParsedOrder, order: dict, vendor: Vendor, url: str, total: int) -> int:
    """Convert an order in another currency (its lines, and the total returned), or block its day."""
    where = {"file": url, "column": "currency", "value": parsed.currency, "ref": parsed.ref}
    label = tr("order {number}", number=parsed.number)
    if vendor.currency_conversion is None:
        parsed.blocks.append(error(tr(
            "{order}: the order is in {currency}, but the books are in NOK; configure "
            "currency_conversion for this vendor (the order's exchange-rate meta or a rate file), then sync "
            "again with --since", order=label, currency=parsed.currency), **where))
        return total
    try:
        rate, source = order_rate(order, parsed.currency, vendor.currency_conversion, None)
    except RateError as exc:
        parsed.blocks.append(error(tr("{order}: the order is in {currency} and cannot be converted: {reason}",
                                      order=label, currency=parsed.currency, reason=exc),
                                   **where))
        return total
    parsed.rate = rate
    parsed.lines = convert(parsed.lines, rate)
    booked = to_nok(total, rate)
    parsed.warnings.append(warning(conversion_note(parsed.number, parsed.currency, total, rate, source, booked),
                                   **where))
    return booked


# Product names that say the line sells a gift card (no sale: VAT is due when the card is used).
_GIFT_CARD_NAME = re.compile(r"gift.?card|gavekort|presentkort", re.IGNORECASE)


def _vat_sanity(builder: "_Builder", goods: int, items: list[dict], parsed: ParsedOrder, vendor: Vendor, url: str) -> None:
    """The webshop VAT checks of one order (see the module docstring)."""
    lines = builder.lines
    label = tr("order {number}", number=parsed.number)
    taxed = {}  # VAT code → gross of the goods lines that carry VAT
    for line in lines[:goods]:
        if line.vat and line.vat_code and line.amount > 0:
            taxed[line.vat_code] = taxed.get(line.vat_code, 0) + line.amount
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and _GIFT_CARD_NAME.search(name) and item.get("total_tax") not in (None, "", "0", "0.00"):
            parsed.warnings.append(warning(tr(
                "{order}: {name!r} looks like a gift card but is sold with VAT; a gift card sold is no "
                "sale (VAT is due when it is used): sell it without tax in WooCommerce", order=label, name=name[:60]),
                file=url, ref=parsed.ref))
    if not taxed:
        return
    for index in range(len(lines) - 1, goods - 1, -1):
        line = lines[index]
        if line.vat or not line.amount:
            continue
        what = tr("shipping") if line.type == LineType.SHIPPING.value else tr("fee")
        if vendor.shipping_vat == "follow_goods":
            parts = _split_on(line.amount, taxed)
            lines[index:index + 1] = [
                SaleLine(line.vendor, line.source, line.receipt_id, line.timestamp, line.business_day, line.type,
                         line.code, code, share, vat_in_gross(share, rate_on(code, line.business_day)), line.origin)
                for code, share in parts
            ]
            parsed.warnings.append(warning(tr(
                "{order}: {what} {code!r} {amount} had no tax; split on the goods' VAT codes ({parts}) by "
                "shipping_vat = follow_goods", order=label, what=what, code=line.code, amount=format_nok(line.amount),
                parts=", ".join(f"{code}: {format_nok(share)}" for code, share in parts)), file=url, ref=parsed.ref))
        else:
            parsed.warnings.append(warning(tr(
                "{order}: {what} {code!r} {amount} carries no tax, but the goods do; in Norway {what} follows the "
                "goods' VAT, so this is booked with VAT code {vat_code} as the shop sent it: tax shipping in "
                "WooCommerce, or set shipping_vat = \"follow_goods\"", order=label, what=what, code=line.code,
                amount=format_nok(line.amount), vat_code=line.vat_code), file=url, ref=parsed.ref))


def _split_on(amount: int, weights: dict[str, int]) -> list[tuple[str, int]]:
    """`amount` split over the VAT codes in proportion to their weights (largest remainder, exact)."""
    if amount < 0:
        return [(c, -share) for c, share in _split_on(-amount, weights)]
    codes = sorted(weights)
    total = sum(weights.values())
    shares = [amount * weights[c] // total for c in codes]
    for i in sorted(range(len(codes)), key=lambda i: -(amount * weights[codes[i]] % total))[: amount - sum(shares)]:
        shares[i] += 1
    return [(c, share) for c, share in zip(codes, shares) if share]


def parse_refund(
    refund: object,
    order: ParsedOrder,
    vendor: Vendor,
    url: str,
    categories: Mapping[int, str] | None = None,
) -> ParsedRefund:
    """Parse one refund object from GET /orders/{id}/refunds; `order` is its parsed order.

    A refund of an order that does not count yields nothing (its sale was never booked)."""
    config = vendor.woocommerce
    assert config is not None, "parse_refund needs a vendor with a [woocommerce] table"
    problems: list[Problem] = []
    ident = refund.get("id") if isinstance(refund, dict) else None
    reader = FieldReader(url, f"order {order.number} refund {ident}", problems,
                         tr("order {number} refund {refund}", number=order.number, refund=ident))
    refund_id = reader.integer(refund, "id", "id")
    if refund_id is None:
        return ParsedRefund(0, problems=problems)
    parsed = ParsedRefund(refund_id, problems=problems)
    amount = reader.amount(refund, "amount", "amount")
    moment = reader.moment(refund, "date_created", vendor.tz)
    if moment is None and not problems:
        reader.fail(tr("missing field 'date_created_gmt' (the refund's date)"), "date_created_gmt")
    if not order.counts or moment is None or problems:
        return parsed
    if amount < 0:
        reader.fail(tr("the refund amount should be positive"), "amount", format_nok(amount))
        return parsed
    builder = _Builder(
        reader, vendor, config, categories or {}, order.rates, parsed.receipt_id, moment,
        f"order {order.number} refund {refund_id}",
    )
    builder.goods(reader.items(refund, "line_items", "line_items"), "line_items", refund=True)
    builder.shipping(reader.items(refund, "shipping_lines", "shipping_lines"))
    builder.goods(reader.items(refund, "fee_lines", "fee_lines"), "fee_lines", refund=True)
    residual = -amount - sum(line.amount for line in builder.lines)
    if abs(residual) > builder.parts + 1:
        # Amount-only refund, or an amount beyond the refunded items: split it over the order.
        builder.spread(residual, order.lines)
    if not problems:
        builder.settle(-amount, "amount")
    if amount:
        builder.add(LineType.PAYMENT, order.payment_method, None, -amount, 0)
    parsed.lines = builder.lines
    if order.rate is not None:  # the order was converted: its refund at the order's rate
        parsed.lines = convert(parsed.lines, order.rate)
        amount = to_nok(amount, order.rate)
    parsed.entry = OrderEntry(
        "refund", refund_id, order.order_id, order.number, builder.day, moment, -amount, order.payment_method,
        order.status,
    )
    return parsed
