"""Tripletex API v2 as a ledger target (docs/tripletex.md): TripletexTarget, TripletexClient and the
factory settlement.targets.tripletex.configure.tripletex_client."""
