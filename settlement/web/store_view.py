"""The store page's content: the store's configuration as the product reads it, its chart with
what it inherits from the default ledger, and its daily takings over the last 60 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from settlement.domain.text import N_, tr
from settlement.web.overview import takings

CHART_DAYS = 60
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True)
class StoreView:
    vendor: object
    credential: str  # the credential's name, never its value
    open_days: str
    closed: list  # (date, why)
    ledger_rows: list  # LedgerRow, by key: overridden ones come from the store's own file
    mapping_rows: list  # MappingRow
    days: list  # (date, øre)
    total: int


def build_store(app, vendor_id: str, now: datetime) -> StoreView:
    from settlement.wiring import credential_label

    vendor = app.vendor(vendor_id)
    end = vendor.last_closed_day(now)
    with_sales = set(app.sales.days_with_sales(vendor.id))
    if with_sales and max(with_sales) < end - timedelta(days=CHART_DAYS):
        end = max(with_sales)  # a store whose data stopped long ago: show its last 60 days of data
    days = [end - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    series = [(d, takings(app, vendor.id, d) if d in with_sales else 0) for d in days]
    ledger = sorted(app.chart.ledger(vendor.id).values(), key=lambda row: row.key)
    mapping = sorted(app.chart.mapping(vendor.id).values(), key=lambda row: (row.source, row.code))
    return StoreView(
        vendor, credential_label(vendor), ", ".join(tr(WEEKDAYS[d]) for d in sorted(vendor.open_days)),
        [(d, why) for d, why in vendor.closed if d >= now.date() - timedelta(days=CHART_DAYS)][:30],
        ledger, mapping, series, sum(amount for _, amount in series))


def is_date(value: object) -> bool:
    return isinstance(value, date)
