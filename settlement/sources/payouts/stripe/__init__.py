"""Stripe payouts: the payout reconciliation report CSV (report_csv.py) and the balance
transactions of each payout through the API (api.py), both itemised by reporting_category
(categories.py) into settlement.domain.payouts items."""
