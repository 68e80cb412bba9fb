"""Webshop orders in another currency than NOK: refused for their day, or converted by a rate source.

WooCommerce writes each order's `currency`. The ledger is in NOK, so an order in SEK booked as
if it were NOK would be wrong by the exchange rate without a word. Without `currency_conversion`
in vendors.toml such an order blocks its business day, naming the currency. With it, the order's
amounts are converted at the rate its source gives (NOK per unit):

* "order_meta": the rate the payment gateway or currency plugin writes into the order's
  `meta_data` under the configured key (the order's own rate, the one the customer was charged at);
* "file": a fixed rate file, one `CUR;rate` line per currency (`SEK;0,9712`, `#` comments).

Both amounts are kept and shown: each converted order leaves a note on its day with the amount
in its own currency, the rate and its source, and the NOK amount booked.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from settlement.domain.money import format_nok
from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import tr
from settlement.domain.vendors import CurrencyConversion

COMPANY_CURRENCY = "NOK"


class RateError(ValueError):
    """No usable rate for an order's currency; str() says why."""


def _rate(text: object) -> Decimal:
    try:
        rate = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise RateError(tr("the rate {rate!r} is not a number", rate=str(text)[:40])) from None
    if not rate.is_finite() or rate <= 0 or rate > 100_000:
        raise RateError(tr("the rate {rate!r} is not a plausible exchange rate", rate=str(text)[:40]))
    return rate


def read_rate_file(path: str) -> dict[str, Decimal]:
    """Currency → NOK per unit from a fixed rate file (see the module docstring)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RateError(tr("the rate file {file} cannot be read: {reason}", file=path, reason=exc.strerror or exc)) from None
    rates: dict[str, Decimal] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        currency, sep, value = line.partition(";")
        if not sep or len(currency.strip()) != 3:
            raise RateError(tr("{file}:{line}: expected CUR;rate, e.g. SEK;0,9712", file=path, line=number))
        rates[currency.strip().upper()] = _rate(value)
    return rates


def order_rate(order: dict, currency: str, config: CurrencyConversion, file_rates: dict[str, Decimal] | None) -> tuple[Decimal, str]:
    """(NOK per unit, where the rate came from) for an order in `currency`; raises RateError."""
    if config.rate_source == "order_meta":
        for entry in order.get("meta_data") or []:
            if isinstance(entry, dict) and entry.get("key") == config.meta_key:
                return _rate(entry.get("value")), tr("the order's meta {key}", key=config.meta_key)
        raise RateError(tr("the order has no meta_data {key!r} with its exchange rate", key=config.meta_key))
    rates = file_rates if file_rates is not None else read_rate_file(config.file)
    if currency not in rates:
        raise RateError(tr("the rate file {file} has no rate for {currency}", file=config.file, currency=currency))
    return rates[currency], tr("the rate file {file}", file=config.file)


def to_nok(ore: int, rate: Decimal) -> int:
    """An amount in øre of the order's currency → øre NOK, rounded half up (away from zero)."""
    return int((Decimal(ore) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def convert(lines: list[SaleLine], rate: Decimal) -> list[SaleLine]:
    """The order's lines in NOK: each amount and VAT converted, the payment(s) converted as a
    whole, and what rounding each line on its own leaves booked as a rounding line."""
    from dataclasses import replace

    converted = [replace(line, amount=to_nok(line.amount, rate), vat=to_nok(line.vat, rate)) for line in lines]
    paid = sum(line.amount for line in converted if line.type == LineType.PAYMENT.value)
    billed = sum(line.amount for line in converted if line.type != LineType.PAYMENT.value)
    if paid != billed and converted:
        first = converted[0]
        converted.append(replace(first, type=LineType.ROUNDING.value, code="", fallback_code="", vat_code=None,
                                 amount=paid - billed, vat=0, discount=None))
    return converted


def conversion_note(number: str, currency: str, total: int, rate: Decimal, source: str, nok: int) -> str:
    """The note that shows both amounts of a converted order."""
    return tr("order {number}: {currency} {total} converted at {rate} NOK/{currency} ({source}): NOK {nok} booked",
              number=number, currency=currency, total=format_nok(total), rate=rate, source=source, nok=format_nok(nok))
