"""PowerOffice Go API v2 as a ledger target (docs/poweroffice.md)."""
