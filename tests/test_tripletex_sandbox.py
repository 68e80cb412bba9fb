"""The Tripletex sandbox against the checklist in tripletex-api.md ("What a faithful sandbox must
do"), through real HTTP with hand-made requests (so these may be deliberately wrong)."""

from __future__ import annotations

import base64
import time
from datetime import date

import pytest
import requests

from settlement.tripletex_sandbox import TripletexSandbox


def _session(sandbox: TripletexSandbox, company_index: int = 0, user: str = "0") -> requests.Session:
    answer = requests.put(sandbox.base_url + "/token/session/:create", params={
        "consumerToken": sandbox.consumer_token, "employeeToken": sandbox.employee_token(company_index),
        "expirationDate": "2099-01-01"}, timeout=5)
    assert answer.status_code == 200, answer.text
    session = requests.Session()
    session.auth = (user, answer.json()["value"]["token"])
    return session


@pytest.fixture
def api(tripletex_sandbox):
    with _session(tripletex_sandbox) as session:
        yield session


def _ids(api, base: str) -> tuple[dict[int, int], dict[str, int]]:
    accounts = {a["number"]: a["id"] for a in api.get(base + "/ledger/account").json()["values"]}
    vats = {v["number"]: v["id"] for v in api.get(base + "/ledger/vatType").json()["values"]}
    return accounts, vats


def _voucher(accounts, vats, day="2026-11-02", gross="125.00", key="[settlement:a:2026-11-02:v1]", **extra) -> dict:
    sale = {"row": 2, "account": {"id": accounts[3000]}, "amountGross": -float(gross),
            "amountGrossCurrency": -float(gross), "vatType": {"id": vats["3"]}, **extra}
    return {"date": day, "description": f"Dagsoppgjør {day} {key}", "externalVoucherNumber": key, "postings": [
        {"row": 1, "account": {"id": accounts[1900]}, "amountGross": float(gross), "amountGrossCurrency": float(gross)},
        sale]}


def _post(api, base, body, **params):
    return api.post(base + "/ledger/voucher", params={"sendToLedger": "true", **params}, json=body)


# --- tokens and auth -------------------------------------------------------------------------------


def test_session_create_needs_all_three_parameters_and_known_tokens(tripletex_sandbox):
    url = tripletex_sandbox.base_url + "/token/session/:create"
    missing = requests.put(url, params={"consumerToken": tripletex_sandbox.consumer_token}, timeout=5)
    assert missing.status_code == 422
    assert {m["field"] for m in missing.json()["validationMessages"]} == {"employeeToken", "expirationDate"}
    wrong = requests.put(url, params={"consumerToken": "nope", "employeeToken": tripletex_sandbox.employee_token(0),
                                      "expirationDate": "2099-01-01"}, timeout=5)
    assert wrong.status_code == 403 and wrong.json()["code"] == 9000
    good = requests.put(url, params={"consumerToken": tripletex_sandbox.consumer_token,
                                     "employeeToken": tripletex_sandbox.employee_token(0),
                                     "expirationDate": "2099-01-01"}, timeout=5)
    assert good.status_code == 200
    assert good.json()["value"]["expirationDate"] == "2099-01-01" and good.json()["value"]["token"]


def test_basic_auth_is_required_and_401_uses_the_envelope(tripletex_sandbox):
    answer = requests.get(tripletex_sandbox.base_url + "/ledger/account", timeout=5)
    assert answer.status_code == 401
    body = answer.json()
    assert body["status"] == 401 and body["code"] == 3000
    assert set(body) == {"status", "code", "message", "link", "developerMessage", "validationMessages", "requestId"}
    assert body["requestId"] == answer.headers["x-tlx-request-id"]
    bad = base64.b64encode(b"0:not-a-session").decode()
    assert requests.get(tripletex_sandbox.base_url + "/ledger/account", headers={"Authorization": f"Basic {bad}"},
                        timeout=5).status_code == 401


