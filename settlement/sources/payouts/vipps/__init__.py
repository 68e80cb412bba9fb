"""Vipps MobilePay payouts: the settlement report files (XML v3/v2, the multi-section CSV, the
portal XLSX) and the Report API (ledgers, funds and fees feeds). See docs/payouts-vipps.md."""

from settlement.sources.payouts.vipps.api import VippsReportApiSource
from settlement.sources.payouts.vipps.client import VippsAuthError, VippsError, VippsReportClient
from settlement.sources.payouts.vipps.csv_report import VippsCsvSource
from settlement.sources.payouts.vipps.xlsx_report import VippsXlsxSource
from settlement.sources.payouts.vipps.xml_report import VippsXmlSource

# The file formats, in the order a file of unsaid format is sniffed.
FILE_SOURCES_VIPPS = [VippsXmlSource(), VippsCsvSource(), VippsXlsxSource()]

__all__ = ["FILE_SOURCES_VIPPS", "VippsAuthError", "VippsError", "VippsReportApiSource", "VippsReportClient", "VippsCsvSource", "VippsXlsxSource", "VippsXmlSource"]
