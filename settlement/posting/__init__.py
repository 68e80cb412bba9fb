"""Posting daily vouchers to a ledger exactly once: the port (ledger.py), the engine (settle.py), catch-up, claims."""
