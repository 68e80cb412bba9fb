"""Klarna payouts: the Settlements API (payouts and their transactions) and the settlement report
CSV. See docs/payouts-klarna.md.

The API names (KlarnaClient, KlarnaSettlementsApiSource, KlarnaError, KlarnaAuthError) are loaded
on first use, so that importing a report file does not load requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from settlement.sources.payouts.klarna.csv_report import KlarnaCsvSource

FILE_SOURCES_KLARNA = [KlarnaCsvSource()]

_LAZY = {"KlarnaSettlementsApiSource": "api", "KlarnaClient": "client", "KlarnaError": "client",
         "KlarnaAuthError": "client"}

__all__ = ["FILE_SOURCES_KLARNA", "KlarnaCsvSource", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
