"""Fixtures for tests of the Fiken client: a client factory bound to the sandbox that records every
request it sends, for the contract test (tests/test_fiken_contract.py) to check against Fiken's spec."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from settlement.fiken.auth import PersonalToken
from settlement.fiken.client import FikenClient
from settlement.fiken.retry import RetryPolicy
from settlement.fiken.transport import SentRequest

# Short waits so retry tests stay fast; the shape (exponential, jittered, capped) is the product's.
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)


@pytest.fixture(scope="session")
def sent_requests() -> list[SentRequest]:
    """Every attempt made by clients from `make_client`, across the whole test session."""
    return []


@pytest.fixture
def make_client(fiken_sandbox, sent_requests):
    """Build a FikenClient against the sandbox (personal token unless `token` is given)."""

    def make(token=None, **options) -> FikenClient:
        extra_hook = options.pop("on_request", None)

        def record(sent: SentRequest) -> None:
            sent_requests.append(sent)
            if extra_hook is not None:
                extra_hook(sent)

        options.setdefault("retry", FAST_RETRY)
        token = token or PersonalToken(SecretStr(fiken_sandbox.personal_token))
        return FikenClient(fiken_sandbox.base_url, token, on_request=record, **options)

    return make
