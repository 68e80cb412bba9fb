"""Pytest fixtures around the local Fiken sandbox (settlement.fiken_sandbox)."""

from __future__ import annotations

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox


@pytest.fixture
def fiken_sandbox(fiken_contract):
    """A freshly seeded sandbox on 127.0.0.1 for one test; stopped afterwards (and after 600 s anyway).

    Afterwards everything it received from our client and everything it answered is checked against
    Fiken's OpenAPI spec (tests/fixtures_contract.py); a violation fails the test."""
    sandbox = FikenSandbox.start(port=0, max_seconds=600)
    try:
        yield sandbox
    finally:
        sandbox.stop()
    fiken_contract.assert_sandbox(sandbox)


@pytest.fixture
def fiken_session(fiken_sandbox):
    """A requests.Session carrying the seeded user's personal token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {fiken_sandbox.personal_token}"
        yield session
