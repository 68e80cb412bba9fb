"""Build WooCommerce v3 order and refund objects the way WooCommerce computes them.

Used by the sandbox shop. Amounts are computed in integer øre and rendered as decimal strings:
line totals are stored without tax (also when prices are entered with tax), the tax of each line
is rounded per line, coupons reduce the line totals, and `total` = Σ line totals + Σ fees +
shipping + total tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from settlement.domain.money import parse_amount, round_half_up_div

# Tax rate id and label per Norwegian rate, as a shop would set them up under WooCommerce > Tax.
RATE_IDS = {"25": 1, "15": 2, "12": 3, "0": 4}


def money(ore: int) -> str:
    """øre → WooCommerce decimal string ("-10.00")."""
    sign = "-" if ore < 0 else ""
    whole, rest = divmod(abs(ore), 100)
    return f"{sign}{whole}.{rest:02d}"


def woo_dates(key: str, moment: datetime | None, tz: ZoneInfo) -> dict[str, str | None]:
    """`key` in shop-local time and `key_gmt` in UTC, both without offset, or both null."""
    if moment is None:
        return {key: None, f"{key}_gmt": None}
    return {
        key: moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S"),
        f"{key}_gmt": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
    }


@dataclass
class Item:
    """A product line as the customer bought it. price: unit price as entered in the shop (with
    tax if the shop enters prices with tax); rate: VAT percent; discount: coupon percent."""

    name: str
    price: str
    quantity: int = 1
    rate: str = "25"
    tax_class: str = ""
    sku: str = ""
    product_id: int = 1
    discount: int = 0


def _split(entered: int, rate: int, with_tax: bool) -> tuple[int, int]:
    """(net, tax) of an amount entered with or without tax."""
    if with_tax:
        tax = round_half_up_div(entered * rate, 100 + rate)
        return entered - tax, tax
    return entered, round_half_up_div(entered * rate, 100)


def _taxes(rate: str, tax: int, subtotal_tax: int | None = None) -> list[dict]:
    return [{"id": RATE_IDS[rate], "total": money(tax), "subtotal": money(tax if subtotal_tax is None else subtotal_tax)}]


def build_lines(
    items: list[Item],
    shipping: tuple[str, str, str] | None,
    fees: list[tuple[str, str, str]],
    coupon: str | None,
    prices_include_tax: bool,
    next_id,
) -> dict:
    """line_items, shipping_lines, fee_lines, coupon_lines, tax_lines and all the totals.

    shipping: (method_id, cost without tax, rate); fees: (name, amount without tax, rate)."""
    rate_tax: dict[str, list[int]] = {}  # rate → [item tax, shipping tax]
    line_items, net_sum, discount, discount_tax, cart_tax = [], 0, 0, 0, 0
    for item in items:
        rate = int(item.rate)
        entered = parse_amount(item.price) * item.quantity
        after = entered - round_half_up_div(entered * item.discount, 100)
        sub_net, sub_tax = _split(entered, rate, prices_include_tax)
        net, tax = _split(after, rate, prices_include_tax)
        discount += sub_net - net
        discount_tax += sub_tax - tax
        net_sum += net
        cart_tax += tax
        rate_tax.setdefault(item.rate, [0, 0])[0] += tax
        line_items.append({
            "id": next_id(), "name": item.name, "product_id": item.product_id, "variation_id": 0,
            "quantity": item.quantity, "tax_class": item.tax_class, "subtotal": money(sub_net),
            "subtotal_tax": money(sub_tax), "total": money(net), "total_tax": money(tax),
            "taxes": _taxes(item.rate, tax, sub_tax), "meta_data": [], "sku": item.sku,
            "price": money(net // item.quantity),
        })
    shipping_lines, shipping_total, shipping_tax = [], 0, 0
    if shipping is not None:
        method, cost, rate = shipping
        shipping_total = parse_amount(cost)
        shipping_tax = round_half_up_div(shipping_total * int(rate), 100)
        rate_tax.setdefault(rate, [0, 0])[1] += shipping_tax
        shipping_lines.append({
            "id": next_id(), "method_title": method.replace("_", " ").title(), "method_id": method,
            "instance_id": "1", "total": money(shipping_total), "total_tax": money(shipping_tax),
            "taxes": _taxes(rate, shipping_tax), "meta_data": [],
        })
    fee_lines, fee_total, fee_tax = [], 0, 0
    for name, amount, rate in fees:
        net = parse_amount(amount)
        tax = round_half_up_div(net * int(rate), 100)
        fee_total += net
        fee_tax += tax
        rate_tax.setdefault(rate, [0, 0])[0] += tax
        fee_lines.append({
            "id": next_id(), "name": name, "tax_class": "", "tax_status": "taxable" if int(rate) else "none",
            "total": money(net), "total_tax": money(tax), "taxes": _taxes(rate, tax), "meta_data": [],
        })
    coupon_lines = []
    if coupon:
        coupon_lines.append({"id": next_id(), "code": coupon, "discount": money(discount),
                             "discount_tax": money(discount_tax), "meta_data": []})
    tax_lines = [
        {"id": next_id(), "rate_code": f"NO-MVA {rate}%-1", "rate_id": RATE_IDS[rate], "label": f"MVA {rate}%",
         "compound": False, "tax_total": money(item_tax), "shipping_tax_total": money(ship_tax),
         "rate_percent": int(rate), "meta_data": []}
        for rate, (item_tax, ship_tax) in sorted(rate_tax.items())
    ]
    total_tax = cart_tax + shipping_tax + fee_tax
    return {
        "discount_total": money(discount), "discount_tax": money(discount_tax),
        "shipping_total": money(shipping_total), "shipping_tax": money(shipping_tax), "cart_tax": money(cart_tax),
        "total": money(net_sum + fee_total + shipping_total + total_tax), "total_tax": money(total_tax),
        "line_items": line_items, "tax_lines": tax_lines, "shipping_lines": shipping_lines,
        "fee_lines": fee_lines, "coupon_lines": coupon_lines,
    }


def refund_lines(order: dict, items: list[tuple[int, int]], shipping: bool, next_id) -> tuple[dict, int]:
    """Refund line_items/shipping_lines for (line index, quantity) pairs; returns them and the
    gross amount they make (positive øre)."""
    lines, gross = [], 0
    for index, quantity in items:
        line = order["line_items"][index]
        net = -round_half_up_div(parse_amount(line["total"]) * quantity, line["quantity"])
        tax = -round_half_up_div(parse_amount(line["total_tax"]) * quantity, line["quantity"])
        rate_id = line["taxes"][0]["id"] if line["taxes"] else None
        gross -= net + tax
        lines.append({
            "id": next_id(), "name": line["name"], "product_id": line["product_id"], "variation_id": 0,
            "quantity": -quantity, "tax_class": line["tax_class"], "subtotal": money(net),
            "subtotal_tax": money(tax), "total": money(net), "total_tax": money(tax),
            "taxes": [{"id": rate_id, "total": money(tax), "subtotal": money(tax)}] if rate_id else [],
            "meta_data": [{"id": next_id(), "key": "_refunded_item_id", "value": str(line["id"])}],
            "sku": line["sku"], "price": money(net // quantity) if quantity else "0.00",
        })
    shipping_lines = []
    if shipping:
        for line in order["shipping_lines"]:
            net, tax = -parse_amount(line["total"]), -parse_amount(line["total_tax"])
            gross -= net + tax
            shipping_lines.append({
                "id": next_id(), "method_title": line["method_title"], "method_id": line["method_id"],
                "total": money(net), "total_tax": money(tax),
                "taxes": [{"id": t["id"], "total": money(tax), "subtotal": ""} for t in line["taxes"]],
                "meta_data": [{"id": next_id(), "key": "_refunded_item_id", "value": str(line["id"])}],
            })
    return {"line_items": lines, "shipping_lines": shipping_lines, "fee_lines": []}, gross
