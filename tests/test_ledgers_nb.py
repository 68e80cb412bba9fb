"""The ledgers in bokmål, through the real CLI with SETTLEMENT_LANGUAGE=nb against the local
sandboxes: test-connection's lines (the status column too: OK / FEIL / ADVARSEL), a voucher line
the ledger refuses (the blocked reason still names the line: section, account, VAT code), and a
refused credential. `--json` keeps its keys and the English status values."""

from __future__ import annotations

import json

import pytest

from settlement.domain import text
from tests.test_ledger_connection import VENDORS as LEDGER_VENDORS, _settings

VENDOR, DAY = "bergen-bryggen", "2026-11-02"

# One receipt at 25 % and one at 15 % (account 3030, VAT code 31), paid by card.
DAY_CSV = """receipt_id;timestamp;type;code;vat_code;amount;vat
B-1;2026-11-02T09:15:00;sale;high;3;125,00;25,00
B-1;2026-11-02T09:15:00;sale;food;31;57,50;7,50
B-1;2026-11-02T09:15:00;payment;card;;182,50;
"""

VENDORS = """\
[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-01
{keys}
"""


@pytest.fixture(autouse=True)
def english_again():
    """`invoke` runs the CLI in this process, which installs bokmål: the next test reads English."""
    yield
    text.install(text.ENGLISH)


def _nb(workspace):
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    return workspace


def _line_with(out: str, fragment: str) -> str:
    found = [line for line in out.splitlines() if fragment in line]
    assert found, f"no line with {fragment!r} in:\n{out}"
    return found[0]


# --- Fiken: test-connection ------------------------------------------------------------------------

def _fiken_vendor(ws) -> None:
    ws.write("vendors.toml", """
[[vendors]]
id = "oslo-sentrum"
name = "Oslo Sentrum"
timezone = "Europe/Oslo"
closing_time = "22:30"
enabled_since = 2026-11-01
fiken_company = "demo-as"
""")


def test_fiken_test_connection_with_a_missing_account_in_bokmal(posting_ws):
    ws = _nb(posting_ws)
    _fiken_vendor(ws)
    ledger = ws.chart / "default_ledger.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("difference;"))
    lines[number - 1] = "difference;7791;Kassedifferanse (feil konto)"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")

    status, out, err = ws.invoke("test-connection")

    assert status == 1, out + err
    shown = out.splitlines()
    assert shown[0] == "Koblet til Fiken som Demo Regnskapsfører (regnskap@demo-as.example)"
    assert "oslo-sentrum (Oslo Sentrum): Demo AS, slug demo-as, organisasjonsnummer 999999999" in shown
    assert "  OK       tokenet virker og foretaket kan nås" in shown
    assert "  OK       API-modulen er aktiv (hasApiAccess)" in shown
    assert "  FEIL     hver konto i nøkkelfilen finnes i Fikens kontoplan: 1 konto mangler i Fiken" in shown
    detail = _line_with(out, "mangler konto 7791")
    assert detail.startswith("             mangler konto 7791 (nøkkel difference, ")
    assert detail.rstrip().endswith(f"default_ledger.csv:{number})")
    # The day is written the Norwegian way in a check's name.
    assert _line_with(out, "ingen bokføringer fra andre").startswith(
        "  OK       ingen bokføringer fra andre datert på eller etter enabled_since 01.11.2026")
    assert shown[-1] == "Noen kontroller gikk ikke gjennom (se over)."
    assert "FAILED" not in out and "Connected" not in out


def test_fiken_test_connection_json_keeps_english_keys_and_statuses(posting_ws):
    ws = _nb(posting_ws)
    _fiken_vendor(ws)
    status, out, err = ws.invoke("test-connection", "--json")
    assert status == 0, out + err
    (result,) = json.loads(out)
    assert set(result) == {"vendor", "name", "ledger", "credential", "connected_as", "company", "checks", "passed"}
    assert {check["status"] for check in result["checks"]} == {"OK"}


def test_a_refused_fiken_token_is_said_in_bokmal(posting_ws):
    ws = _nb(posting_ws)
    _fiken_vendor(ws)
    ws.extra_env["SETTLEMENT_FIKEN_TOKEN"] = "not-a-token"
    status, out, err = ws.invoke("test-connection")
    assert status == 1
    assert ("feil: Fiken avviste det personlige API-tokenet (feil eller tilbakekalt); lag et nytt under "
            "Rediger konto → API og sett SETTLEMENT_FIKEN_TOKEN (401)") in err, out + err
    assert "Koblet til Fiken" not in out


# --- Tripletex and PowerOffice: test-connection and a refused credential -------------------------

