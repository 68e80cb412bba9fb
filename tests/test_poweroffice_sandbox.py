"""The PowerOffice Go sandbox against its checklist (poweroffice-api.md "What a faithful sandbox must
do"), through real HTTP with hand-made requests (so the contract check leaves their bodies out)."""

from __future__ import annotations

import base64
import time
from datetime import date

import pytest
import requests

from settlement.poweroffice_sandbox import PowerOfficeSandbox
from settlement.targets.pacing import LocalGate

DAY = "2026-11-02"
# One pace for every hand-made request of a test process: the sandbox allows 10 a second per
# subscription key, tokens included, whichever client they are for.
GATE = LocalGate(9)


def token_for(sb: PowerOfficeSandbox, company_index: int = 0, *, client_key: str | None = None,
              subscription_key: str | None = None, grant_type: str = "client_credentials") -> requests.Response:
    basic = base64.b64encode(f"{sb.application_key}:{client_key or sb.client_key(company_index)}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    if subscription_key is not False:
        headers["Ocp-Apim-Subscription-Key"] = subscription_key or sb.subscription_key
    return requests.post(sb.token_url, data={"grant_type": grant_type}, headers=headers, timeout=5)


class Api:
    """Bearer token + subscription key for one company of the sandbox."""

    def __init__(self, sb: PowerOfficeSandbox, company_index: int = 0, paced: bool = True):
        self.sb = sb
        # Within the sandbox's 10 a second, except where a test means to go beyond it.
        self.gate = GATE if paced else None
        with self._paced():
            token = token_for(sb, company_index).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Ocp-Apim-Subscription-Key": sb.subscription_key}

    def _paced(self):
        from contextlib import nullcontext

        return self.gate.slot() if self.gate else nullcontext()

    def get(self, path: str, **params) -> requests.Response:
        with self._paced():
            return requests.get(self.sb.base_url + path, params=params, headers=self.headers, timeout=5)

    def post(self, path: str, body=None) -> requests.Response:
        with self._paced():
            return requests.post(self.sb.base_url + path, json=body, headers=self.headers, timeout=5)

    def put_file(self, voucher_id: str, data: bytes, content_type: str = "application/pdf") -> requests.Response:
        with self._paced():
            return requests.put(self.sb.base_url + "/VoucherDocumentation", params={"id": voucher_id},
                            files={"file": ("rapport.pdf", data, content_type)}, headers=self.headers, timeout=5)

    def ids(self) -> tuple[dict[int, int], dict[str, int]]:
        accounts = {a["AccountNo"]: a["Id"] for a in self.get("/GeneralLedgerAccounts").json()}
        vat = {v["Code"]: v["Id"] for v in self.get("/VatCodes").json()}
        return accounts, vat

    def voucher(self, reference: str | None = "ref-1", amount: float = 125.0, day: str = DAY, **line_extra) -> dict:
        accounts, vat = self.ids()
        body = {"CurrencyCode": "NOK", "VoucherDate": day, "Description": "Dagsoppgjør test",
                "VoucherLines": [
                    {"AccountId": accounts[3000], "PostingDate": day, "VatId": vat["3"], "CurrencyAmount": -amount,
                     **line_extra},
                    {"AccountId": accounts[1900], "PostingDate": day, "VatId": vat["0"], "CurrencyAmount": amount}]}
        if reference is not None:
            body["ExternalImportReference"] = reference
        return body


@pytest.fixture
def api(poweroffice_sandbox) -> Api:
    return Api(poweroffice_sandbox)


# --- OAuth and the gateway ------------------------------------------------------------------------

def test_token__client_credentials_with_subscription_key(poweroffice_sandbox):
    answer = token_for(poweroffice_sandbox)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 1200 and len(body["access_token"]) > 20


def test_token__unknown_client_key_is_invalid_client(poweroffice_sandbox):
    answer = token_for(poweroffice_sandbox, client_key="not-a-client")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"


def test_token__wrong_grant_type_and_missing_subscription_key(poweroffice_sandbox):
    assert token_for(poweroffice_sandbox, grant_type="password").json()["error"] == "unsupported_grant_type"
    missing = token_for(poweroffice_sandbox, subscription_key=False)
    assert missing.status_code == 401 and "subscription key" in missing.json()["message"]


def test_api__needs_bearer_token_and_subscription_key(poweroffice_sandbox, api):
    url = poweroffice_sandbox.base_url + "/ClientIntegrationInformation"
    assert requests.get(url, headers={"Ocp-Apim-Subscription-Key": poweroffice_sandbox.subscription_key}).status_code == 401
    assert requests.get(url, headers={"Authorization": api.headers["Authorization"]}).status_code == 401
    wrong = dict(api.headers, **{"Ocp-Apim-Subscription-Key": "0" * 32})
    assert requests.get(url, headers=wrong).status_code == 401
    assert api.get("/ClientIntegrationInformation").json()["ClientName"] == "Demo Butikk AS"


def test_api__expired_token_is_401(poweroffice_sandbox, api):
    poweroffice_sandbox.expire_tokens()
    assert api.get("/VatCodes").status_code == 401


def test_missing_privilege__403_with_empty_body_and_named_as_invalid(poweroffice_sandbox, api):
    from settlement.poweroffice_sandbox.seed import PRIVILEGES

    poweroffice_sandbox.set_privileges(set(PRIVILEGES) - {"ManualVoucher_Full"})
    answer = api.post("/Vouchers/ManualJournals", api.voucher())
    assert answer.status_code == 403 and answer.content == b""
    info = api.get("/ClientIntegrationInformation").json()
    assert info["InvalidPrivileges"] == ["ManualVoucher_Full"] and "ManualVoucher_Full" not in info["ValidPrivileges"]


def test_rate_limit__ten_per_second_per_subscription_key(poweroffice_sandbox):
    api = Api(poweroffice_sandbox, 0, paced=False)
    other = Api(poweroffice_sandbox, 1, paced=False)  # another client, the same subscription key: the same bucket
    time.sleep(1.1)
    statuses = [(api if i % 2 else other).get("/LockDateSettings") for i in range(30)]
    refused = [r for r in statuses if r.status_code == 429]
    # The bucket holds 10 and refills 10 a second: the first 10 pass, then some are refused (how many
    # depends on how fast this machine sends; 30 requests take well under two seconds).
    assert all(r.status_code == 200 for r in statuses[:10]) and 1 <= len(refused) <= 20, [r.status_code for r in statuses]
    assert refused[0].json() == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}
    assert refused[0].headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert api.get("/LockDateSettings").status_code == 200


