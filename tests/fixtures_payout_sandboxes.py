"""Fixtures for the Vipps and Klarna payout sources: their sandboxes on 127.0.0.1, clients with
short retry waits, and the providers' own specs (from ../shared) to check the sandboxes' answers.

The contract check: every JSON answer with status 200 a sandbox recorded is validated against the
spec operation's response schema made strict (no property the spec does not define), and every
request path our client sent must be an operation of the spec.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlement.klarna_sandbox import KlarnaSandbox
from settlement.sources.payouts.klarna import KlarnaClient
from settlement.sources.payouts.vipps import VippsReportClient
from settlement.targets.retry import RetryPolicy
from settlement.vipps_sandbox import VippsSandbox
from tests.contract_check import strict, template_pattern

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "payments"
VIPPS_SPEC = SHARED / "vipps" / "report-api-v2-swagger.yaml"
KLARNA_SPEC = SHARED / "klarna" / "klarna-settlements-api-openapi.yml"

# Short waits so retry tests stay fast; the shape (exponential, jittered, capped) is the product's.
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05, max_retry_after=5)


@pytest.fixture
def vipps():
    """A running Vipps Report API sandbox with small pages (stops at the end of the test, or by itself)."""
    sandbox = VippsSandbox.start(max_seconds=120, page_size=2, ledger_page_size=1)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def klarna():
    """A running Klarna Settlements API sandbox (stops at the end of the test, or by itself)."""
    sandbox = KlarnaSandbox.start(max_seconds=120)
    yield sandbox
    sandbox.stop()


def vipps_client(sandbox: VippsSandbox, *, secret: str | None = None, sleeps: list | None = None,
                 **options: object) -> VippsReportClient:
    """A real client for the sandbox; `sleeps` records every wait instead of waiting."""
    return VippsReportClient(
        sandbox.root_url, client_id=sandbox.client_id, client_secret=secret or sandbox.client_secret,
        subscription_key=sandbox.subscription_key, policy=FAST_RETRY,
        sleep=(sleeps.append if sleeps is not None else (lambda _s: None)), **options)


def klarna_client(sandbox: KlarnaSandbox, *, password: str | None = None, sleeps: list | None = None,
                  page_size: int = 2) -> KlarnaClient:
    return KlarnaClient(sandbox.base_url, username=sandbox.username, password=password or sandbox.password,
                        page_size=page_size, policy=FAST_RETRY,
                        sleep=(sleeps.append if sleeps is not None else (lambda _s: None)))


def load_spec(path: Path) -> dict:
    """A provider's spec, or skip the test naming the missing file."""
    if not path.exists():
        pytest.skip(f"{path} is not present (the reference material sits beside the clone)")
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _resolve(node: dict, spec: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        table = spec["components"][kind]
        node = table[name] if name in table else table[int(name)]  # YAML reads `200:` as a number
    return node


def contract_problems(sandbox, spec: dict, prefix: str = "") -> tuple[list[str], int]:
    """Every 200 JSON answer of the sandbox checked against its operation's strict response schema;
    (problems, how many answers were checked). A request to a path the spec lacks is a problem."""
    import jsonschema

    routes = [(template_pattern(t), t) for t in spec["paths"]]
    problems, checked = [], 0
    for record in sandbox.requests:
        path = record.path[len(prefix):] if record.path.startswith(prefix) else record.path
        if path == "/accesstoken/get":
            continue  # the Access Token API has its own spec, not part of the Report API's
        matches = sorted((t for pattern, t in routes if pattern.match(path)), key=lambda t: t.count("{"))
        operation = next((spec["paths"][t].get(record.method.lower()) for t in matches
                          if spec["paths"][t].get(record.method.lower())), None)
        if operation is None:
            problems.append(f"{record.method} {path}: no such operation in the spec")
            continue
        if record.status != 200 or record.response is None:
            continue
        response = _resolve(operation["responses"].get(200) or operation["responses"].get("200"), spec)
        schema = strict(response["content"]["application/json"]["schema"], spec, "writeOnly")
        checked += 1
        for failure in jsonschema.Draft7Validator(schema).iter_errors(record.response):
            where = "/".join(map(str, failure.absolute_path)) or "top level"
            problems.append(f"{record.method} {path}: {failure.message} at {where}")
    return problems, checked
