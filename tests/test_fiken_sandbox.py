"""The Fiken sandbox over real HTTP: auth, paging, fri postering with Fiken's VAT rule, validation,
sales, attachments and reversal. Traffic rules/faults and OAuth have their own files."""

from __future__ import annotations

import time

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox

SLUG = "demo-as"


@pytest.fixture
def sb():
    """A sandbox without the 4-per-second pacing, so the functional tests stay fast."""
    sandbox = FikenSandbox.start(port=0, max_seconds=120, rate_limit_per_second=None)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def http(sb):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {sb.personal_token}"
        yield session


def url(sb, path: str) -> str:
    return f"{sb.base_url}/companies/{SLUG}{path}"


def post_entry(sb, http, lines, description="Dagsoppgjør", day="2026-03-02", **extra):
    body = {"journalEntries": [{"description": description, "date": day, "lines": lines}], **extra}
    return http.post(url(sb, "/generalJournalEntries"), json=body)


def postings(entry: dict) -> list[tuple[str, int, str | None]]:
    return [(line["account"], line["amount"], line.get("vatCode")) for line in entry["lines"]]


# --- lifetime ----------------------------------------------------------------------------------

def test_start_serves_on_loopback_and_stop_closes_the_port():
    sandbox = FikenSandbox.start(port=0, max_seconds=60)
    assert sandbox.base_url.startswith("http://127.0.0.1:") and sandbox.base_url.endswith("/api/v2")
    assert sandbox.token_url == sandbox.base_url.replace("/api/v2", "/oauth/token")
    headers = {"Authorization": f"Bearer {sandbox.personal_token}"}
    assert requests.get(sandbox.base_url + "/user", headers=headers, timeout=5).status_code == 200
    sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/user", headers=headers, timeout=5)


def test_sandbox_stops_by_itself_after_max_seconds():
    sandbox = FikenSandbox.start(port=0, max_seconds=0.3)
    assert sandbox.wait(5), "the sandbox did not stop after its max lifetime"
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/user", timeout=2)


