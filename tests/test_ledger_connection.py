"""`settlement test-connection` for vendors on Tripletex and PowerOffice Go (beside Fiken): who we
are connected as, each vendor's accounts and VAT codes, a missing account or credential named."""

from __future__ import annotations

import pytest

VENDORS = """\
[[vendors]]
id = "trondheim-torg"
name = "Trondheim Torg"
closing_time = "20:00"
enabled_since = 2026-11-01
ledger = "tripletex"
department = "10"

[[vendors]]
id = "stavanger-sentrum"
name = "Stavanger Sentrum"
closing_time = "20:00"
enabled_since = 2026-11-01
ledger = "poweroffice"
department = "20"
"""


def _settings(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def ledgers_ws(workspace, tripletex_sandbox, poweroffice_sandbox):
    workspace.write("vendors.toml", VENDORS)
    workspace.extra_env.update(_settings(tripletex_sandbox.settings_lines(0)))
    workspace.extra_env.update(_settings(poweroffice_sandbox.settings_lines(0)))
    workspace.tripletex, workspace.poweroffice = tripletex_sandbox, poweroffice_sandbox
    return workspace


def test_every_ledger_is_checked_and_all_pass(ledgers_ws):
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 0, out + err
    assert "== tripletex ==" in out and "== poweroffice ==" in out
    assert "Connected to Tripletex:" in out and "Connected to PowerOffice:" in out
    assert "company Bryggen Butikkdrift AS" in out and "organization_number 912345670" in out
    assert "client Demo Butikk AS" in out
    # The default ledger's Fiken sub-account is booked on its plain account in Tripletex: said, not failed.
    assert "WARNING" in out and "1920:10001" in out and "plain account 1920" in out
    assert "FAILED" not in out and out.rstrip().endswith("All checks passed, with warnings (see above).")


def test_an_account_missing_in_the_ledger_fails_naming_it(ledgers_ws):
    ledgers_ws.tripletex.deactivate_account(1580)
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 1, out + err
    tripletex = out.split("== poweroffice ==")[0]
    assert "FAILED" in tripletex and "1580" in tripletex, out
    assert "Some checks did not pass" in out


def test_a_missing_credential_is_named_and_the_other_ledger_still_checked(ledgers_ws):
    del ledgers_ws.extra_env["SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN"]
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 1
    assert "SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN" in err
    assert "Connected to PowerOffice:" in out
    assert ledgers_ws.tripletex.requests == [] or all("token" in r.path.lower() for r in ledgers_ws.tripletex.requests)
