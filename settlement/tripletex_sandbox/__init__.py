"""A faithful local fake of the Tripletex API v2 on 127.0.0.1 (see docs/tripletex-sandbox.md)."""