# --- posting ---------------------------------------------------------------------------------------

def test_post__201_with_uuid_and_sequential_numbers_vat_from_gross(poweroffice_sandbox, api):
    first = api.post("/Vouchers/ManualJournals", api.voucher("ref-1", 100.01))
    second = api.post("/Vouchers/ManualJournals", api.voucher("ref-2"))
    assert first.status_code == 201 and second.status_code == 201
    assert len(first.json()["Id"]) == 36 and (first.json()["VoucherNo"], second.json()["VoucherNo"]) == (1, 2)
    assert first.json()["VoucherLines"][0]["CurrencyAmount"] == -100.01
    booked = poweroffice_sandbox.booked()[0]
    # 10001 øre gross at 25 %: VAT 2000.2 → 2000 øre (half up), net 8001.
    assert booked["lines"][0] == {"account": 3000, "gross_ore": -10001, "vat_ore": -2000, "vat_code": "3",
                                  "department": None, "project": None, "contact": None}
    rows = api.get("/AccountTransactions", fromDate=DAY, toDate=DAY, voucherNos="1").json()
    assert [(r["AccountNo"], r["Amount"], r["VatAmount"]) for r in rows] == [
        (3000, -80.01, -20.0), (2701, -20.0, 0.0), (1900, 100.01, 0.0)]


