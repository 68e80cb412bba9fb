"""Contract test: the sandbox's GET answers match the response schemas of Fiken's own OpenAPI spec
(../shared/fiken/fiken-openapi.yaml). Schemas are made strict (tests/fixtures_contract.py): no
properties beyond the spec's, and none of the spec's writeOnly properties, so a made-up or misspelt
field fails the test.

The session-wide check of every request body our client sends (and every answer) lives in
tests/fixtures_contract.py; the last tests here prove that it catches what it should."""

from __future__ import annotations

import time

import pytest
import requests
from pydantic import SecretStr

from settlement.targets.fiken.auth import PersonalToken
from settlement.targets.fiken.client import FikenClient
from settlement.fiken_sandbox import FikenSandbox
from settlement.sandbox_kit.records import RecordedRequest
from tests.conftest import shared_file
from tests.fixtures_contract import FikenContract, load_spec, strict

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")


def response_schema(spec: dict, template: str, method: str = "get") -> dict:
    operation = spec["paths"][template][method]
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.fixture(scope="module")
def spec():
    return load_spec(shared_file("fiken/fiken-openapi.yaml"))


@pytest.fixture(scope="module")
def populated():
    """A sandbox with one of everything: fri postering with attachment, cash sale with attachment,
    a reversed entry."""
    sb = FikenSandbox.start(port=0, max_seconds=120, rate_limit_per_second=None)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {sb.personal_token}"
    base = f"{sb.base_url}/companies/demo-prosjekt-as"
    body = {"description": "Oppgjør", "journalEntries": [{"description": "Dagsoppgjør", "date": "2026-03-02", "lines": [
        {"amount": 10000, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}]}]}
    location = http.post(base + "/generalJournalEntries", json=body).headers["Location"]
    transaction = http.get(location).json()
    entry_id = transaction["entries"][0]["journalEntryId"]
    files = {"filename": (None, "z.pdf"), "file": ("z.pdf", b"%PDF-1.4", "application/pdf")}
    assert http.post(f"{base}/journalEntries/{entry_id}/attachments", files=files).status_code == 201
    sale = {"saleNumber": "Z1", "date": "2026-03-02", "kind": "cash_sale", "paid": True, "currency": "NOK",
            "totalPaid": 1250, "paymentAccount": "1920:10001", "customerId": 9100001, "projectId": 73408301,
            "lines": [{"description": "Varer", "netPrice": 1000, "vat": 250, "vatType": "HIGH"}]}
    sale_location = http.post(base + "/sales", json=sale).headers["Location"]
    assert http.post(sale_location + "/attachments", params={"attachToSale": "true"}, files=files).status_code == 201
    other = http.post(base + "/generalJournalEntries", json=body).headers["Location"]
    deleted = http.patch(other + "/delete", params={"description": "Feil"})
    assert deleted.status_code == 200
    ids = {"entry": entry_id, "transaction": transaction["transactionId"], "sale": int(sale_location.rsplit("/", 1)[1])}
    yield sb, http, base, ids, deleted.json()
    http.close()
    sb.stop()


CASES = [
    ("/user", "/user", {}),
    ("/companies", "/companies", {}),
    ("/companies/{companySlug}", "", {}),
    ("/companies/{companySlug}/accounts", "/accounts", {"pageSize": 100}),
    ("/companies/{companySlug}/accounts/{accountCode}", "/accounts/1920:10001", {}),
    ("/companies/{companySlug}/accountBalances", "/accountBalances", {"date": "2026-12-31"}),
    ("/companies/{companySlug}/bankAccounts", "/bankAccounts", {}),
    ("/companies/{companySlug}/bankAccounts/{bankAccountId}", "/bankAccounts/2747365", {}),
    ("/companies/{companySlug}/projects", "/projects", {}),
    ("/companies/{companySlug}/projects/{projectId}", "/projects/73408301", {}),
    ("/companies/{companySlug}/contacts", "/contacts", {}),
    ("/companies/{companySlug}/journalEntries", "/journalEntries", {}),
    ("/companies/{companySlug}/journalEntries/{journalEntryId}", "/journalEntries/{entry}", {}),
    ("/companies/{companySlug}/journalEntries/{journalEntryId}/attachments", "/journalEntries/{entry}/attachments", {}),
    ("/companies/{companySlug}/transactions", "/transactions", {}),
    ("/companies/{companySlug}/transactions/{transactionId}", "/transactions/{transaction}", {}),
    ("/companies/{companySlug}/sales", "/sales", {}),
    ("/companies/{companySlug}/sales/{saleId}", "/sales/{sale}", {}),
    ("/companies/{companySlug}/sales/{saleId}/attachments", "/sales/{sale}/attachments", {}),
]


@pytest.mark.parametrize("template, path, params", CASES, ids=[c[0] for c in CASES])
def test_get_answers_match_fikens_response_schema(spec, populated, template, path, params):
    sb, http, base, ids, _ = populated
    target = (sb.base_url + path) if template in ("/user", "/companies") else base + path.format(**ids)
    reply = http.get(target, params=params)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body not in ([], {}), "an empty answer proves nothing"
    jsonschema.validate(body, strict(response_schema(spec, template), spec))


def test_reversal_answer_matches_the_transaction_schema(spec, populated):
    *_, deleted = populated
    schema = response_schema(spec, "/companies/{companySlug}/transactions/{transactionId}/delete", "patch")
    jsonschema.validate(deleted, strict(schema, spec))


