"""What the three ledger contract checks share (tests/fixtures_contract.py for Fiken,
tests/fixtures_tripletex.py, tests/fixtures_poweroffice.py): making a spec schema strict, finding
the spec operation of a recorded request, and going through a sandbox's requests at the end of a
test. Each ledger's fixture module keeps its own rules: which answers have a schema, query
parameter checks, how problems are worded.

Not a pytest plugin itself, so the plugins can import it at the top.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

import pytest

from settlement.sandbox_kit.multipart import parse_form
from settlement.sandbox_kit.records import RecordedRequest

WRITES = frozenset({"POST", "PUT", "PATCH"})


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
        # such property) is still the ledger's field: allow it with any value.
        for name in schema.get("required", []):
            schema["properties"].setdefault(name, {})
        schema["additionalProperties"] = False
    if schema.get("nullable") and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def template_pattern(template: str) -> re.Pattern:
    """A regular expression matching the paths of a spec path template ("/vouchers/{id}")."""
    return re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")


def location(error, top: str = "top level") -> str:
    """Where in the instance a jsonschema error is ("lines/0/amount")."""
    return "/".join(map(str, error.absolute_path)) or top


def form_instance(record: RecordedRequest, file_value) -> dict:
    """A multipart body as the object its schema describes: text fields as text, files as `file_value`."""
    parts = parse_form(record.content_type, record.body if isinstance(record.body, bytes) else b"")
    return {name: (part.data.decode("utf-8", "replace") if part.filename is None else file_value)
            for name, part in parts.items()}


def summarize(terminalreporter, contract: "SpecContract | None", spec_path, line, unchecked: str = "") -> None:
    """Write a contract's line of the terminal summary: `line(kinds, operations)` after checks, a
    "not checked" line (with `unchecked` appended) without the spec, nothing when it was not used."""
    if contract is None:
        return
    if not contract.available:
        terminalreporter.write_line(f"{contract.ledger} contract: not checked, {spec_path} is not present{unchecked}")
        return
    if contract.checked:
        terminalreporter.write_line(line(*tally(contract.checked)))


def tally(checked: Counter) -> tuple[Counter, int]:
    """(count per kind, number of operations) of a contract's `checked` tally, for the summary."""
    kinds: Counter = Counter()
    for (kind, _method, _template), count in checked.items():
        kinds[kind] += count
    return kinds, len({(m, t) for _k, m, t in checked})


class SpecContract:
    """A ledger's spec and the tally of what was checked against it during the session. Subclasses
    set the class attributes below and implement response_problems (which answers have a schema
    differs from ledger to ledger)."""

    ledger = ""  # the name in messages ("Fiken")
    api_prefix = ""  # the path prefix of the API in the sandbox ("/api/v2")
    client_prefix = ""  # what a request path starts with to be checked as our client's (default api_prefix)
    spec_name = "the spec"  # how a message about media types names the spec
    file_value: Any = "<file>"  # what an uploaded file stands as in a multipart body's instance
    top = "top level"  # where an error at the top of the instance is

    def __init__(self, spec: dict | None):
        self.spec = spec
        self.checked: Counter[tuple[str, str, str]] = Counter()  # (kind, METHOD, template) → count
        self._routes = [] if spec is None else [(template_pattern(t), t) for t in spec["paths"]]
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

    def _schema(self, key: tuple, schema: dict, forbidden: str, open_object: bool = False) -> dict:
        """The strict form of a spec schema, made once per `key`; `open_object` lets the top object
        have members the schema does not name (ProblemDetails' extension members)."""
        if key not in self._schemas:
            made = strict(schema, self.spec, forbidden)
            if open_object:
                made["additionalProperties"] = True
            self._schemas[key] = made
        return self._schemas[key]

    def request_problems(self, record: RecordedRequest) -> list[str]:
        """What is wrong with a request our client sent, by the ledger's spec."""
        import jsonschema

        api_path = record.path[len(self.api_prefix):]
        where = f"{record.method} {api_path}"
        found = self.operation(record.method, api_path)
        if found is None:
            return [f"{where}: no such operation in {self.ledger}'s spec"]
        template, operation = found
        problems = self._query_problems(record, where, template, operation)
        if record.method not in WRITES or record.body is None:
            return problems
        content = {media.split(";")[0].strip(): value for media, value in
                   (operation.get("requestBody") or {}).get("content", {}).items()}
        media = record.content_type.split(";")[0].strip().lower()
        if media not in content:
            return problems + [
                f"{where}: {self.spec_name} takes {sorted(content)} here, the client sent {media or 'nothing'}"]
        instance = form_instance(record, self.file_value) if media == "multipart/form-data" else record.body
        schema = self._schema(("request", record.method, template, media), content[media]["schema"], "readOnly")
        self.checked[("request body", record.method, template)] += 1
        return problems + [f"{where}: request body {self._explain(e, 'readOnly', schema, instance)}"
                           for e in jsonschema.Draft7Validator(schema).iter_errors(instance)]

    def _query_problems(self, record: RecordedRequest, where: str, template: str, operation: dict) -> list[str]:
        """What is wrong with the request's query parameters (not checked unless a ledger does)."""
        return []

    def _explain(self, error, forbidden: str, schema: dict, instance) -> str:
        """A validation error in words, with where it is."""
        return f"{error.message} at {location(error, self.top)}"

    def response_problems(self, record: RecordedRequest) -> list[str]:
        raise NotImplementedError

    def check_sandbox(self, sandbox) -> list[str]:
        """Every contract violation in what the sandbox received and answered so far."""
        if not self.available:
            return []
        problems: list[str] = []
        prefix = self.client_prefix or self.api_prefix
        for record in sandbox.requests:
            if record.request_id and record.path.startswith(prefix):
                problems += self.request_problems(record)
            problems += self.response_problems(record)
        return problems

    def assert_sandbox(self, sandbox) -> None:
        """Fail the current test when anything the sandbox saw breaks the ledger's spec."""
        problems = self.check_sandbox(sandbox)
        if problems:
            shown = "\n  ".join(dict.fromkeys(problems))
            pytest.fail(f"{self.ledger} contract violated ({len(problems)}):\n  {shown}", pytrace=False)
