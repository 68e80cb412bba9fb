"""A workspace wired to a running Fiken sandbox, for posting tests."""

from __future__ import annotations

from collections import Counter

import pytest


@pytest.fixture
def posting_ws(workspace, fiken_sandbox):
    """The `workspace` with SETTLEMENT_FIKEN_* pointing at the sandbox's company demo-as."""
    workspace.extra_env.update(
        SETTLEMENT_FIKEN_TOKEN=fiken_sandbox.personal_token,
        SETTLEMENT_FIKEN_BASE_URL=fiken_sandbox.base_url,
    )
    workspace.sandbox = fiken_sandbox
    return workspace


def ledger_effect(sandbox, slug: str, key: str, live_only: bool = True) -> dict[str, int]:
    """Sum of the postings Fiken made (debit +, credit −) per account over entries mentioning `key`:
    live ones only, or (live_only=False) also reversed ones and their reversals."""
    totals: dict[str, int] = {}
    for entry in sandbox.journal_entries(slug):
        if key in (entry.get("description") or "") and not (live_only and entry.get("offsetTransactionId")):
            for line in entry["lines"]:
                totals[line["account"]] = totals.get(line["account"], 0) + line["amount"]
    return totals


def fiken_posts(sandbox) -> list:
    """Every write the sandbox received (POST and PATCH)."""
    return [r for r in sandbox.requests if r.method in ("POST", "PATCH")]


def live_keys(sandbox, slug: str = "demo-as") -> Counter:
    """How many live (not reversed) journal entries carry each settlement key."""
    keys: Counter = Counter()
    for entry in sandbox.journal_entries(slug):
        description = entry.get("description") or ""
        if "[settlement:" in description and not entry.get("offsetTransactionId"):
            keys[description[description.index("[settlement:"):].split("]")[0] + "]"] += 1
    return keys