@pytest.mark.parametrize("change, status, field", [
    (lambda b: b.pop("CurrencyCode"), 400, "CurrencyCode"),
    (lambda b: b.pop("VoucherDate"), 400, "VoucherDate"),
    (lambda b: b["VoucherLines"][1].pop("VatId"), 400, "VoucherLines[1].VatId"),
    (lambda b: b["VoucherLines"][0].pop("PostingDate"), 400, "VoucherLines[0].PostingDate"),
    (lambda b: b["VoucherLines"][1].update(CurrencyAmount=0), 400, "VoucherLines[1].CurrencyAmount"),
    (lambda b: b["VoucherLines"][1].update(AccountId=1), 404, "VoucherLines[1].AccountId"),
    (lambda b: b["VoucherLines"][0].update(VatId=99999), 404, "VoucherLines[0].VatId"),
    (lambda b: b["VoucherLines"][0].update(DepartmentId=99999), 404, "VoucherLines[0].DepartmentId"),
    (lambda b: b["VoucherLines"][1].update(CurrencyAmount=125.01), 400, "VoucherLines"),
    (lambda b: b["VoucherLines"][1].update(CurrencyAmount=125.001), 400, "VoucherLines[1].CurrencyAmount"),
])
def test_post__refusals_are_problem_details_naming_the_field(poweroffice_sandbox, api, change, status, field):
    body = api.voucher()
    change(body)
    answer = api.post("/Vouchers/ManualJournals", body)
    assert answer.status_code == status
    problem = answer.json()
    assert problem["Status"] == status and problem["Title"] and field in problem["Errors"]
    assert poweroffice_sandbox.booked() == []


def test_post__vat_lock_required_dimensions_and_lock_date(poweroffice_sandbox, api):
    sb = poweroffice_sandbox
    sb.lock_vat_code(3000, "31")
    locked = api.post("/Vouchers/ManualJournals", api.voucher())
    assert locked.status_code == 400 and "locked to vat code 31" in locked.json()["Detail"]
    sb.lock_vat_code(3000, None)
    sb.require_dimensions(3000, department=True)
    assert "Department is required" in api.post("/Vouchers/ManualJournals", api.voucher()).json()["Detail"]
    departments = {d["Code"]: d["Id"] for d in api.get("/Departments").json()}
    assert api.post("/Vouchers/ManualJournals", api.voucher("ref-d", DepartmentId=departments["10"])).status_code == 201
    sb.require_dimensions(3000, department=False)
    sb.set_lock_date(date(2026, 11, 2))
    refused = api.post("/Vouchers/ManualJournals", api.voucher("ref-l"))
    assert refused.status_code == 400 and refused.json()["Title"] == "Lock date violation"
    assert api.post("/Vouchers/ManualJournals", api.voucher("ref-l", day="2026-11-03")).status_code == 201
    assert api.get("/LockDateSettings").json() == {"LockDate": "2026-11-02"}


def test_reference__one_per_client_freed_by_reversal(poweroffice_sandbox, api):
    created = api.post("/Vouchers/ManualJournals", api.voucher("ref-1")).json()
    duplicate = api.post("/Vouchers/ManualJournals", api.voucher("ref-1"))
    assert duplicate.status_code == 400 and duplicate.json()["Title"] == "Duplicate ExternalImportReference"
    # Another client may use the same reference: uniqueness is per client.
    other = Api(poweroffice_sandbox, 1)
    assert other.post("/Vouchers/ManualJournals", other.voucher("ref-1")).status_code == 201
    assert api.post(f"/Vouchers/Reverse/{created['Id']}").status_code == 202
    assert api.post("/Vouchers/ManualJournals", api.voucher("ref-1")).status_code == 201


# --- reading back ----------------------------------------------------------------------------------

