"""Contract test: the sandbox's GET answers match the response schemas of Fiken's own OpenAPI spec
(../shared/fiken/fiken-openapi.yaml). Schemas are made strict here: no properties beyond the spec's,
and none of the spec's writeOnly properties, so a made-up or misspelt field fails the test."""

from __future__ import annotations

import copy
import functools

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox
from tests.conftest import shared_file

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")


@functools.lru_cache(maxsize=1)
def load_spec(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def strict(schema: dict, spec: dict, seen: tuple[str, ...] = ()) -> dict:
    """The schema with $refs inlined, allOf merged, extra and writeOnly properties forbidden."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:  # a cycle: accept anything below this point
            return {}
        return strict(spec["components"]["schemas"][name], spec, seen + (name,))
    schema = copy.copy(schema)
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}, "required": []}
        for part in schema.pop("allOf"):
            part = strict(part, spec, seen)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        merged["additionalProperties"] = False
        return merged
    if "items" in schema:
        schema["items"] = strict(schema["items"], spec, seen)
    if "properties" in schema:
        schema["properties"] = {
            name: (False if prop.get("writeOnly") else strict(prop, spec, seen))
            for name, prop in schema["properties"].items()}
        schema["additionalProperties"] = False
    if schema.get("nullable"):
        schema["type"] = [schema["type"], "null"]
    return schema


def response_schema(spec: dict, template: str, method: str = "get") -> dict:
    operation = spec["paths"][template][method]
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.fixture(scope="module")
def spec():
    return load_spec(str(shared_file("fiken/fiken-openapi.yaml")))


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