def test_company_id_as_user_name_and_another_company_refused(tripletex_sandbox):
    own = tripletex_sandbox.company_ids[0]
    with _session(tripletex_sandbox, user=str(own)) as session:
        assert session.get(tripletex_sandbox.base_url + "/ledger/vatType").status_code == 200
    with _session(tripletex_sandbox, user=str(tripletex_sandbox.company_ids[1])) as session:
        assert session.get(tripletex_sandbox.base_url + "/ledger/vatType").status_code == 403


def test_expired_sessions_are_refused(tripletex_sandbox, api):
    assert api.get(tripletex_sandbox.base_url + "/ledger/vatType").status_code == 200
    tripletex_sandbox.expire_sessions()
    assert api.get(tripletex_sandbox.base_url + "/ledger/vatType").status_code == 401


def test_every_answer_carries_a_request_id(tripletex_sandbox, api):
    for answer in (api.get(tripletex_sandbox.base_url + "/ledger/vatType"),
                   api.get(tripletex_sandbox.base_url + "/no/such/thing"),
                   requests.get(tripletex_sandbox.base_url + "/ledger/vatType", timeout=5)):
        assert answer.headers.get("x-tlx-request-id")


def test_who_am_i_company_and_reference_lists(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    who = api.get(base + "/token/session/%3EwhoAmI").json()["value"]
    assert who["companyId"] == tripletex_sandbox.company_ids[0]
    company = api.get(base + f"/company/{who['companyId']}").json()["value"]
    assert company["name"] == "Bryggen Butikkdrift AS" and company["organizationNumber"] == "912345670"
    accounts = api.get(base + "/ledger/account", params={"number": "1500,3000", "fields": "number,ledgerType"}).json()
    assert accounts["values"] == [{"number": 1500, "ledgerType": "CUSTOMER"}, {"number": 3000, "ledgerType": "GENERAL"}]
    vat = api.get(base + "/ledger/vatType", params={"number": "31"}).json()["values"]
    assert [(v["number"], v["percentage"]) for v in vat] == [("31", 15.0)]
    assert api.get(base + "/department", params={"departmentNumber": "20"}).json()["values"][0]["departmentNumber"] == "20"
    assert [p["number"] for p in api.get(base + "/project").json()["values"]] == ["100", "200"]
    assert api.get(base + "/customer").json()["values"][0]["customerNumber"] == 10001
    assert api.get(base + "/supplier", params={"supplierNumber": "10001"}).json()["fullResultSize"] == 1
    assert api.get(base + "/ledger/voucherType").json()["values"]
    periods = api.get(base + "/ledger/accountingPeriod", params={"startFrom": "2026-11-01", "startTo": "2026-12-01"})
    assert [(p["start"], p["end"], p["isClosed"]) for p in periods.json()["values"]] == [("2026-11-01", "2026-12-01", False)]


# --- posting ---------------------------------------------------------------------------------------


def test_post_books_with_number_201_and_system_vat_row(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    answer = _post(api, base, _voucher(accounts, vats))
    assert answer.status_code == 201, answer.text
    value = answer.json()["value"]
    assert value["number"] == 1 and value["year"] == 2026
    rows = tripletex_sandbox.all_postings(value["id"])
    assert {(r["row"], r["account"], r["gross_ore"], r["net_ore"], r["system"]) for r in rows} == {
        (1, 1900, 12500, 12500, False), (2, 3000, -12500, -10000, False), (0, 2700, -2500, 0, True)}
    full = api.get(base + f"/ledger/voucher/{value['id']}", params={"fields": "postings(row,amount,amountGross,systemGenerated)"})
    postings = full.json()["value"]["postings"]
    assert {"row": 0, "amount": 0, "amountGross": -25, "systemGenerated": True} in postings
    assert {"row": 2, "amount": -100, "amountGross": -125, "systemGenerated": False} in postings


def test_amount_gross_is_authoritative_and_vat_rounds_half_up(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    body = _voucher(accounts, vats, gross="152.49")
    body["postings"][1]["vatType"] = {"id": vats["31"]}
    body["postings"][1]["amount"] = -1  # ignored: only the gross amounts are used
    value = _post(api, base, body).json()["value"]
    sale = [r for r in tripletex_sandbox.all_postings(value["id"]) if r["account"] == 3030 or r["row"] == 2]
    assert sale[0]["net_ore"] == -13260  # 15249 × 15/115 = 1988.9 → 1989 VAT


def test_send_to_ledger_false_gives_no_number(tripletex_sandbox, api):
    accounts, vats = _ids(api, tripletex_sandbox.base_url)
    value = _post(api, tripletex_sandbox.base_url, _voucher(accounts, vats), sendToLedger="false").json()["value"]
    assert value["number"] == 0 and value["tempNumber"] >= 1


@pytest.mark.parametrize("change, field, path", [
    (lambda b, a, v: b["postings"][0].update(row=0), "postings.row", "postings[0].row"),
    (lambda b, a, v: b["postings"][0].pop("row"), "postings.row", "postings[0].row"),
    (lambda b, a, v: b["postings"][1].update(account={"id": 999999}), "postings.account", "postings[1].account.id"),
    (lambda b, a, v: b["postings"][1].update(vatType={"id": 999999}), "postings.vatType", "postings[1].vatType.id"),
    (lambda b, a, v: b["postings"][1].update(department={"id": 999999}), "postings.department", "postings[1].department.id"),
    (lambda b, a, v: b["postings"][1].update(project={"id": 999999}), "postings.project", "postings[1].project.id"),
    (lambda b, a, v: b["postings"][0].update(amountGross=100.0, amountGrossCurrency=100.0), "postings", "postings"),
    (lambda b, a, v: b["postings"][0].update(amountGross=125.001, amountGrossCurrency=125.001),
     "postings.amountGross", "postings[0].amountGross"),
    (lambda b, a, v: b["postings"][0].update(account={"id": a[1500]}), "postings.customer", "postings[0].customer"),
    (lambda b, a, v: b.update(externalVoucherNumber="x" * 101), "externalVoucherNumber", "externalVoucherNumber"),
    (lambda b, a, v: b.pop("date"), "date", "date"),
])
def test_refusals_name_the_field_and_path(tripletex_sandbox, api, change, field, path):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    body = _voucher(accounts, vats)
    change(body, accounts, vats)
    answer = _post(api, base, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["code"] == 18000 and error["message"] == "Validering feilet."
    assert any(m["field"] == field and m["path"] == path for m in error["validationMessages"]), error
    assert tripletex_sandbox.booked() == []


def test_postings_sharing_a_row_must_sum_to_zero(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    body = _voucher(accounts, vats)
    body["postings"][1]["row"] = 1
    assert _post(api, base, body).status_code == 201  # row 1 now sums to 0
    body = _voucher(accounts, vats)
    body["postings"].append({"row": 1, "account": {"id": accounts[1580]}, "amountGross": 10.0})
    body["postings"].append({"row": 3, "account": {"id": accounts[1581]}, "amountGross": -10.0})
    answer = _post(api, base, body)
    assert answer.status_code == 422
    assert "rad (1)" in answer.text


def test_vat_locked_legal_vat_types_department_and_project_rules(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    tripletex_sandbox.lock_vat(3000, "31")
    answer = _post(api, base, _voucher(accounts, vats))
    assert answer.status_code == 422 and "låst til mva-kode 31" in answer.text
    tripletex_sandbox.lock_vat(3000, "3")
    tripletex_sandbox.set_legal_vat(1900, ["5"])
    answer = _post(api, base, _voucher(accounts, vats))
    assert answer.status_code == 422 and answer.json()["validationMessages"][0]["path"] == "postings[0].vatType"
    tripletex_sandbox.set_legal_vat(1900, [])
    tripletex_sandbox.require(3000, department=True, project=True)
    answer = _post(api, base, _voucher(accounts, vats))
    assert {m["field"] for m in answer.json()["validationMessages"]} == {"postings.department", "postings.project"}
    departments = api.get(base + "/department").json()["values"]
    projects = api.get(base + "/project").json()["values"]
    body = _voucher(accounts, vats, department={"id": departments[0]["id"]}, project={"id": projects[0]["id"]})
    assert _post(api, base, body).status_code == 201
    assert tripletex_sandbox.booked()[0]["lines"][1]["department"] == "10"


def test_closed_period_refuses_posting_and_reversal(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    voucher_id = _post(api, base, _voucher(accounts, vats)).json()["value"]["id"]
    tripletex_sandbox.close_period(date(2026, 11, 2))
    posting = _post(api, base, _voucher(accounts, vats, key="[settlement:a:2026-11-02:v2]"))
    assert posting.status_code == 422 and "er lukket" in posting.json()["validationMessages"][0]["message"]
    reversal = api.put(base + f"/ledger/voucher/{voucher_id}/:reverse", params={"date": "2026-11-02"})
    assert reversal.status_code == 422 and "er lukket" in reversal.text
    later = api.put(base + f"/ledger/voucher/{voucher_id}/:reverse", params={"date": "2026-12-01"})
    assert later.status_code == 200


# --- finding ----------------------------------------------------------------------------------------


def test_search_needs_dates_to_is_exclusive_and_pages(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    for n, day in enumerate(["2026-11-02", "2026-11-02", "2026-11-02", "2026-11-03"]):
        assert _post(api, base, _voucher(accounts, vats, day=day, key=f"[settlement:a:{day}:v{n}]")).status_code == 201
    missing = api.get(base + "/ledger/voucher", params={"dateFrom": "2026-11-02"})
    assert missing.status_code == 422 and missing.json()["validationMessages"][0]["field"] == "dateTo"
    day = api.get(base + "/ledger/voucher", params={"dateFrom": "2026-11-02", "dateTo": "2026-11-03"}).json()
    assert day["fullResultSize"] == 3 and day["versionDigest"]
    page = api.get(base + "/ledger/voucher", params={"dateFrom": "2026-11-02", "dateTo": "2026-11-04", "from": 2,
                                                      "count": 1, "fields": "id,date"}).json()
    assert page["from"] == 2 and page["count"] == 1 and page["fullResultSize"] == 4
    assert set(page["values"][0]) == {"id", "date"}


def test_find_by_external_voucher_number(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    _post(api, base, _voucher(accounts, vats, key="[settlement:a:2026-11-02:v1]"))
    _post(api, base, _voucher(accounts, vats, key="[settlement:a:2026-11-02:v11]"))
    found = api.get(base + "/ledger/voucher/%3EexternalVoucherNumber",
                    params={"externalVoucherNumber": "[settlement:a:2026-11-02:v1]"}).json()
    assert [v["externalVoucherNumber"] for v in found["values"]] == ["[settlement:a:2026-11-02:v1]"]


# --- reversal, deletion, attachment ---------------------------------------------------------------------


def test_reverse_negates_and_links_both_ways(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    voucher_id = _post(api, base, _voucher(accounts, vats)).json()["value"]["id"]
    assert api.put(base + f"/ledger/voucher/{voucher_id}/:reverse").status_code == 422  # date is required
    reversal = api.put(base + f"/ledger/voucher/{voucher_id}/:reverse", params={"date": "2026-11-02"}).json()["value"]
    assert reversal["reverseVoucher"]["id"] == voucher_id
    original = api.get(base + f"/ledger/voucher/{voucher_id}").json()["value"]
    assert original["reverseVoucher"]["id"] == reversal["id"]
    booked = {v["id"]: v for v in tripletex_sandbox.booked()}
    assert booked[str(voucher_id)]["reversed"] and booked[str(reversal["id"])]["is_reversal"]
    assert [l["gross_ore"] for l in booked[str(reversal["id"])]["lines"]] == [-12500, 12500]
    again = api.put(base + f"/ledger/voucher/{voucher_id}/:reverse", params={"date": "2026-11-02"})
    assert again.status_code == 422


def test_delete_answers_204(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    voucher_id = _post(api, base, _voucher(accounts, vats)).json()["value"]["id"]
    assert api.delete(base + f"/ledger/voucher/{voucher_id}").status_code == 204
    assert api.get(base + f"/ledger/voucher/{voucher_id}").status_code == 404
    assert tripletex_sandbox.booked() == []


def test_attachment_needs_file_part_and_appends(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    voucher_id = _post(api, base, _voucher(accounts, vats)).json()["value"]["id"]
    url = base + f"/ledger/voucher/{voucher_id}/attachment"
    wrong = api.post(url, files={"document": ("r.pdf", b"%PDF-1 a", "application/pdf")})
    assert wrong.status_code == 422 and wrong.json()["validationMessages"][0]["field"] == "file"
    first = api.post(url, files={"file": ("r.pdf", b"%PDF-1 a", "application/pdf")})
    assert first.status_code == 200 and first.json()["value"]["attachment"]["id"]
    api.post(url, files={"file": ("r2.pdf", b"%PDF-1 b", "application/pdf")})
    assert tripletex_sandbox.booked()[0]["attachments"] == 2
    assert tripletex_sandbox.attachment(voucher_id) == b"%PDF-1 a%PDF-1 b"


# --- rate limit and faults ------------------------------------------------------------------------------


def test_rate_limit_headers_and_429_for_the_rest_of_the_period(tripletex_contract):
    with TripletexSandbox.start(max_seconds=60, rate_limit=3, rate_period=1.0) as sandbox:
        with _session(sandbox) as api:
            answers = [api.get(sandbox.base_url + "/ledger/vatType") for _ in range(5)]
            assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
            assert [a.headers["X-Rate-Limit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
            assert answers[0].headers["X-Rate-Limit-Limit"] == "3" and int(answers[0].headers["X-Rate-Limit-Reset"]) >= 1
            assert "X-Rate-Limit-Reset" not in answers[3].headers  # as reported live (ISSUE#103)
            assert answers[3].json()["status"] == 429
            time.sleep(1.05)
            assert api.get(sandbox.base_url + "/ledger/vatType").status_code == 200
        tripletex_contract.assert_sandbox(sandbox)


def test_faults_commit_then_drop_books_but_never_answers(tripletex_sandbox, api):
    base = tripletex_sandbox.base_url
    accounts, vats = _ids(api, base)
    tripletex_sandbox.faults.commit_then_drop(1, method="POST", path_contains="/ledger/voucher")
    with pytest.raises(requests.ConnectionError):
        _post(api, base, _voucher(accounts, vats))
    assert len(tripletex_sandbox.booked()) == 1
    tripletex_sandbox.faults.error_rate(1.0, statuses=(503,))
    answer = api.get(base + "/ledger/vatType")
    assert answer.status_code == 503 and answer.json()["code"] == 1000
    tripletex_sandbox.faults.clear().burst_429(1)
    assert api.get(base + "/ledger/vatType").status_code == 429
    assert api.get(base + "/ledger/vatType").status_code == 200


def test_settings_lines_and_two_companies(tripletex_sandbox):
    lines = tripletex_sandbox.settings_lines(1)
    assert lines[0] == f"SETTLEMENT_TRIPLETEX_BASE_URL={tripletex_sandbox.base_url}"
    assert lines[2] == f"SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN={tripletex_sandbox.employee_token(1)}"
    with _session(tripletex_sandbox, 1) as api:
        who = api.get(tripletex_sandbox.base_url + "/token/session/>whoAmI").json()["value"]
    assert who["companyId"] == tripletex_sandbox.company_ids[1]


def test_stops_by_itself():
    sandbox = TripletexSandbox.start(max_seconds=0.3)
    assert sandbox.wait(5)
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/ledger/vatType", timeout=2)