def test_get_manual_voucher__only_this_integrations(poweroffice_sandbox, api):
    ours = api.post("/Vouchers/ManualJournals", api.voucher()).json()
    theirs = poweroffice_sandbox.add_voucher(api.voucher("gui-ref"))
    assert api.get(f"/Vouchers/ManualJournals/{ours['Id']}").json()["ExternalImportReference"] == "ref-1"
    assert api.get(f"/Vouchers/ManualJournals/{theirs['id']}").status_code == 404
    assert api.post(f"/Vouchers/Reverse/{theirs['id']}").status_code == 404
    assert Api(poweroffice_sandbox, 1).get(f"/Vouchers/ManualJournals/{ours['Id']}").status_code == 404


def test_account_transactions__dates_required_inclusive_types_paging_204(poweroffice_sandbox, api):
    assert api.get("/AccountTransactions", fromDate=DAY).status_code == 400
    assert api.get("/AccountTransactions", fromDate=DAY, toDate=DAY).status_code == 204
    api.post("/Vouchers/ManualJournals", api.voucher("a", day="2026-11-01"))
    created = api.post("/Vouchers/ManualJournals", api.voucher("b", day="2026-11-03")).json()
    rows = api.get("/AccountTransactions", fromDate="2026-11-01", toDate="2026-11-03").json()
    assert {r["ExternalImportReference"] for r in rows} == {"a", "b"} and len(rows) == 6
    assert all(r["VoucherType"] == "ManualJournal" and r["VoucherId"] for r in rows)
    page = api.get("/AccountTransactions", fromDate="2026-11-01", toDate="2026-11-03", PageSize=4, PageNumber=2).json()
    assert len(page) == 2
    api.post(f"/Vouchers/Reverse/{created['Id']}")
    reversals = api.get("/AccountTransactions", fromDate="2026-11-03", toDate="2026-11-03",
                        voucherTypes="ReversalVoucher").json()
    assert {r["ReversedVoucherId"] for r in reversals} == {created["Id"]} and all(r["IsReversed"] for r in reversals)


def test_reverse__202_then_already_reversed(poweroffice_sandbox, api):
    created = api.post("/Vouchers/ManualJournals", api.voucher()).json()
    assert api.post(f"/Vouchers/Reverse/{created['Id']}").status_code == 202
    again = api.post(f"/Vouchers/Reverse/{created['Id']}")
    assert again.status_code == 400 and "already reversed" in again.json()["Detail"]
    assert api.get(f"/Vouchers/ManualJournals/{created['Id']}").json()["IsReversed"] is True
    original, reversal = poweroffice_sandbox.booked()
    assert original["reversed"] and reversal["is_reversal"]
    assert [l["gross_ore"] for l in reversal["lines"]] == [-l["gross_ore"] for l in original["lines"]]


def test_reverse__refused_when_the_voucher_is_on_or_before_the_lock_date(poweroffice_sandbox, api):
    created = api.post("/Vouchers/ManualJournals", api.voucher()).json()
    poweroffice_sandbox.set_lock_date(date(2026, 11, 30))
    refused = api.post(f"/Vouchers/Reverse/{created['Id']}")
    assert refused.status_code == 400 and "lock date 2026-11-30" in refused.json()["Detail"]


def test_documentation__pdf_only_replace_and_only_api_vouchers():
    with PowerOfficeSandbox.start(max_seconds=60, max_documentation_bytes=2000) as sb:
        api = Api(sb)
        created = api.post("/Vouchers/ManualJournals", api.voucher()).json()
        assert api.get("/VoucherDocumentation", id=created["Id"]).json()[0]["HasPdf"] is False
        assert api.put_file(created["Id"], b"not a pdf", "text/plain").status_code == 400
        assert api.put_file(created["Id"], b"%PDF-1.4" + b"x" * 2000).status_code == 400  # over the limit
        assert api.put_file(created["Id"], b"%PDF-1.4 first").status_code == 204
        assert api.put_file(created["Id"], b"%PDF-1.4 second").status_code == 204
        assert sb.documentation(created["Id"]) == ("rapport.pdf", b"%PDF-1.4 second")
        documentation = api.get("/VoucherDocumentation", id=created["Id"]).json()[0]
        assert documentation["HasPdf"] and documentation["IsImported"]
        gui = sb.add_voucher(api.voucher("gui"))
        assert "imported via the API" in api.put_file(gui["id"], b"%PDF-1.4 x").json()["Detail"]


