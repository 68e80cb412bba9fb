"""`accounts check` in bokmål (issue 17): the Excel-saved chart's problems and warnings, in Norwegian,
each with its file and line; English with SETTLEMENT_LANGUAGE=en; an unknown language refused.

The chart files are the ones tests/test_chart_excel.py builds the way Excel writes them: "CSV
(semicolon)" in Windows-1252 with CRLF, quoted fields, trailing empty columns, a blank row and
Norwegian headers; the same as "Unicode text" (UTF-16); and as workbooks where 04006 became 4006.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlement.domain import text
from tests.test_accounts_check import BAD_VENDORS
from tests.test_chart_excel import LEDGER, MAPPING, _excel_csv, _expected, _fresh_chart, _unicode_text, _workbook


@pytest.fixture(autouse=True)
def _english_afterwards():
    # workspace.invoke runs the CLI in this process, which installs the language it is given.
    yield
    text.install(text.ENGLISH)


def _expected_nb(chart: Path, ext: str) -> list[str]:
    ledger, mapping = chart / f"default_ledger.{ext}", chart / f"mapping.{ext}"

    def lost(line: int, source: str, code: str, saft: str) -> str:
        return (f"{mapping}:{line}: advarsel: {source}-koden '{code}' ser ut som "
                f"SAF-T-koden '{saft}' uten det første sifferet (Excel fjerner nuller foran); mener du '{saft}', "
                f"skriv den slik (som tekst i Excel: '{saft}) (kolonne 'code', verdi '{code}')")

    return [
        f"{ledger}:10: ugyldig kontonummer for nøkkelen 'sales_food': forventet NNNN eller NNNN:NNNNN "
        "(kolonne 'konto', verdi '30300')",
        f"{mapping}:8: tilordning til ukjent nøkkel 'payment_swish' (kolonne 'nøkkel', verdi 'payment_swish')",
        lost(3, "group", "4006", "04006"),
        lost(4, "group", "4003", "04003"),
        lost(7, "payment", "2001", "12001"),
    ]


def _write(chart: Path, kind: str) -> str:
    """The chart's two files as Excel saves them; the extension they have."""
    if kind == "xlsx":
        _workbook(LEDGER, chart / "default_ledger.xlsx")
        _workbook(MAPPING, chart / "mapping.xlsx")
        return "xlsx"
    build = _excel_csv if kind == "csv" else _unicode_text
    (chart / "default_ledger.csv").write_bytes(build(LEDGER))
    (chart / "mapping.csv").write_bytes(build(MAPPING))
    return "csv"


@pytest.mark.parametrize("kind", ["csv", "unicode-text", "xlsx"])
def test_an_excel_saved_chart_gives_exactly_its_problems_and_warnings_in_norwegian(workspace, kind):
    chart = _fresh_chart(workspace)
    ext = _write(chart, kind)
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    status, out, err = workspace.invoke("accounts", "check")
    assert (status, err.strip().splitlines(), out.strip()) == (1, _expected_nb(chart, ext), "2 problemer funnet")


def test_the_norwegian_lines_come_from_the_real_command_too(workspace):
    chart = _fresh_chart(workspace)
    _write(chart, "csv")
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    result = workspace.run("accounts", "check", check=False)
    assert (result.returncode, result.stderr.strip().splitlines(), result.stdout.strip()) == (
        1, _expected_nb(chart, "csv"), "2 problemer funnet")


def test_settlement_language_en_gives_the_english_lines(workspace):
    chart = _fresh_chart(workspace)
    _write(chart, "csv")
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "en"
    status, out, err = workspace.invoke("accounts", "check")
    assert (status, err.strip().splitlines(), out.strip()) == (1, _expected(chart, "csv"), "2 problem(s) found")


def test_a_valid_chart_is_ok_in_norwegian(workspace):
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    status, out, err = workspace.invoke("accounts", "check")
    assert (status, err) == (0, "")
    app = workspace.app()
    assert out.strip() == (f"OK: {len(app.vendors)} butikk(er), {len(app.chart.default_ledger)} nøkler, "
                           f"{len(app.chart.default_mapping)} tilordningsrader")


def test_one_problem_is_singular_in_norwegian(workspace):
    (workspace.chart / "default_ledger.csv").write_bytes(b"key;konto\r\nsettlement;1901\r\n")
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    status, out, err = workspace.invoke("accounts", "check")
    assert (status, err.strip().splitlines(), out.strip()) == (
        1, [f"{workspace.chart}/default_ledger.csv:1: kolonne(r) mangler: name; fant key, konto"], "1 problem funnet")


def test_an_unknown_language_is_a_settings_error_naming_settlement_language(workspace):
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "sv"
    result = workspace.run("accounts", "check", check=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    named = [line for line in result.stderr.splitlines() if line.strip().startswith("SETTLEMENT_LANGUAGE:")]
    assert len(named) == 1 and "'sv'" in named[0] and "nb, en" in named[0], result.stderr


def test_vendors_file_problems_in_norwegian_name_file_vendor_and_key(workspace):
    path = workspace.write(
        "vendors.toml",
        BAD_VENDORS + 'open_days = ["mon", "funday"]\n',
    )
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 1
    assert err.strip().splitlines() == [
        f"{path}:9: butikk bad-store: den påkrevde nøkkelen 'fiken_company' mangler (kolonne 'fiken_company')",
        f"{path}:12: butikk bad-store: nøkkelen 'timezone' ukjent tidssone 'Europe/Osло' (f.eks. Europe/Oslo) "
        "(kolonne 'timezone', verdi 'Europe/Osло')",
        f"{path}:13: butikk bad-store: nøkkelen 'closing_time' '25:00' er ikke et klokkeslett TT:MM "
        "(kolonne 'closing_time', verdi '25:00')",
        f"{path}:14: butikk bad-store: nøkkelen 'enabled_since' må være en dato ÅÅÅÅ-MM-DD "
        "(kolonne 'enabled_since', verdi 'yesterday')",
        f"{path}:15: butikk bad-store: ukjent nøkkel 'colour' (kolonne 'colour')",
        f"{path}:16: butikk bad-store: nøkkelen 'open_days' er ingen ukedag: 'funday' (f.eks. man, tir, ons, tor, fre, "
        "lør, søn eller mon, tue, ...) (kolonne 'open_days', verdi \"['mon', 'funday']\")",
    ]
    assert out.strip() == "6 problemer funnet"


def test_accounts_show_in_norwegian_has_norwegian_headings(workspace):
    workspace.write("chart_of_accounts/vendors/oslo-sentrum.csv", "key;account;name\npayment_card;1920:10002;Kort Oslo\n")
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    status, out, _ = workspace.invoke("accounts", "show", "--vendor", "oslo-sentrum")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Gjeldende kontoplan for oslo-sentrum (Oslo Sentrum)"
    assert lines[1] == f"{'nøkkel':<18} {'konto':<12} {'fra':<9} navn"
    card = next(line for line in lines if line.startswith("payment_card "))
    assert "1920:10002" in card and " overstyrt " in card
    high = next(line for line in lines if line.startswith("sales_high "))
    assert " standard " in high
    mapping = lines.index("") + 1
    assert lines[mapping].startswith("Tilordning (") and lines[mapping].endswith(" koder)")
    assert lines[mapping + 1] == f"{'kilde':<8} {'kode':<12} {'nøkkel':<18} konto"
