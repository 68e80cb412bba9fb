"""Pytest fixtures around the local Tripletex sandbox (settlement.tripletex_sandbox), and the
Tripletex contract: what our client sends and what the sandbox answers, checked against Tripletex's
own OpenAPI spec (../shared/tripletex/tripletex-openapi.json, parsed once per session).

At the end of each test using `tripletex_sandbox`, every request our client sent (recognised by
its X-Request-ID header; hand-made requests in sandbox tests are left out) must be an operation of
the spec, carry its required query parameters and no unknown ones, and have a body valid against
the operation's request schema made strict (no property the spec lacks, none of its readOnly ones);
every 2xx JSON answer of the sandbox must be valid against the operation's response schema made
strict (no property beyond the spec's). Without ../shared the checks are skipped and the summary
says so.
"""

from __future__ import annotations

import csv
import json
from datetime import date, time
from pathlib import Path

import pytest

from settlement.domain.chart import LedgerRow
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.sandbox_kit.records import RecordedRequest
from settlement.targets.retry import RetryPolicy
from settlement.targets.tripletex.configure import tripletex_client
from settlement.targets.tripletex.target import TripletexTarget
from settlement.tripletex_sandbox import TripletexSandbox
from tests.contract_check import SpecContract, location, summarize

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT.parent / "shared" / "tripletex" / "tripletex-openapi.json"
API_PREFIX = "/v2"
FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.02, cap_seconds=0.2, max_retry_after=5)
GOLDEN_VOUCHERS = ROOT / "tests" / "golden" / "voucher"


class TripletexContract(SpecContract):
    """Tripletex's spec and the tally of what was checked against it during the session."""

    ledger = "Tripletex"
    api_prefix = API_PREFIX
    file_value: dict = {}
    top = "top"

    def _query_problems(self, record: RecordedRequest, where: str, template: str, operation: dict) -> list[str]:
        """Unknown query parameters and missing required ones; every request is counted."""
        problems = []
        query_params = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
        for name in record.query:
            if name not in query_params:
                problems.append(f"{where}: query parameter {name!r} is not in Tripletex's spec")
        for name, param in query_params.items():
            if param.get("required") and name not in record.query:
                problems.append(f"{where}: required query parameter {name!r} is missing")
        self.checked[("request", record.method, template)] += 1
        return problems

    def response_problems(self, record: RecordedRequest) -> list[str]:
        import jsonschema

        if not 200 <= record.status < 300 or record.response is None or not record.path.startswith(API_PREFIX):
            return []
        api_path = record.path[len(API_PREFIX):]
        found = self.operation(record.method, api_path)
        if found is None:
            return [f"sandbox answered {record.status} to {record.method} {api_path}, which the spec does not have"]
        template, operation = found
        responses = operation.get("responses", {})
        answer = (responses.get(str(record.status)) or responses.get("default") or {}).get("content", {})
        answer = answer.get("application/json")
        if answer is None or "schema" not in answer:
            return [f"{record.method} {api_path}: the spec gives no JSON answer here"]
        schema = self._schema(("response", record.method, template), answer["schema"], "writeOnly")
        self.checked[("answer", record.method, template)] += 1
        return [f"{record.method} {api_path}: answer {e.message} at {location(e, 'top')}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(record.response)]


CONTRACT_KEY = pytest.StashKey[TripletexContract]()


def pytest_configure(config: pytest.Config) -> None:
    spec = None
    if SPEC_PATH.exists():
        spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    config.stash[CONTRACT_KEY] = TripletexContract(spec)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    summarize(terminalreporter, config.stash.get(CONTRACT_KEY, None), SPEC_PATH, lambda kinds, _operations: (
        f"Tripletex contract: {kinds['request']} requests ({kinds['request body']} bodies) from the client and "
        f"{kinds['answer']} sandbox answers checked against Tripletex's OpenAPI spec"))


@pytest.fixture(scope="session")
def tripletex_contract(pytestconfig) -> TripletexContract:
    return pytestconfig.stash[CONTRACT_KEY]


@pytest.fixture
def tripletex_sandbox(tripletex_contract):
    """A freshly seeded Tripletex sandbox for one test; afterwards everything our client sent and
    everything the sandbox answered is checked against Tripletex's spec."""
    sandbox = TripletexSandbox.start(port=0, max_seconds=600)
    try:
        yield sandbox
    finally:
        sandbox.stop()
    tripletex_contract.assert_sandbox(sandbox)


# --- helpers for target tests -----------------------------------------------------------------


def default_ledger() -> dict[str, LedgerRow]:
    """chart_of_accounts/default_ledger.csv as LedgerRows by key."""
    path = ROOT / "chart_of_accounts" / "default_ledger.csv"
    rows = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    data = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    for (number, line) in data[1:]:
        key, account, name = next(csv.reader([line], delimiter=";"))
        rows[key] = LedgerRow(key, account, name, "chart_of_accounts/default_ledger.csv", number)
    return rows


def golden_voucher(case: str, day: str, vendor: str = "bergen-bryggen") -> Voucher:
    """The reviewed voucher of a golden case (tests/golden/voucher/<case>.json) as a Voucher."""
    data = json.loads((GOLDEN_VOUCHERS / f"{case}.json").read_text(encoding="utf-8"))[day]
    lines = tuple(VoucherLine(l["section"], l["key"], l["account"], l["name"], l["vat_code"], l["debit"],
                              l["credit"], l["vat"], l["fiken_vat"], tuple(l["codes"]), l["lines"], tuple(l["refs"]))
                  for l in data["lines"])
    return Voucher(vendor, date.fromisoformat(day), lines)


def tripletex_vendor(vendor_id: str = "bergen-bryggen", department: str | None = None,
                     project: str | None = None, enabled_since: date = date(2026, 10, 1)) -> Vendor:
    return Vendor(vendor_id, "Bergen Bryggen", "Europe/Oslo", time(20), time(0), enabled_since,
                  ledger="tripletex", department=department, project=project)


@pytest.fixture
def make_tripletex_target(tripletex_sandbox):
    """Build a TripletexTarget on a real client against the sandbox (company 0 unless told)."""

    def make(company_index: int = 0, **options) -> TripletexTarget:
        options.setdefault("retry_attempts", 4)
        client = tripletex_client(tripletex_sandbox.base_url, tripletex_sandbox.consumer_token,
                                  tripletex_sandbox.employee_token(company_index), **options)
        client.transport.retry = FAST_RETRY
        return TripletexTarget(client)

    return make
