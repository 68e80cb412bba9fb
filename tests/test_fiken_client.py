"""FikenClient against the local Fiken sandbox: every operation, ids from Location, typed errors,
X-Request-ID, pagination and the metrics hook."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import requests
from pydantic import SecretStr

from settlement.targets.fiken import (
    AuthenticationError,
    FikenConnectionError,
    ModuleNotActive,
    NotFoundError,
    ValidationError,
)
from settlement.targets.fiken.auth import PersonalToken

MARK = "[settlement:oslo-sentrum:2026-11-02:v1]"


def journal_body(amount: int = 12500, description: str = f"Dagsoppgjør {MARK}") -> dict:
    return {
        "description": description,
        "open": False,
        "journalEntries": [{
            "description": description,
            "date": "2026-11-02",
            "lines": [{"amount": amount, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}],
        }],
    }


def cash_sale_body(sale_number: str = MARK) -> dict:
    return {
        "saleNumber": sale_number, "date": "2026-11-02", "kind": "cash_sale", "paid": True,
        "currency": "NOK", "totalPaid": 12500, "paymentAccount": "1900",
        "lines": [{"description": "Kasse 2. november", "netPrice": 10000, "vat": 2500, "vatType": "HIGH", "account": "3000"}],
    }


def test_user_companies_and_company(make_client):
    client = make_client()
    user = client.user()
    assert user.name and "@" in user.email
    slugs = {c.slug: c for c in client.companies()}
    assert {"demo-as", "demo-prosjekt-as", "uten-api-as"} <= set(slugs)
    company = client.company("demo-as")
    assert company.has_api_access and company.accounting_start_date == date(2026, 1, 1)
    assert company.organization_number == slugs["demo-as"].organization_number
    assert client.company("uten-api-as").has_api_access is False


def test_accounts_are_read_from_page_zero_through_every_page(fiken_sandbox, make_client):
    everything = make_client().accounts("demo-as")
    small_pages = make_client(page_size=7).accounts("demo-as")
    assert small_pages == everything
    assert len(everything) > 7
    pages = [int(r.query["page"]) for r in fiken_sandbox.requests if r.path.endswith("/accounts") and r.query.get("pageSize") == "7"]
    assert pages == list(range((len(everything) + 6) // 7))
    codes = {a["code"] for a in everything}
    assert "1920:10001" in codes  # sub-accounts are included


def test_bank_accounts_and_projects(make_client):
    client = make_client()
    assert "1920:10001" in {b["accountCode"] for b in client.bank_accounts("demo-as")}
    assert client.projects("demo-prosjekt-as")
    with pytest.raises(ModuleNotActive) as caught:
        client.projects("demo-as")
    assert caught.value.status == 402


def test_journal_entry_round_trip_attachment_and_reversal(fiken_sandbox, make_client):
    client = make_client()
    transaction_id = client.create_general_journal_entry("demo-as", journal_body())
    assert transaction_id in {t["transactionId"] for t in fiken_sandbox.transactions("demo-as")}
    entry_ids = client.journal_entry_ids("demo-as", transaction_id)
    assert len(entry_ids) == 1

    location = client.attach_to_journal_entry("demo-as", entry_ids[0], "z-rapport.pdf", b"%PDF-1.4 z")
    assert location.startswith("http")
    assert ("journalEntry", entry_ids[0], "z-rapport.pdf", b"%PDF-1.4 z") in fiken_sandbox.attachments("demo-as")

    found = client.journal_entries("demo-as", date(2026, 11, 2), date(2026, 11, 2))
    assert [e["journalEntryId"] for e in found] == entry_ids
    assert client.journal_entries("demo-as", date(2026, 11, 3)) == []

    reversed_ = client.reverse_transaction("demo-as", transaction_id, f"Reversert {MARK}")
    assert reversed_["deleted"] is True
    assert {t["transactionId"]: t for t in fiken_sandbox.transactions("demo-as")}[transaction_id]["deleted"] is True


def test_cash_sale_found_by_sale_number_and_attachment(fiken_sandbox, make_client):
    client = make_client()
    sale_id = client.create_cash_sale("demo-as", cash_sale_body())
    found = client.find_sales("demo-as", MARK)
    assert [s["saleId"] for s in found] == [sale_id]
    assert client.find_sales("demo-as", "[settlement:other]") == []
    client.attach_to_sale("demo-as", sale_id, "z.pdf", b"%PDF-1.4 s")
    assert ("sale", sale_id, "z.pdf", b"%PDF-1.4 s") in fiken_sandbox.attachments("demo-as")


def test_unbalanced_entry_is_a_validation_error_with_fikens_message(make_client):
    body = journal_body()
    body["journalEntries"][0]["lines"] = [{"amount": 10000, "debitAccount": "1900"}, {"amount": 9000, "creditAccount": "3000"}]
    with pytest.raises(ValidationError) as caught:
        make_client().create_general_journal_entry("demo-as", body)
    assert caught.value.status == 400
    assert "ikke null" in caught.value.detail


def test_typed_errors_for_unknown_company_missing_api_module_and_bad_token(fiken_sandbox, make_client):
    client = make_client()
    with pytest.raises(NotFoundError):
        client.company("finnes-ikke")
    with pytest.raises(ModuleNotActive) as caught:
        client.accounts("uten-api-as")
    assert caught.value.status == 403
    with pytest.raises(AuthenticationError) as caught:
        make_client(token=PersonalToken(SecretStr("wrong-token"))).user()
    assert "personal API token" in str(caught.value) and "wrong-token" not in str(caught.value)


def test_connection_refused_is_a_connection_error(fiken_sandbox, make_client):
    client = make_client()
    fiken_sandbox.stop()
    with pytest.raises(FikenConnectionError) as caught:
        client.user()
    assert "connection refused" in str(caught.value)


def test_every_request_carries_a_fresh_request_id_and_is_reported(fiken_sandbox, make_client):
    sent_ids = []

    def remember(response, *args, **kwargs):
        sent_ids.append(response.request.headers["X-Request-ID"])

    session = requests.Session()
    session.hooks["response"].append(remember)
    reports = []
    client = make_client(session=session, on_request=reports.append)
    client.user()
    client.accounts("demo-as")
    client.create_general_journal_entry("demo-as", journal_body())
    assert len(sent_ids) == 3 == len(set(sent_ids))
    assert all(uuid.UUID(i) for i in sent_ids)
    assert [r.request_id for r in reports] == sent_ids
    assert [(r.method, r.path, r.status) for r in reports] == [
        ("GET", "/user", 200),
        ("GET", "/companies/{slug}/accounts", 200),
        ("POST", "/companies/{slug}/generalJournalEntries", 201),
    ]
    assert all(r.seconds > 0 for r in reports)
    assert len(fiken_sandbox.requests) == 3