def test_strict_schema_catches_an_invented_field(spec):
    schema = strict(response_schema(spec, "/companies/{companySlug}/journalEntries/{journalEntryId}"), spec)
    good = {"journalEntryId": 1, "description": "Dagsoppgjør", "date": "2026-03-02",
            "lines": [{"amount": 1, "account": "1900"}]}
    jsonschema.validate(good, schema)
    invented = {**good, "memo": "x"}
    request_only_shape = {**good, "lines": [{"amount": 1, "debitAccount": "1900"}]}
    missing_required = {key: value for key, value in good.items() if key != "description"}
    for bad in (invented, request_only_shape, missing_required):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


# --- the session-wide checker (tests/fixtures_contract.py) ------------------------------------------


@pytest.fixture
def contract(spec):
    return FikenContract(spec)


@pytest.fixture
def quiet_sandbox():
    sandbox = FikenSandbox.start(port=0, max_seconds=60, rate_limit_per_second=None)
    yield sandbox
    sandbox.stop()


def client_for(sandbox) -> FikenClient:
    return FikenClient(sandbox.base_url, PersonalToken(SecretStr(sandbox.personal_token)))


GOOD_ENTRY = {"description": "Oppgjør", "journalEntries": [{"description": "Dag", "date": "2026-03-02", "lines": [
    {"amount": 10000, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}]}]}


def test_checker_passes_the_clients_valid_bodies_and_counts_them(contract, quiet_sandbox):
    client = client_for(quiet_sandbox)
    transaction_id = client.create_general_journal_entry("demo-as", GOOD_ENTRY)
    entry_id = client.transaction("demo-as", transaction_id)["entries"][0]["journalEntryId"]
    client.attach_to_journal_entry("demo-as", entry_id, "z.pdf", b"%PDF-1.4")
    assert contract.check_sandbox(quiet_sandbox) == []
    assert contract.checked[("request body", "POST", "/companies/{companySlug}/generalJournalEntries")] == 1
    assert contract.checked[("request body", "POST", "/companies/{companySlug}/journalEntries/{journalEntryId}/attachments")] == 1
    assert contract.checked[("answer", "GET", "/companies/{companySlug}/transactions/{transactionId}")] == 1


def test_checker_flags_an_invented_or_read_only_field_the_client_sends(contract, quiet_sandbox):
    transport = client_for(quiet_sandbox).transport
    invented = {**GOOD_ENTRY, "memo": "x"}
    read_only = {**GOOD_ENTRY, "journalEntries": [{**GOOD_ENTRY["journalEntries"][0], "journalEntryId": 5}]}
    for body in (invented, read_only):
        with pytest.raises(Exception):  # the sandbox refuses them too (400)
            transport.send("POST", "/companies/{slug}/generalJournalEntries", {"slug": "demo-as"}, json=body)
    problems = contract.check_sandbox(quiet_sandbox)
    assert len(problems) == 2, problems
    assert "'memo' was unexpected" in problems[0]
    assert "has 'journalEntryId' at journalEntries/0, which is readOnly in Fiken's spec" in problems[1]


def test_checker_flags_an_unknown_operation_but_ignores_hand_made_requests(contract, quiet_sandbox):
    transport = client_for(quiet_sandbox).transport
    with pytest.raises(Exception):
        transport.send("POST", "/companies/{slug}/cashRegisters", {"slug": "demo-as"}, json={"a": 1})
    requests.post(quiet_sandbox.base_url + "/companies/demo-as/generalJournalEntries", json={"memo": 1},
                  headers={"Authorization": f"Bearer {quiet_sandbox.personal_token}"}, timeout=5)
    assert contract.check_sandbox(quiet_sandbox) == [
        "POST /companies/demo-as/cashRegisters: no such operation in Fiken's spec"]


def test_checker_flags_a_multipart_field_fiken_does_not_take(contract, quiet_sandbox):
    transport = client_for(quiet_sandbox).transport
    files = {"filename": (None, "z.pdf"), "colour": (None, "red"), "file": ("z.pdf", b"%PDF-1.4", "application/pdf")}
    entry = quiet_sandbox.add_journal_entry("demo-as", "2026-03-02", "Annet", GOOD_ENTRY["journalEntries"][0]["lines"])
    entry_id = entry["entries"][0]["journalEntryId"]
    try:
        transport.send("POST", "/companies/{slug}/journalEntries/{id}/attachments",
                       {"slug": "demo-as", "id": entry_id}, files=files)
    except Exception:
        pass  # whether the sandbox takes the extra field is not the point here
    problems = contract.check_sandbox(quiet_sandbox)
    assert len(problems) == 1 and "'colour' was unexpected" in problems[0], problems


def test_checker_flags_an_answer_with_an_invented_or_write_only_field(contract):
    now = time.monotonic()

    def answer(body):
        return RecordedRequest("GET", "/api/v2/companies/demo-as/contacts", {}, None, "t", 200, now, now,
                               response=body)

    good = [{"contactId": 1, "name": "Kasseoppgjør", "customer": True}]
    assert contract.response_problems(answer(good)) == []
    assert "'nickname' was unexpected" in contract.response_problems(answer([{**good[0], "nickname": "K"}]))[0]
    assert contract.response_problems(answer([{**good[0], "currency": "NOK"}])) == [
        "GET /companies/demo-as/contacts: answer has 'currency' at 0, which is writeOnly in Fiken's spec"]