# --- auth --------------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic dXNlcjpwdw=="])
def test_missing_or_unknown_token_is_401(sb, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    reply = requests.get(sb.base_url + "/user", headers=headers, timeout=5)
    assert reply.status_code == 401
    assert reply.json()["message"]
    assert sb.requests[-1].status == 401 and sb.requests[-1].path == "/api/v2/user"


def test_revoked_personal_token_is_401(sb, http):
    assert http.get(sb.base_url + "/user").status_code == 200
    sb.revoke(sb.personal_token)
    assert http.get(sb.base_url + "/user").status_code == 401


def test_user_and_companies_are_the_users_own(sb, http):
    assert http.get(sb.base_url + "/user").json()["name"] == "Demo Regnskapsfører"
    slugs = [c["slug"] for c in http.get(sb.base_url + "/companies").json()]
    assert slugs == ["demo-as", "demo-prosjekt-as", "uten-api-as"]  # name asc
    company = http.get(sb.base_url + "/companies/demo-as").json()
    assert (company["name"], company["organizationNumber"], company["accountingStartDate"],
            company["hasApiAccess"]) == ("Demo AS", "999999999", "2026-01-01", True)
    other = {"Authorization": f"Bearer {sb.other_personal_token}"}
    assert [c["slug"] for c in requests.get(sb.base_url + "/companies", headers=other).json()] == ["annen-bruker-as"]
    assert requests.get(url(sb, "/accounts"), headers=other).status_code == 403


def test_unknown_company_is_404_and_company_without_api_module_is_403(sb, http):
    assert http.get(sb.base_url + "/companies/finnes-ikke/accounts").status_code == 404
    assert http.get(sb.base_url + "/companies/uten-api-as").json()["hasApiAccess"] is False
    reply = http.get(sb.base_url + "/companies/uten-api-as/accounts")
    assert reply.status_code == 403 and reply.json()["message"] == "API module not activated"
    sb.set_api_access("uten-api-as", True)
    assert http.get(sb.base_url + "/companies/uten-api-as/accounts").status_code == 200


def test_projects_need_the_module(sb, http):
    assert http.get(url(sb, "/projects")).status_code == 402
    projects = http.get(sb.base_url + "/companies/demo-prosjekt-as/projects").json()
    assert [p["name"] for p in projects][:2] == ["Butikk Sentrum", "Butikk Storsenter"]


# --- paging and master data -------------------------------------------------------------------

def test_accounts_are_paged_zero_based_with_fiken_headers(sb, http):
    first = http.get(url(sb, "/accounts"))
    total = int(first.headers["Fiken-Api-Result-Count"])
    assert first.headers["Fiken-Api-Page"] == "0" and first.headers["Fiken-Api-Page-Size"] == "25"
    assert len(first.json()) == 25 and int(first.headers["Fiken-Api-Page-Count"]) == -(-total // 25)
    codes = []
    for page in range(int(first.headers["Fiken-Api-Page-Count"])):
        codes += [a["code"] for a in http.get(url(sb, "/accounts"), params={"page": page, "pageSize": 25}).json()]
    assert len(codes) == total == len(set(codes))
    assert {"1920:10001", "1500:10001", "2701", "2711", "7740", "1901", "3000"} <= set(codes)
    assert "1920" not in codes  # bank accounts exist only as sub-accounts
    assert http.get(url(sb, "/accounts"), params={"pageSize": 101}).status_code == 400


def test_every_default_ledger_account_exists(sb, http):
    import csv
    from pathlib import Path
    ledger = Path(__file__).resolve().parents[1] / "chart_of_accounts" / "default_ledger.csv"
    rows = [r for r in csv.reader(l for l in ledger.read_text(encoding="utf-8").splitlines()
                                  if l and not l.startswith("#"))][1:]
    wanted = {row[0].split(";")[1] for row in rows}
    codes = {a["code"] for a in http.get(url(sb, "/accounts"), params={"pageSize": 100}).json()}
    assert wanted <= codes


def test_account_filters_and_single_account(sb, http):
    codes = [a["code"] for a in http.get(url(sb, "/accounts"), params={"fromAccount": 1900, "toAccount": 1920}).json()]
    assert codes == ["1900", "1901", "1910", "1920:10001", "1920:10002", "1920:10003"]
    ranged = [a["code"] for a in http.get(url(sb, "/accounts"), params={"range": "2701, 2711-2712"}).json()]
    assert ranged == ["2701", "2711", "2712"]
    assert http.get(url(sb, "/accounts/1920:10001")).json() == {"code": "1920:10001", "name": "Driftskonto"}
    assert http.get(url(sb, "/accounts/1920")).status_code == 404
    banks = http.get(url(sb, "/bankAccounts")).json()
    assert banks[0]["accountCode"] == "1920:10001"


# --- fri postering -------------------------------------------------------------------------------

def test_post_returns_201_empty_body_and_transaction_location(sb, http):
    reply = post_entry(sb, http, [{"amount": 10000, "debitAccount": "1900", "creditAccount": "1920:10001"}])
    assert reply.status_code == 201 and reply.content == b""
    location = reply.headers["Location"]
    assert location.startswith(sb.base_url + "/companies/demo-as/transactions/")
    transaction = http.get(location).json()
    assert transaction["transactionId"] == int(location.rsplit("/", 1)[1])
    (entry,) = transaction["entries"]
    assert entry["description"] == "Fri postering registrert via API: Dagsoppgjør"
    same = http.get(url(sb, f"/journalEntries/{entry['journalEntryId']}")).json()
    assert same["transactionId"] == transaction["transactionId"] and postings(same) == postings(entry)
    assert postings(entry) == [("1900", 10000, None), ("1920:10001", -10000, None)]


@pytest.mark.parametrize("lines, expected", [
    # The three live observations of fiken-api.md §1.3 (JE 61, 62, 63).
    ([{"amount": 100000, "debitAccount": "6540", "debitVatCode": 1}, {"amount": 125000, "creditAccount": "2911"}],
     [("6540", 100000, "1"), ("2711", 25000, None), ("2911", -125000, None)]),
    ([{"amount": 125000, "debitAccount": "6540", "debitVatCode": 1, "creditAccount": "1920:10001"}],
     [("6540", 125000, "1"), ("2711", 31250, None), ("1920:10001", -156250, None)]),
    ([{"amount": 100000, "debitAccount": "6540", "debitVatCode": 1, "creditAccount": "3020", "creditVatCode": 3}],
     [("6540", 100000, "1"), ("2711", 25000, None), ("3020", -100000, "3"), ("2701", -25000, None)]),
    # Output VAT rounded half up to the øre: 10002 × 25 % = 2500.5 → 2501; 10001 × 15 % = 1500.15 → 1500.
    ([{"amount": 12503, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}],
     [("1900", 15629, None), ("3000", -12503, "3"), ("2701", -3126, None)]),
    ([{"amount": 10002, "debitAccount": "1580", "creditAccount": "3000", "creditVatCode": 3},
      {"amount": 10001, "debitAccount": "1580", "creditAccount": "3030", "creditVatCode": 31}],
     [("1580", 12503, None), ("3000", -10002, "3"), ("2701", -2501, None),
      ("1580", 11501, None), ("3030", -10001, "31"), ("2701", -1500, None)]),
])
def test_vat_rule_net_on_the_coded_side(sb, http, lines, expected):
    reply = post_entry(sb, http, lines)
    assert reply.status_code == 201, reply.text
    (entry,) = http.get(reply.headers["Location"]).json()["entries"]
    assert postings(entry) == expected
    assert sum(amount for _, amount, _ in postings(entry)) == 0


def test_one_sided_coded_credit_line_is_net_by_default_and_gross_when_configured(http, sb):
    lines = [{"amount": 12500, "debitAccount": "1900"},
             {"amount": 10000, "creditAccount": "3000", "creditVatCode": 3}]
    reply = post_entry(sb, http, lines)
    assert reply.status_code == 201, reply.text
    (entry,) = http.get(reply.headers["Location"]).json()["entries"]
    assert postings(entry) == [("1900", 12500, None), ("3000", -10000, "3"), ("2701", -2500, None)]

    gross = FikenSandbox.start(port=0, max_seconds=60, one_sided_credit_vat="gross", rate_limit_per_second=None)
    try:
        headers = {"Authorization": f"Bearer {gross.personal_token}"}
        lines = [{"amount": 12500, "debitAccount": "1900"},
                 {"amount": 12500, "creditAccount": "3000", "creditVatCode": 3}]
        body = {"journalEntries": [{"description": "x", "date": "2026-03-02", "lines": lines}]}
        reply = requests.post(gross.base_url + "/companies/demo-as/generalJournalEntries", json=body, headers=headers)
        assert reply.status_code == 201, reply.text
        (entry,) = gross.journal_entries("demo-as")
        assert postings(entry) == [("1900", 12500, None), ("3000", -10000, "3"), ("2701", -2500, None)]
    finally:
        gross.stop()


def test_unbalanced_entry_is_refused_with_fikens_message_and_nothing_is_stored(sb, http):
    lines = [{"amount": 100000, "debitAccount": "6540", "debitVatCode": 1}, {"amount": 120000, "creditAccount": "2911"}]
    reply = post_entry(sb, http, lines)
    assert reply.status_code == 400
    assert reply.json()["message"] == "Summen av posteringslinjene er ikke null: 50,00"
    reply = post_entry(sb, http, [{"amount": 100, "debitAccount": "1900"}, {"amount": 125001, "creditAccount": "2911"}])
    assert reply.json()["message"] == "Summen av posteringslinjene er ikke null: -1249,01"
    assert sb.journal_entries(SLUG) == []


def test_description_limit_counts_fikens_34_character_prefix(sb, http):
    line = [{"amount": 100, "debitAccount": "1900", "creditAccount": "1901"}]
    assert post_entry(sb, http, line, description="x" * 166).status_code == 201
    reply = post_entry(sb, http, line, description="x" * 167)
    assert reply.status_code == 400 and "journalEntries[0].description" in reply.json()["message"]
    body = {"description": "y" * 167, "journalEntries": [{"description": "ok", "date": "2026-03-02", "lines": line}]}
    reply = http.post(url(sb, "/generalJournalEntries"), json=body)
    assert reply.status_code == 400 and reply.json()["message"].startswith("description: too long")


@pytest.mark.parametrize("line, fragment", [
    ({"amount": 100, "debitAccount": "9999", "creditAccount": "1900"}, "account 9999 does not exist"),
    ({"amount": 100, "debitAccount": "1920", "creditAccount": "1900"}, "account 1920 does not exist"),
    ({"amount": 0, "debitAccount": "1901", "creditAccount": "1900"}, "must be a positive"),
    ({"amount": -5, "debitAccount": "1901", "creditAccount": "1900"}, "must be a positive"),
    ({"amount": 10.5, "debitAccount": "1901", "creditAccount": "1900"}, "expected integer"),
    ({"amount": "100", "debitAccount": "1901", "creditAccount": "1900"}, "expected integer"),
    ({"amount": 100, "debitAccount": "1901", "debitVatCode": 4, "creditAccount": "1900"}, "not a valid VAT code"),
    ({"amount": 100, "creditAccount": "1900", "debitVatCode": 3}, "needs debitAccount"),
    ({"amount": 100}, "needs debitAccount or creditAccount"),
    ({"amount": 100, "debitAccount": "1901", "creditAccount": "1900", "account": "1901"}, "read-only"),
    ({"amount": 100, "debitAccount": "1901", "creditAccount": "1900", "memo": "x"}, "memo: unrecognized"),
])
def test_invalid_lines_are_400_naming_the_field(sb, http, line, fragment):
    reply = post_entry(sb, http, [line])
    assert reply.status_code == 400
    assert fragment in reply.json()["message"] and "journalEntries[0].lines[0]" in reply.json()["message"]
    assert sb.journal_entries(SLUG) == []


def test_request_level_schema_violations(sb, http):
    good_line = [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}]
    cases = [
        ({"journalEntries": []}, "at least 1"),
        ({}, "journalEntries: required field missing"),
        ({"journalEntries": [{"description": "d", "lines": good_line}]}, "date: required"),
        ({"journalEntries": [{"description": "d", "date": "2026-13-01", "lines": good_line}]}, "not a date"),
        ({"journalEntries": [{"description": "d", "date": "2025-12-31", "lines": good_line}]}, "accounting start"),
        ({"journalEntries": [{"description": "d", "date": "2026-03-01", "lines": good_line, "transactionId": 0}]},
         "transactionId: read-only"),
        ({"open": "yes", "journalEntries": [{"description": "d", "date": "2026-03-01", "lines": good_line}]},
         "open: expected boolean"),
    ]
    for body, fragment in cases:
        reply = http.post(url(sb, "/generalJournalEntries"), json=body)
        assert reply.status_code == 400 and fragment in reply.json()["message"], (body, reply.text)
    reply = http.post(url(sb, "/generalJournalEntries"), data="{}", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 415


def test_nulls_for_unset_fields_are_accepted_like_fiken_py_sends_them(sb, http):
    body = {"description": None, "open": True, "journalEntries": [{
        "description": "Fiken.py-stil", "date": "2026-03-03", "journalEntryId": None, "transactionId": None,
        "attachments": [], "lines": [{"amount": 1000, "debitAccount": "1920:10001", "creditAccount": "1920:10002",
                                      "debitVatCode": 0, "creditVatCode": 0, "account": None, "vatCode": None}]}]}
    reply = http.post(url(sb, "/generalJournalEntries"), json=body)
    assert reply.status_code == 201, reply.text
    (entry,) = http.get(reply.headers["Location"]).json()["entries"]
    assert postings(entry) == [("1920:10001", 1000, "0"), ("1920:10002", -1000, "0")]


def test_journal_entries_filter_by_date_and_page(sb, http):
    line = [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}]
    for day in ("2026-03-01", "2026-03-02", "2026-03-02", "2026-03-04"):
        assert post_entry(sb, http, line, day=day).status_code == 201
    def dates(**params):
        return [e["date"] for e in http.get(url(sb, "/journalEntries"), params=params).json()]
    assert dates(date="2026-03-02") == ["2026-03-02", "2026-03-02"]
    assert dates(dateGe="2026-03-02", dateLt="2026-03-04") == ["2026-03-02", "2026-03-02"]
    assert dates(dateGt="2026-03-02") == ["2026-03-04"]
    assert dates(dateLe="2026-03-01") == ["2026-03-01"]
    paged = http.get(url(sb, "/journalEntries"), params={"page": 1, "pageSize": 3})
    assert [e["date"] for e in paged.json()] == ["2026-03-04"]
    assert paged.headers["Fiken-Api-Result-Count"] == "4" and paged.headers["Fiken-Api-Page-Count"] == "2"
    assert http.get(url(sb, "/journalEntries"), params={"date": "02.03.2026"}).status_code == 400


def test_foreign_entries_seeded_by_the_test_show_up(sb, http):
    sb.add_journal_entry(SLUG, "2026-03-02", "Manuell postering", [
        {"amount": 5000, "debitAccount": "6800", "debitVatCode": 1, "creditAccount": "1920:10001"}])
    (entry,) = http.get(url(sb, "/journalEntries"), params={"date": "2026-03-02"}).json()
    assert entry["description"] == "Manuell postering"
    assert postings(entry) == [("6800", 5000, "1"), ("2711", 1250, None), ("1920:10001", -6250, None)]
    with pytest.raises(ValueError, match="ikke null"):
        sb.add_journal_entry(SLUG, "2026-03-02", "Skjev", [{"amount": 5000, "debitAccount": "6800"}])


# --- reversal ------------------------------------------------------------------------------------

def test_delete_transaction_creates_a_reverse_transaction(sb, http):
    reply = post_entry(sb, http, [{"amount": 10000, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}])
    location = reply.headers["Location"]
    transaction_id = int(location.rsplit("/", 1)[1])
    assert http.patch(location + "/delete").status_code == 400  # description is required
    reply = http.patch(location + "/delete", params={"description": "Feilført"})
    assert reply.status_code == 200 and reply.json()["deleted"] is True
    entries = http.get(url(sb, "/journalEntries")).json()
    assert len(entries) == 2
    original, reverse = entries
    assert original["offsetTransactionId"] == reverse["transactionId"] != transaction_id
    assert postings(reverse) == [(a, -amount, code) for a, amount, code in postings(original)]
    assert reverse["description"] == "Feilført"
    assert http.patch(location + "/delete", params={"description": "igjen"}).status_code == 400


def test_open_entry_is_deleted_without_a_counter_transaction(sb, http):
    reply = post_entry(sb, http, [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}], open=True)
    assert http.patch(reply.headers["Location"] + "/delete", params={"description": "bort"}).status_code == 200
    assert http.get(url(sb, "/journalEntries")).json() == []
    assert http.get(reply.headers["Location"]).json()["deleted"] is True


