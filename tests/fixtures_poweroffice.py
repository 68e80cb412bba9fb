"""Pytest fixtures around the PowerOffice Go sandbox, and the PowerOffice contract: what our client
sends and what the sandbox answers, checked against PowerOffice's v2 OpenAPI spec
(../shared/poweroffice/poweroffice-go-v2-openapi.yaml, parsed once per session: it is 1.6 MB).

At the end of each test using `poweroffice_sandbox`, every JSON or multipart body our client sent
(recognised by its X-Request-ID) is validated against the operation's request schema made strict
(tests/fixtures_contract.strict: no property the spec lacks, none of its readOnly ones), every JSON
answer with a schema in the spec (201/200 DTOs, 400/404 ProblemDetails) against that schema, and
every request our client sent must be an operation of the spec. The token endpoint is not in the
v2 spec and is left out. Without ../shared the checks are skipped with that reason in the summary.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from settlement.poweroffice_sandbox import PowerOfficeSandbox
from settlement.sandbox_kit.multipart import parse_form
from settlement.sandbox_kit.records import RecordedRequest
from settlement.targets.retry import RetryPolicy
from tests.fixtures_contract import strict

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "poweroffice" / "poweroffice-go-v2-openapi.yaml"
API_PREFIX = "/v2"
WRITES = frozenset({"POST", "PUT", "PATCH"})
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)


def load_spec(path: Path = SPEC_PATH) -> dict | None:
    if not path.exists():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader parses the 1.6 MB in a fraction
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


class PowerOfficeContract:
    """The spec and the tally of what was checked against it during the session."""

    def __init__(self, spec: dict | None):
        self.spec = spec
        self.checked: Counter[tuple[str, str, str]] = Counter()
        self._routes = [] if spec is None else [
            (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)) + "$"), t) for t in spec["paths"]]
        self._schemas: dict[tuple, dict] = {}

    @property
    def available(self) -> bool:
        return self.spec is not None

    def operation(self, method: str, api_path: str) -> tuple[str, dict] | None:
        matches = [t for pattern, t in self._routes if pattern.match(api_path)]
        for template in sorted(matches, key=lambda t: t.count("{")):
            operation = self.spec["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
        return None

    def _schema(self, key: tuple, schema: dict, forbidden: str, open_object: bool = False) -> dict:
        if key not in self._schemas:
            made = strict(schema, self.spec, forbidden)
            if open_object:  # ProblemDetails allows extension members (additionalProperties: {})
                made["additionalProperties"] = True
            self._schemas[key] = made
        return self._schemas[key]

    def request_problems(self, record: RecordedRequest) -> list[str]:
        import jsonschema

        api_path = record.path[len(API_PREFIX):]
        where = f"{record.method} {api_path}"
        found = self.operation(record.method, api_path)
        if found is None:
            return [f"{where}: no such operation in PowerOffice's spec"]
        template, operation = found
        if record.method not in WRITES or record.body is None:
            return []
        content = (operation.get("requestBody") or {}).get("content", {})
        media = record.content_type.split(";")[0].strip().lower()
        if media not in content:
            return [f"{where}: the spec takes {sorted(content)} here, the client sent {media or 'nothing'}"]
        if media == "multipart/form-data":
            parts = parse_form(record.content_type, record.body if isinstance(record.body, bytes) else b"")
            instance = {name: (part.data.decode("utf-8", "replace") if part.filename is None else "<file>")
                        for name, part in parts.items()}
        else:
            instance = record.body
        schema = self._schema(("request", record.method, template, media), content[media]["schema"], "readOnly")
        self.checked[("request body", record.method, template)] += 1
        return [f"{where}: request body {e.message} at {'/'.join(map(str, e.absolute_path)) or 'top level'}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(instance)]

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
        schema = self._schema(("response", record.method, template, record.status), answer["schema"], "writeOnly",
                              open_object=record.status >= 400)
        self.checked[("answer", record.method, template)] += 1
        return [f"{record.method} {api_path} ({record.status}): answer {e.message} at "
                f"{'/'.join(map(str, e.absolute_path)) or 'top level'}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(record.response)]

    def check_sandbox(self, sandbox: PowerOfficeSandbox) -> list[str]:
        if not self.available:
            return []
        problems: list[str] = []
        for record in sandbox.requests:
            if record.request_id and record.path.startswith(API_PREFIX + "/"):
                problems += self.request_problems(record)
            problems += self.response_problems(record)
        return problems

    def assert_sandbox(self, sandbox: PowerOfficeSandbox) -> None:
        problems = self.check_sandbox(sandbox)
        if problems:
            shown = "\n  ".join(dict.fromkeys(problems))
            pytest.fail(f"PowerOffice contract violated ({len(problems)}):\n  {shown}", pytrace=False)


CONTRACT_KEY = pytest.StashKey[PowerOfficeContract]()


def pytest_configure(config: pytest.Config) -> None:
    # Parsed lazily, once, by the first test that needs it (most runs never start this sandbox).
    config.stash[CONTRACT_KEY] = None


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    contract = config.stash.get(CONTRACT_KEY, None)
    if contract is None:
        return
    if not contract.available:
        terminalreporter.write_line(f"PowerOffice contract: not checked, {SPEC_PATH} is not present")
        return
    if contract.checked:
        kinds = Counter()
        for (kind, _m, _t), count in contract.checked.items():
            kinds[kind] += count
        operations = len({(m, t) for _k, m, t in contract.checked})
        terminalreporter.write_line(
            f"PowerOffice contract: {kinds['request body']} request bodies and {kinds['answer']} sandbox answers "
            f"checked against PowerOffice's v2 OpenAPI spec ({operations} operations)")


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
