"""Posting daily vouchers to Fiken exactly once: keys, payloads, state, and the settle loop."""
