"""Accounting systems the posting engine can post to, one package each (see settlement.posting.ledger)."""
