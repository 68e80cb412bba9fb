"""The pure core: money, VAT, business days, sales, problems, the chart and vendors parsers, the
voucher and the posting rules. Standard library only: no I/O, clock or environment."""