@pytest.fixture
def ledgers_ws(workspace, tripletex_sandbox, poweroffice_sandbox):
    workspace.write("vendors.toml", LEDGER_VENDORS)
    workspace.extra_env.update(_settings(tripletex_sandbox.settings_lines(0)))
    workspace.extra_env.update(_settings(poweroffice_sandbox.settings_lines(0)))
    workspace.tripletex, workspace.poweroffice = tripletex_sandbox, poweroffice_sandbox
    return _nb(workspace)


def test_tripletex_and_poweroffice_test_connection_in_bokmal(ledgers_ws):
    ledgers_ws.tripletex.deactivate_account(1580)
    ledgers_ws.poweroffice.deactivate_account(1920)
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 1, out + err
    tripletex, poweroffice = out.split("== poweroffice ==")
    assert _line_with(tripletex, "Koblet til Tripletex: ").startswith("Koblet til Tripletex: ansatt ")
    assert "foretak Bryggen Butikkdrift AS" in tripletex and "organisasjonsnummer 912345670" in tripletex
    inactive = _line_with(tripletex, "1580")
    assert inactive.startswith("  FEIL     ") and "Tripletex: konto 1580 (nøkkel " in inactive
    assert inactive.rstrip().endswith(") er inaktiv")
    plain = _line_with(tripletex, "1920:10001")
    assert plain.startswith("  ADVARSEL ") and "bokføres på hovedkontoen 1920 (underkonto er Fikens form)" in plain
    assert "Koblet til PowerOffice: klient Demo Butikk AS" in poweroffice
    assert _line_with(poweroffice, "konto 1920 er ikke aktiv i PowerOffice, nøkkel ").startswith("  FEIL     ")
    assert out.rstrip().endswith("Noen kontroller gikk ikke gjennom (se over).")
    assert "FAILED" not in out and "WARNING" not in out


def test_a_missing_tripletex_credential_is_said_in_bokmal(ledgers_ws):
    del ledgers_ws.extra_env["SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN"]
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 1
    assert ("feil: Tripletex: ingen Tripletex-tilgang 'default': sett SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN"
            in err), err
    assert "Koblet til PowerOffice: klient Demo Butikk AS" in out


def test_refused_tripletex_tokens_are_said_in_bokmal(ledgers_ws):
    ledgers_ws.extra_env["SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN"] = "not-the-token"
    status, out, err = ledgers_ws.invoke("test-connection")
    assert status == 1
    assert ("Tripletex avviste tokenene til tilgangen 'default': sjekk SETTLEMENT_TRIPLETEX_CONSUMER_TOKEN og "
            "SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN (ansatt-tokenet kan være tilbakekalt eller utløpt)") in err, err


# --- a voucher line the ledger refuses: the blocked reason in bokmål, naming the line --------------

def _post_day(workspace, sandbox, keys):
    workspace.extra_env.update(_settings(sandbox.settings_lines(0)))
    workspace.write("vendors.toml", VENDORS.format(keys=keys))
    _nb(workspace)
    status, out, err = workspace.invoke("import", "sales", "--vendor", VENDOR,
                                        str(workspace.write("kasse.csv", DAY_CSV)))
    assert status == 0, out + err
    status, out, err = workspace.invoke("run", "--vendor", VENDOR, "--date", DAY)
    return status, out + err


def test_a_line_tripletex_refuses_blocks_the_day_naming_the_line_in_bokmal(workspace, tripletex_sandbox):
    tripletex_sandbox.lock_vat(3030, "3")
    status, out = _post_day(workspace, tripletex_sandbox, 'ledger = "tripletex"')
    assert status != 0, out
    assert ("Tripletex avviste forespørselen (422): bilagslinje 2 (Salg: Salgsinntekt, næringsmidler 15 %, "
            "konto 3030, mva-kode 31): postings.vatType: Kontoen 3030 er låst til mva-kode 3.") in out, out
    assert _line_with(out, "bilagslinje 2").startswith(f"{VENDOR} 02.11.2026: ")
    assert "voucher line" not in out and "account 3030" not in out


def test_a_line_poweroffice_refuses_blocks_the_day_naming_the_line_in_bokmal(workspace, poweroffice_sandbox):
    poweroffice_sandbox.lock_vat_code(3030, "3")
    status, out = _post_day(workspace, poweroffice_sandbox, 'ledger = "poweroffice"')
    assert status != 0, out
    assert "PowerOffice avviste forespørselen (400): " in out, out
    assert out.rstrip().endswith("; det gjelder VatId på bilagslinje 2 (salg, konto 3030, mva-kode 31))"), out
    assert _line_with(out, "bilagslinje 2").startswith(f"{VENDOR} 02.11.2026: ")
    assert "voucher line" not in out and "it concerns" not in out
