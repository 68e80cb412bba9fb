"""The Fiken contract: what our client sends and what the sandbox answers, checked against Fiken's own
OpenAPI spec (../shared/fiken/fiken-openapi.yaml) for the whole test session.

How it works: every sandbox started by the `fiken_sandbox` fixture (tests/fixtures_fiken.py) records
each request it receives. When the test ends, `FikenContract.check_sandbox` validates
- every JSON or multipart body our client sent (recognised by its X-Request-ID header; hand-made
  requests in sandbox tests are deliberately wrong and are left out) against the operation's request
  schema, made strict: no property Fiken does not define, none of its readOnly ones;
- every JSON answer with status 200 against the operation's response schema, made strict: no
  property beyond the spec's, none of its writeOnly ones;
- that every request our client sent is an operation Fiken's spec has.
A violation fails the test that caused it (an error in its teardown). The terminal summary shows how
many bodies and answers were checked per operation. Without ../shared the checks are skipped, and the
summary says so.

For a sandbox started outside the `fiken_sandbox` fixture, ask for the session fixture `fiken_contract`
and call `fiken_contract.assert_sandbox(sandbox)` before stopping it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from settlement.targets.fiken.auth import PersonalToken
from settlement.targets.fiken.client import FikenClient
from settlement.targets.retry import RetryPolicy
from settlement.targets.fiken.transport import SentRequest
from settlement.sandbox_kit.records import RecordedRequest
from settlement.fiken_sandbox.server import API_PREFIX
from tests.contract_check import SpecContract, strict, summarize

__all__ = ["FikenContract", "load_spec", "strict"]  # strict: as test_fiken_sandbox_contract imports it

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "fiken" / "fiken-openapi.yaml"

# Short waits so retry tests stay fast; the shape (exponential, jittered, capped) is the product's.
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)


def load_spec(path: Path = SPEC_PATH) -> dict | None:
    """Fiken's spec, or None when ../shared is not beside the clone."""
    if not path.exists():
        return None
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _explain(error, forbidden: str, schema: dict, instance) -> str:
    """A validation error in words, with where it is; a forbidden property is named as such."""
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    path = list(error.schema_path)
    if error.validator is None and path and path[-1] == "properties":
        # jsonschema reports a property refused by a `false` schema at its parent object, unnamed.
        properties, parent = schema, instance
        for step in path:
            properties = properties[step]
        for step in error.absolute_path:
            parent = parent[step]
        names = [n for n, s in properties.items() if s is False and n in parent and parent[n] == error.instance]
        if names:
            return f"has {names[0]!r} at {where}, which is {forbidden} in Fiken's spec"
    return f"{error.message} at {where}"


class FikenContract(SpecContract):
    """Fiken's spec and the tally of what was checked against it during the session."""

    ledger = "Fiken"
    api_prefix = API_PREFIX
    spec_name = "Fiken's spec"
    _explain = staticmethod(_explain)

    def response_problems(self, record: RecordedRequest) -> list[str]:
        """What is wrong with a 200 JSON answer of the sandbox, by Fiken's spec."""
        import jsonschema

        if record.status != 200 or record.response is None or not record.path.startswith(API_PREFIX):
            return []
        api_path = record.path[len(API_PREFIX):]
        found = self.operation(record.method, api_path)
        if found is None:
            return [f"sandbox answered 200 to {record.method} {api_path}, which Fiken's spec does not have"]
        template, operation = found
        answer = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if answer is None:
            return [f"{record.method} {api_path}: Fiken's spec gives no JSON answer with 200 here"]
        schema = self._schema(("response", record.method, template), answer["schema"], "writeOnly")
        self.checked[("answer", record.method, template)] += 1
        return [f"{record.method} {api_path}: answer {_explain(e, 'writeOnly', schema, record.response)}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(record.response)]


CONTRACT_KEY = pytest.StashKey[FikenContract]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[CONTRACT_KEY] = FikenContract(load_spec())


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    summarize(terminalreporter, config.stash.get(CONTRACT_KEY, None), SPEC_PATH, lambda kinds, operations: (
        f"Fiken contract: {kinds['request body']} request bodies from the client and {kinds['answer']} sandbox "
        f"answers checked against Fiken's OpenAPI spec ({operations} operations)"),
        unchecked=" (../shared sits beside the clone)")


@pytest.fixture(scope="session")
def fiken_contract(pytestconfig) -> FikenContract:
    """The session's contract checker (see the module docstring)."""
    return pytestconfig.stash[CONTRACT_KEY]


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