# --- sales and attachments ---------------------------------------------------------------------

def cash_sale(number="Z-2026-03-02-butikk1", **extra):
    body = {"saleNumber": number, "date": "2026-03-02", "kind": "cash_sale", "paid": True, "currency": "NOK",
            "totalPaid": 12500 + 1150, "paymentAccount": "1920:10001",
            "lines": [{"description": "Varer 25 %", "netPrice": 10000, "vat": 2500, "vatType": "HIGH", "account": "3000"},
                      {"description": "Mat 15 %", "netPrice": 1000, "vat": 150, "vatType": "MEDIUM", "account": "3030"}]}
    body.update(extra)
    return body


def test_cash_sale_is_booked_and_found_by_sale_number(sb, http):
    reply = http.post(url(sb, "/sales"), json=cash_sale())
    assert reply.status_code == 201 and reply.content == b""
    assert reply.headers["Location"].startswith(sb.base_url + "/companies/demo-as/sales/")
    http.post(url(sb, "/sales"), json=cash_sale("Z-annen"))
    (sale,) = http.get(url(sb, "/sales"), params={"saleNumber": "Z-2026-03-02-butikk1"}).json()
    assert sale == http.get(reply.headers["Location"]).json()
    assert (sale["netAmount"], sale["vatAmount"], sale["totalPaid"], sale["settled"]) == (11000, 2650, 13650, True)
    (entry,) = http.get(url(sb, f"/transactions/{sale['transactionId']}")).json()["entries"]
    assert postings(entry) == [("1920:10001", 13650, None), ("3000", -10000, "3"), ("2701", -2500, None),
                               ("3030", -1000, "31"), ("2701", -150, None)]
    assert len(http.get(url(sb, "/sales"), params={"date": "2026-03-02"}).json()) == 2
    assert http.get(url(sb, "/sales"), params={"saleNumber": "finnes-ikke"}).json() == []


