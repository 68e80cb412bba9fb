"""`settlement test-connection` against the sandbox through the real CLI: the report when all is
well, and each failure cause with its plain-words reason and exit status."""

from __future__ import annotations

import socket

import pytest
import requests

OUR_MARK = "[settlement:oslo-sentrum:2026-11-03:v1]"
LINES = [{"amount": 10000, "debitAccount": "1900", "creditAccount": "3000", "creditVatCode": 3}]


def one_vendor(ws, company: str = "demo-as", enabled_since: str = "2026-11-01", extra: str = "") -> None:
    ws.write("vendors.toml", f"""
[[vendors]]
id = "oslo-sentrum"
name = "Oslo Sentrum"
timezone = "Europe/Oslo"
closing_time = "22:30"
enabled_since = {enabled_since}
fiken_company = "{company}"
{extra}
""")


@pytest.fixture
def ws(posting_ws):
    """A workspace with one vendor on the sandbox's demo-as and the personal token in the environment."""
    one_vendor(posting_ws)
    return posting_ws


def check(ws, *args: str) -> tuple[int, str]:
    status, out, err = ws.invoke("test-connection", *args)
    return status, out + err


def line_with(text: str, fragment: str) -> str:
    found = [line for line in text.splitlines() if fragment in line]
    assert found, f"no line with {fragment!r} in:\n{text}"
    return found[0]


def test_all_checks_pass_and_the_report_names_user_and_company(ws):
    result = ws.run("test-connection")  # a real process, for the real exit status
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith("Connected to Fiken as Demo Regnskapsfører (regnskap@demo-as.example)\n")
    assert "oslo-sentrum (Oslo Sentrum): Demo AS, slug demo-as, organisation number 999999999" in out
    for name in ("token works and company reachable", "API module active (hasApiAccess)",
                 "every ledger account exists in Fiken's chart of accounts",
                 "enabled_since is not before the company's accounting start",
                 "no bookings from others dated on or after enabled_since 2026-11-01"):
        assert line_with(out, name).split()[0] == "OK"
    assert out.rstrip().endswith("All checks passed.")
    assert ws.sandbox.personal_token not in out + result.stderr


def test_the_personal_token_can_come_from_the_secrets_directory(ws, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "settlement_fiken_token").write_text(ws.extra_env.pop("SETTLEMENT_FIKEN_TOKEN") + "\n")
    ws.extra_env["SETTLEMENT_SECRETS_DIR"] = str(secrets)
    status, out = check(ws)
    assert status == 0, out


@pytest.mark.parametrize("how", ["wrong", "revoked"])
def test_a_bad_or_revoked_personal_token_is_named(ws, how):
    if how == "wrong":
        ws.extra_env["SETTLEMENT_FIKEN_TOKEN"] = "not-a-token"
    else:
        ws.sandbox.revoke(ws.sandbox.personal_token)
    status, out = check(ws)
    assert status == 1
    assert "Fiken refused the personal API token (wrong or revoked)" in out
    assert "SETTLEMENT_FIKEN_TOKEN" in out and "Connected to Fiken" not in out


def test_no_credential_at_all_says_what_to_set(ws):
    del ws.extra_env["SETTLEMENT_FIKEN_TOKEN"]
    status, out = check(ws)
    assert status == 1
    assert "no Fiken credential: set SETTLEMENT_FIKEN_TOKEN" in out


def test_a_company_without_the_api_module_fails_the_module_check(ws):
    one_vendor(ws, company="uten-api-as")
    status, out = check(ws)
    assert status == 1
    assert "Uten API AS, slug uten-api-as" in out
    module = line_with(out, "API module active")
    assert module.split()[0] == "FAILED" and "the API module is not active for uten-api-as" in module
    assert line_with(out, "every ledger account exists").split()[0] == "SKIPPED"
    assert out.rstrip().endswith("Some checks did not pass (see above).")


def test_an_unknown_company_slug_lists_the_companies_the_token_reaches(ws):
    one_vendor(ws, company="finnes-ikke-as")
    status, out = check(ws)
    assert status == 1
    reason = line_with(out, "token works and company reachable")
    assert reason.split()[0] == "FAILED"
    assert "unknown company slug 'finnes-ikke-as': this credential reaches demo-as, demo-prosjekt-as, uten-api-as" in reason