def test_lookups__accounts_by_lists_and_ranges_vat_dimensions_contacts(api):
    numbers = [a["AccountNo"] for a in api.get("/GeneralLedgerAccounts", accountNos="1900-1920,2990,7790-").json()]
    assert numbers == [1900, 1901, 1910, 1920, 2990, 7790, 7791, 8050]
    vat = {v["Code"]: v["Rate"] for v in api.get("/VatCodes").json()}
    assert vat["3"] == 0.25 and vat["31"] == 0.15 and vat["33"] == 0.12 and vat["0"] == 0
    assert {"3", "31", "32", "33", "5", "51", "52", "6", "7", "0"} <= set(vat)
    assert {d["Code"] for d in api.get("/Departments").json()} == {"10", "20"}
    assert {p["Code"] for p in api.get("/Projects").json()} == {"100", "200"}
    assert [c["Number"] for c in api.get("/Customers", customerNos="10001").json()] == [10001]
    assert [s["Number"] for s in api.get("/Suppliers", supplierNos="10001").json()] == [10001]
    assert api.get("/GeneralLedgerAccounts", accountNos="9999").status_code == 204


def test_every_default_ledger_account_is_seeded():
    from settlement.poweroffice_sandbox.seed import ACCOUNTS
    from tests.conftest import ROOT

    rows = [line.split(";") for line in (ROOT / "chart_of_accounts" / "default_ledger.csv").read_text("utf-8").splitlines()
            if line and not line.startswith(("#", "key;"))]
    assert {int(r[1].split(":")[0]) for r in rows} <= set(ACCOUNTS)


def test_replica_lag__reads_do_not_see_a_new_voucher_at_once():
    with PowerOfficeSandbox.start(max_seconds=60, replica_lag=0.6) as sb:
        api = Api(sb)
        created = api.post("/Vouchers/ManualJournals", api.voucher()).json()
        assert api.get(f"/Vouchers/ManualJournals/{created['Id']}").status_code == 404
        assert api.get("/AccountTransactions", fromDate=DAY, toDate=DAY).status_code == 204
        time.sleep(0.7)
        assert api.get("/AccountTransactions", fromDate=DAY, toDate=DAY).status_code == 200


def test_commit_then_drop__books_and_closes_the_connection(poweroffice_sandbox, api):
    poweroffice_sandbox.faults.commit_then_drop(1, method="POST", path_contains="/Vouchers/ManualJournals")
    with pytest.raises(requests.ConnectionError):
        api.post("/Vouchers/ManualJournals", api.voucher())
    assert len(poweroffice_sandbox.booked()) == 1 and poweroffice_sandbox.requests[-1].dropped


def test_settings_lines_and_two_companies(poweroffice_sandbox):
    lines = poweroffice_sandbox.settings_lines(1)
    assert lines[0] == f"SETTLEMENT_POWEROFFICE_BASE_URL={poweroffice_sandbox.base_url}"
    assert f"SETTLEMENT_POWEROFFICE_CLIENT_KEY={poweroffice_sandbox.client_key(1)}" in lines
    assert poweroffice_sandbox.client_key(0) != poweroffice_sandbox.client_key(1)
    assert Api(poweroffice_sandbox, 1).get("/ClientIntegrationInformation").json()["ClientName"] == "Bergen Franchise AS"