def test_cash_sale_needs_total_paid(sb, http):
    body = cash_sale()
    del body["totalPaid"]
    reply = http.post(url(sb, "/sales"), json=body)
    assert reply.status_code == 400 and "Missing field 'totalPaid' for sale marked as paid in NOK" in reply.json()["message"]
    reply = http.post(url(sb, "/sales"), json=cash_sale(totalPaid=1))
    assert reply.status_code == 400 and "totalPaid" in reply.json()["message"]
    assert sb.sales(SLUG) == [] and sb.journal_entries(SLUG) == []


def test_attachments_on_journal_entry_and_sale(sb, http):
    reply = post_entry(sb, http, [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}])
    entry_id = http.get(reply.headers["Location"]).json()["entries"][0]["journalEntryId"]
    target = url(sb, f"/journalEntries/{entry_id}/attachments")
    pdf = b"%PDF-1.4 z-rapport"
    reply = http.post(target, files={"filename": (None, "z-rapport.pdf"), "file": ("z-rapport.pdf", pdf, "application/pdf")})
    assert reply.status_code == 201 and reply.content == b""
    assert reply.headers["Location"].startswith(sb.base_url + "/files/")
    (listed,) = http.get(target).json()
    assert listed["identifier"] == "z-rapport.pdf"
    assert http.get(listed["downloadUrl"]).content == pdf
    assert http.get(url(sb, f"/journalEntries/{entry_id}")).json()["attachments"] == [listed]
    for name in ("rapport.txt", "rapport.pdf.exe", ""):
        refused = http.post(target, files={"filename": (None, name), "file": ("x", b"data", "text/plain")})
        assert refused.status_code == 400, name
    assert http.post(target, files={"file": ("a.pdf", pdf, "application/pdf")}).status_code == 400  # filename field missing
    assert http.post(target, json={"filename": "a.pdf"}).status_code == 415

    sale_location = http.post(url(sb, "/sales"), json=cash_sale()).headers["Location"]
    png = b"\x89PNG\r\n\x1a\n..."
    files = {"filename": (None, "kvittering.PNG"), "file": ("kvittering.PNG", png, "image/png")}
    assert http.post(sale_location + "/attachments", files=files).status_code == 400  # neither attachTo… flag
    reply = http.post(sale_location + "/attachments", params={"attachToSale": "true"}, files=files)
    assert reply.status_code == 201
    assert [a["identifier"] for a in http.get(sale_location).json()["saleAttachments"]] == ["kvittering.PNG"]
    sale_id = int(sale_location.rsplit("/", 1)[1])
    assert sb.attachments(SLUG) == [("journalEntry", entry_id, "z-rapport.pdf", pdf), ("sale", sale_id, "kvittering.PNG", png)]


def test_every_request_is_recorded(sb, http):
    started = time.monotonic()
    post_entry(sb, http, [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}])
    http.get(url(sb, "/accounts"), params={"page": 0})
    post, get = sb.requests[-2:]
    assert (post.method, post.path, post.status, post.token) == ("POST", "/api/v2/companies/demo-as/generalJournalEntries", 201, sb.personal_token)
    assert post.body["journalEntries"][0]["lines"][0]["amount"] == 100
    assert get.query == {"page": "0"} and get.body is None
    assert started <= post.arrived <= post.finished <= get.arrived


def test_sandbox_command_serves_prints_its_credentials_and_stops_by_itself(tmp_path):
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "settlement", "sandbox", "--max-seconds", "4"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("Fiken sandbox running at http://127.0.0.1:"), first + process.stderr.read()
        base_url = first.split(" at ", 1)[1].strip()
        token = process.stdout.readline().split(":", 1)[1].strip()
        reply = requests.get(base_url + "/user", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert reply.status_code == 200 and reply.json()["email"] == "regnskap@demo-as.example"
        process.wait(timeout=20)
        out, err = process.stdout.read(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "companies:       demo-as, demo-prosjekt-as, uten-api-as" in out
