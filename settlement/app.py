"""The one place that wires concrete adapters together: settings → vendors, chart, store.

The CLI, the scheduler and the demo all start from `App.load()`; library code below this layer
receives what it needs as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from settlement.chart import Chart, load_chart
from settlement.money import MAX_BOUND_ORE, AmountError, format_nok, parse_amount
from settlement.problems import Problem
from settlement.settings import Settings, load_settings
from settlement.store import SalesStore, open_engine
from settlement.vendors import Vendor, load_vendors


class ConfigurationError(Exception):
    """The vendors file or chart of accounts has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class App:
    """Loaded configuration and the adapters built from it."""

    settings: Settings
    vendors: dict[str, Vendor]
    chart: Chart
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def load(cls, settings: Settings | None = None) -> "App":
        """Load vendors and chart of accounts; problems are kept for `accounts check` to show."""
        settings = settings or load_settings()
        vendors, problems = load_vendors(settings.vendors)
        chart, chart_problems = load_chart(settings.chart_of_accounts, [v.id for v in vendors])
        app = cls(settings, {v.id: v for v in vendors}, chart, problems + chart_problems)
        for name in ("max_line_amount", "max_day_amount"):  # bad bounds: found before any import
            try:
                app._bound(name)
            except ConfigurationError as exc:
                app.problems += exc.problems
        return app

    def require_valid(self) -> "App":
        """Raise ConfigurationError if the configuration has errors."""
        errors = [p for p in self.problems if p.is_error]
        if errors:
            raise ConfigurationError(errors)
        return self

    def vendor(self, vendor_id: str) -> Vendor:
        try:
            return self.vendors[vendor_id]
        except KeyError:
            known = ", ".join(sorted(self.vendors)) or "none"
            raise ConfigurationError(
                [Problem(f"unknown vendor {vendor_id!r} (known: {known})", file=str(self.settings.vendors))]
            ) from None

    @cached_property
    def engine(self) -> Engine:
        return open_engine(self.settings.database_url)

    @cached_property
    def sales(self) -> SalesStore:
        return SalesStore(self.engine, max_day_ore=self.max_day_ore)

    @property
    def max_line_ore(self) -> int:
        """The per-line plausibility bound in øre (SETTLEMENT_MAX_LINE_AMOUNT)."""
        return self._bound("max_line_amount")

    @property
    def max_day_ore(self) -> int:
        """The per-day plausibility bound in øre (SETTLEMENT_MAX_DAY_AMOUNT)."""
        return self._bound("max_day_amount")

    def _bound(self, name: str) -> int:
        text = getattr(self.settings, name)
        try:
            ore = parse_amount(text, limit=MAX_BOUND_ORE)
        except AmountError:
            ore = 0
        if ore <= 0:
            raise ConfigurationError([Problem(
                f"SETTLEMENT_{name.upper()} must be an amount in NOK from 0,01 to {format_nok(MAX_BOUND_ORE, thousands='')}",
                value=text,
            )])
        return ore

    @property
    def tolerance(self) -> int:
        """The difference tolerance in øre."""
        return parse_amount(self.settings.difference_tolerance)
