"""The settlement report: a vendor-day as a value (data), as PDF (pdf), and payment totals for
reconciliation (reconciliation). `from_store.build_report` builds a day's report from its voucher and booking (settlement.wiring.App.day_report for the CLI)."""

from settlement.report.data import DayReport, build_day_report
from settlement.report.pdf import render_pdf

__all__ = ["DayReport", "build_day_report", "render_pdf"]
