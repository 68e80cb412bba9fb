"""The settlement report: a vendor-day as a value (data), as PDF (pdf), and payment totals for
reconciliation (reconciliation). `from_store.day_report_for` reads a day from the store."""

from settlement.report.data import DayReport, build_day_report
from settlement.report.pdf import render_pdf

__all__ = ["DayReport", "build_day_report", "render_pdf"]