def test_network_failure_on_a_closed_port_is_named(ws):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again now: nothing listens there.
    ws.extra_env.update(SETTLEMENT_FIKEN_BASE_URL=f"http://127.0.0.1:{port}/api/v2", SETTLEMENT_FIKEN_RETRY_ATTEMPTS="2")
    status, out = check(ws)
    assert status == 1
    assert f"cannot reach Fiken at http://127.0.0.1:{port}/api/v2: connection refused" in out


def test_missing_accounts_are_listed_with_ledger_key_and_csv_line(ws):
    ledger = ws.chart / "default_ledger.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("difference;"))
    lines[number - 1] = "difference;7791;Kassedifferanse (feil konto)"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out = check(ws)
    assert status == 1
    assert line_with(out, "every ledger account exists").split()[0] == "FAILED"
    detail = line_with(out, "missing account 7791")
    assert "(ledger key difference, " in detail and detail.rstrip().endswith(f"default_ledger.csv:{number})")
    assert "missing account 7790" not in out and "missing account 1920:10001" not in out


def test_enabled_since_before_the_accounting_start_fails(ws):
    one_vendor(ws, enabled_since="2025-12-01")
    status, out = check(ws)
    assert status == 1
    reason = line_with(out, "enabled_since is not before")
    assert reason.split()[0] == "FAILED"
    assert "enabled_since 2025-12-01 is before the accounting start 2026-01-01" in reason


def test_foreign_bookings_on_or_after_enabled_since_are_a_warning(ws):
    sb = ws.sandbox
    sb.add_journal_entry("demo-as", "2026-11-05", "Dagsoppgjør fra kassesystemet", LINES)
    sb.add_journal_entry("demo-as", "2026-10-30", "Før oppstart", LINES)  # before enabled_since: fine
    sb.add_journal_entry("demo-as", "2026-11-03", f"Dagsoppgjør {OUR_MARK}", LINES)  # ours: fine
    sale = {"saleNumber": "K-77", "date": "2026-11-06", "kind": "cash_sale", "paid": True, "currency": "NOK",
            "totalPaid": 12500, "paymentAccount": "1920:10001",
            "lines": [{"description": "Varer", "netPrice": 10000, "vat": 2500, "vatType": "HIGH"}]}
    created = requests.post(f"{sb.base_url}/companies/demo-as/sales", json=sale, timeout=5,
                            headers={"Authorization": f"Bearer {sb.personal_token}"})
    assert created.status_code == 201, created.text

    status, out = check(ws)
    assert status == 0, out  # a warning does not fail the check ...
    assert out.rstrip().endswith("All checks passed, with warnings (see above).")
    warning = line_with(out, "no bookings from others")
    assert warning.split()[0] == "WARNING"
    assert "1 journal entry and 1 sale(s) on or after 2026-11-01 that settlement did not create" in warning
    assert "on 2026-11-05: 'Dagsoppgjør fra kassesystemet'" in out and "sale K-77 on 2026-11-06" in out
    assert "Før oppstart" not in out and OUR_MARK not in out
    assert check(ws, "--strict")[0] == 1  # ... unless asked to


def test_a_project_needs_the_project_module_402_and_must_exist(ws):
    project = 'posting = "cash_sale"\nfiken_project = 73408301'
    one_vendor(ws, company="demo-as", extra=project)  # demo-as has no project module
    status, out = check(ws)
    assert status == 1
    reason = line_with(out, "project 73408301 exists")
    assert reason.split()[0] == "FAILED" and "the project module is not active for demo-as (402)" in reason

    one_vendor(ws, company="demo-prosjekt-as", extra=project)
    status, out = check(ws)
    assert status == 0, out
    assert line_with(out, "project 73408301 exists").split()[0] == "OK"

    one_vendor(ws, company="demo-prosjekt-as", extra='posting = "cash_sale"\nfiken_project = 999')
    status, out = check(ws)
    assert status == 1
    assert "no project 999 in demo-prosjekt-as; it has: 73408301 (Butikk Sentrum)" in line_with(out, "project 999")
