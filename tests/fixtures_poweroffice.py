"""Pytest fixtures around the PowerOffice Go sandbox, and the PowerOffice contract: what our client
sends and what the sandbox answers, checked against PowerOffice's v2 OpenAPI spec
(../shared/poweroffice/poweroffice-go-v2-openapi.yaml, parsed once per session: it is 1.6 MB).

At the end of each test using `poweroffice_sandbox`, every JSON or multipart body our client sent
(recognised by its X-Request-ID) is validated against the operation's request schema made strict
(tests/contract_check.strict: no property the spec lacks, none of its readOnly ones), every JSON
answer with a schema in the spec (201/200 DTOs, 400/404 ProblemDetails) against that schema, and
every request our client sent must be an operation of the spec. The token endpoint is not in the
v2 spec and is left out. Without ../shared the checks are skipped with that reason in the summary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlement.poweroffice_sandbox import PowerOfficeSandbox
from settlement.sandbox_kit.records import RecordedRequest
from settlement.targets.retry import RetryPolicy
from tests.contract_check import SpecContract, location, summarize

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "poweroffice" / "poweroffice-go-v2-openapi.yaml"
API_PREFIX = "/v2"
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)


def load_spec(path: Path = SPEC_PATH) -> dict | None:
    if not path.exists():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader parses the 1.6 MB in a fraction
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


class PowerOfficeContract(SpecContract):
    """The spec and the tally of what was checked against it during the session."""

    ledger = "PowerOffice"
    api_prefix = API_PREFIX
    client_prefix = API_PREFIX + "/"

    def response_problems(self, record: RecordedRequest) -> list[str]:
        import jsonschema

        if record.response is None or not record.path.startswith(API_PREFIX + "/"):
            return []
        api_path = record.path[len(API_PREFIX):]
        found = self.operation(record.method, api_path)
        if found is None:
            return []  # an unknown path: request_problems names it when the client sent it
        template, operation = found
        responses = operation.get("responses", {})
        answer = (responses.get(str(record.status)) or {}).get("content", {}).get("application/json")
        if answer is None:
            if record.status < 300:
                return [f"{record.method} {api_path}: the spec gives no JSON answer with {record.status}"]
            return []  # 401/403/429: the gateway's own bodies, not in the spec
        # ProblemDetails (400/404) allows extension members (additionalProperties: {}).
        schema = self._schema(("response", record.method, template, record.status), answer["schema"], "writeOnly",
                              open_object=record.status >= 400)
        self.checked[("answer", record.method, template)] += 1
        return [f"{record.method} {api_path} ({record.status}): answer {e.message} at {location(e)}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(record.response)]


CONTRACT_KEY = pytest.StashKey[PowerOfficeContract]()


def pytest_configure(config: pytest.Config) -> None:
    # Parsed lazily, once, by the first test that needs it (most runs never start this sandbox).
    config.stash[CONTRACT_KEY] = None


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    summarize(terminalreporter, config.stash.get(CONTRACT_KEY, None), SPEC_PATH, lambda kinds, operations: (
        f"PowerOffice contract: {kinds['request body']} request bodies and {kinds['answer']} sandbox answers "
        f"checked against PowerOffice's v2 OpenAPI spec ({operations} operations)"))


@pytest.fixture(scope="session")
def poweroffice_contract(pytestconfig) -> PowerOfficeContract:
    """The session's contract checker (the spec parsed on first use)."""
    contract = pytestconfig.stash.get(CONTRACT_KEY, None)
    if contract is None:
        contract = PowerOfficeContract(load_spec())
        pytestconfig.stash[CONTRACT_KEY] = contract
    return contract


@pytest.fixture
def poweroffice_sandbox(poweroffice_contract):
    """A freshly seeded PowerOffice sandbox for one test, checked against the spec at teardown."""
    sandbox = PowerOfficeSandbox.start(port=0, max_seconds=600)
    try:
        yield sandbox
    finally:
        sandbox.stop()
    poweroffice_contract.assert_sandbox(sandbox)


@pytest.fixture
def poweroffice_client_for(poweroffice_sandbox):
    """Make a PowerOfficeClient for company 0 (or `company_index`) of the sandbox, with fast retries."""
    from settlement.targets.poweroffice.configure import poweroffice_client

    def make(company_index: int = 0, **options):
        sb = poweroffice_sandbox
        client = poweroffice_client(sb.base_url, sb.token_url, sb.application_key, sb.client_key(company_index),
                                    sb.subscription_key, **options)
        client.transport.retry = FAST_RETRY
        return client

    return make
