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

import copy
import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import SecretStr

from settlement.targets.fiken.auth import PersonalToken
from settlement.targets.fiken.client import FikenClient
from settlement.targets.retry import RetryPolicy
from settlement.targets.fiken.transport import SentRequest
from settlement.sandbox_kit.multipart import parse_form
from settlement.sandbox_kit.records import RecordedRequest
from settlement.fiken_sandbox.server import API_PREFIX

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "fiken" / "fiken-openapi.yaml"
WRITES = frozenset({"POST", "PUT", "PATCH"})

# Short waits so retry tests stay fast; the shape (exponential, jittered, capped) is the product's.
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)


def strict(schema: dict, spec: dict, forbidden: str = "writeOnly", seen: tuple[str, ...] = ()) -> dict:
    """The schema with $refs inlined, allOf merged, and no room for properties the spec does not give:
    additionalProperties false, and properties marked `forbidden` (writeOnly for answers, readOnly for
    requests) not allowed at all."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:  # a cycle: accept anything below this point
            return {}
        return strict(spec["components"]["schemas"][name], spec, forbidden, seen + (name,))
    schema = copy.copy(schema)
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}, "required": []}
        for part in schema.pop("allOf"):
            part = strict(part, spec, forbidden, seen)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        merged["additionalProperties"] = False
        return merged
    if "items" in schema:
        schema["items"] = strict(schema["items"], spec, forbidden, seen)
    if "properties" in schema:
        schema["properties"] = {
            name: (False if prop.get(forbidden) else strict(prop, spec, forbidden, seen))
            for name, prop in schema["properties"].items()}
        # A field the spec requires but forgot to describe (saleRequest requires `paid` and lists no
        # such property) is still Fiken's field: allow it with any value.
        for name in schema.get("required", []):
            schema["properties"].setdefault(name, {})
        schema["additionalProperties"] = False
    if schema.get("nullable") and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def load_spec(path: Path = SPEC_PATH) -> dict | None:
    """Fiken's spec, or None when ../shared is not beside the clone."""
    if not path.exists():
        return None
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _template_pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")


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


class FikenContract:
    """Fiken's spec and the tally of what was checked against it during the session."""

    def __init__(self, spec: dict | None):
        self.spec = spec
        self.checked: Counter[tuple[str, str, str]] = Counter()  # (kind, METHOD, template) → count
        self._routes = [] if spec is None else [
            (_template_pattern(template), template) for template in spec["paths"]]
        self._schemas: dict[tuple, dict] = {}

    @property
    def available(self) -> bool:
        return self.spec is not None

    def operation(self, method: str, api_path: str) -> tuple[str, dict] | None:
        """(template, operation) of the spec for e.g. ("POST", "/companies/x/sales"), or None."""
        # Literal segments win over parameters (e.g. /accounts/x before /accounts/{code}).
        matches = [t for pattern, t in self._routes if pattern.match(api_path)]
        for template in sorted(matches, key=lambda t: t.count("{")):
            operation = self.spec["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
        return None

    def _schema(self, key: tuple, schema: dict, forbidden: str) -> dict:
        if key not in self._schemas:
            self._schemas[key] = strict(schema, self.spec, forbidden)
        return self._schemas[key]

    def request_problems(self, record: RecordedRequest) -> list[str]:
        """What is wrong with a request our client sent, by Fiken's spec."""
        import jsonschema

        api_path = record.path[len(API_PREFIX):]
        found = self.operation(record.method, api_path)
        where = f"{record.method} {api_path}"
        if found is None:
            return [f"{where}: no such operation in Fiken's spec"]
        template, operation = found
        if record.method not in WRITES or record.body is None:
            return []
        content = (operation.get("requestBody") or {}).get("content", {})
        media = record.content_type.split(";")[0].strip().lower()
        if media not in content:
            return [f"{where}: Fiken's spec takes {sorted(content)} here, the client sent {media or 'nothing'}"]
        if media == "multipart/form-data":
            parts = parse_form(record.content_type, record.body if isinstance(record.body, bytes) else b"")
            instance = {name: (part.data.decode("utf-8", "replace") if part.filename is None else "<file>")
                        for name, part in parts.items()}
        else:
            instance = record.body
        schema = self._schema(("request", record.method, template, media), content[media]["schema"], "readOnly")
        self.checked[("request body", record.method, template)] += 1
        return [f"{where}: request body {_explain(e, 'readOnly', schema, instance)}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(instance)]

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

    def check_sandbox(self, sandbox) -> list[str]:
        """Every contract violation in what the sandbox received and answered so far."""
        if not self.available:
            return []
        problems: list[str] = []
        for record in sandbox.requests:
            if record.request_id and record.path.startswith(API_PREFIX):
                problems += self.request_problems(record)
            problems += self.response_problems(record)
        return problems

    def assert_sandbox(self, sandbox) -> None:
        """Fail the current test when anything the sandbox saw breaks Fiken's spec."""
        problems = self.check_sandbox(sandbox)
        if problems:
            shown = "\n  ".join(dict.fromkeys(problems))
            pytest.fail(f"Fiken contract violated ({len(problems)}):\n  {shown}", pytrace=False)


CONTRACT_KEY = pytest.StashKey[FikenContract]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[CONTRACT_KEY] = FikenContract(load_spec())


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    contract = config.stash.get(CONTRACT_KEY, None)
    if contract is None:
        return
    if not contract.available:
        terminalreporter.write_line(
            f"Fiken contract: not checked, {SPEC_PATH} is not present (../shared sits beside the clone)")
        return
    if not contract.checked:
        return
    kinds = Counter()
    for (kind, _method, _template), count in contract.checked.items():
        kinds[kind] += count
    operations = len({(m, t) for _k, m, t in contract.checked})
    terminalreporter.write_line(
        f"Fiken contract: {kinds['request body']} request bodies from the client and {kinds['answer']} sandbox "
        f"answers checked against Fiken's OpenAPI spec ({operations} operations)")


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
