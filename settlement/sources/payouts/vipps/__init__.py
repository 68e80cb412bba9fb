"""Vipps MobilePay payouts: the settlement report files (XML v3/v2, the multi-section CSV, the
portal XLSX) and the Report API (ledgers, funds and fees feeds). See docs/payouts-vipps.md.

The API names (VippsReportClient, VippsReportApiSource, VippsError, VippsAuthError) are loaded on
first use, so that importing a report file does not load requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from settlement.sources.payouts.vipps.csv_report import VippsCsvSource
from settlement.sources.payouts.vipps.xlsx_report import VippsXlsxSource
from settlement.sources.payouts.vipps.xml_report import VippsXmlSource

# The file formats, in the order a file of unsaid format is sniffed.
FILE_SOURCES_VIPPS = [VippsXmlSource(), VippsCsvSource(), VippsXlsxSource()]

_LAZY = {"VippsReportApiSource": "api", "VippsReportClient": "client", "VippsError": "client",
         "VippsAuthError": "client"}

__all__ = ["FILE_SOURCES_VIPPS", "VippsCsvSource", "VippsXlsxSource", "VippsXmlSource", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
