"""The conventions every `settlement` command keeps: `--version`, options that say their defaults,
`--json` where a command prints results, and one table of exit statuses (settlement.cli.exit_codes)
in `--help`, the README and the commands' own behaviour."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pydantic", "sqlalchemy", "sqlmodel", "requests", "fpdf", "openpyxl", "lxml")


def _settlement(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "settlement", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kwargs)


def _parsers():
    """(prog, parser) of the program and every command and subcommand."""
    from settlement.cli import _commands, build_parser

    top = build_parser()
    return [(top.prog, top)] + [(sub.prog, sub) for sub in _commands(top)]


# --- --version ---------------------------------------------------------------------------------------

def test_version_prints_the_installed_packages_version_on_stdout():
    result = _settlement("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"settlement {importlib.metadata.version('settlement')}\n"


def test_version_loads_no_heavy_library():
    probe = ("import contextlib, io, sys\nfrom settlement.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        main(['--version'])\n    except SystemExit as exc:\n        assert exc.code == 0\n"
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- help on every option, with its default ------------------------------------------------------------

# Options in modules this convention's owner does not keep (another part of the project): their
# help is theirs to write. Everything else must have help.
NOT_OURS = {("settlement import payouts", "--provider")}


def _options():
    for prog, parser in _parsers():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or not action.option_strings:
                continue
            yield prog, parser, action


def test_every_option_has_help():
    missing = [f"{prog} {action.option_strings[0]}" for prog, _, action in _options()
               if not action.help and (prog, action.option_strings[0]) not in NOT_OURS]
    assert missing == []


def _shown(default) -> str:
    return f"{default:g}" if isinstance(default, float) else str(default)


def test_every_option_with_a_default_says_it_in_its_help():
    from settlement.cli import has_default

    checked, silent = 0, []
    for prog, parser, action in _options():
        if not has_default(action):
            continue
        text = parser._get_formatter()._expand_help(action)
        checked += 1
        if "default" not in text or _shown(action.default) not in text:
            silent.append(f"{prog} {action.option_strings[0]}: {text!r}")
    assert silent == []
    assert checked >= 8  # --timeout, --max-seconds, --format, --wait ... (a walk that found nothing proves nothing)


def test_a_default_shown_in_help_is_the_parsers_own():
    """The help says what argparse will use: changing a default changes its help."""
    result = _settlement("sandbox", "--help")
    assert result.returncode == 0
    assert "(default 3600)" in result.stdout and "(default fiken)" in result.stdout
    assert "(default 300)" in _settlement("connect", "--help").stdout


# --- --json on every command that prints results ----------------------------------------------------

NORMAL_DAY = ROOT / "tests" / "golden" / "voucher" / "normal_day.csv"
VENDOR, DAY = "bergen-bryggen", "2026-11-02"


def _json(status_out_err: tuple[int, str, str]) -> tuple[int, object]:
    """(exit status, the parsed stdout) of ws.invoke: stdout must be one JSON document and nothing else."""
    status, out, err = status_out_err
    try:
        return status, json.loads(out)
    except ValueError:
        raise AssertionError(f"stdout is not JSON:\n{out}\n--- stderr:\n{err}") from None


def _import_normal_day(ws) -> None:
    status, out, err = ws.invoke("import", "sales", str(NORMAL_DAY), "--vendor", VENDOR)
    assert status == 0, out + err


def test_accounts_check_json_lists_each_problem_with_file_line_and_severity(workspace):
    mapping = workspace.chart / "mapping.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines()
    mapping.write_text("\n".join(lines + ["group;bogus;no_such_key"]) + "\n", encoding="utf-8")
    status, problems = _json(workspace.invoke("accounts", "check", "--json"))
    assert status == 1
    assert isinstance(problems, list) and problems
    assert all(set(p) == {"severity", "message", "file", "line", "column", "value", "ref", "text"} for p in problems)
    bad = [p for p in problems if p["severity"] == "error"]
    assert len(bad) == 1, problems
    assert bad[0]["file"].endswith("mapping.csv") and bad[0]["line"] == len(lines) + 1
    assert "no_such_key" in bad[0]["text"]


def test_accounts_check_json_of_a_clean_chart_has_no_error(workspace):
    status, problems = _json(workspace.invoke("accounts", "check", "--json"))
    assert status == 0
    assert [p for p in problems if p["severity"] == "error"] == []


def test_report_json_lists_the_reconciliation_rows_in_ore(workspace):
    _import_normal_day(workspace)
    status, rows = _json(workspace.invoke("report", "--vendor", VENDOR, "--date", DAY, "--json"))
    assert status == 0
    assert rows and {row["date"] for row in rows} == {DAY}
    keys = {"vendor", "date", "method", "counterpart", "account", "account_name", "receipts", "paid", "refunded",
            "net", "status"}
    assert all(set(row) == keys for row in rows)
    assert all(isinstance(row["paid"], int) and row["net"] == row["paid"] + row["refunded"] for row in rows)
    # The same rows as the CSV, line for line.
    status, csv_text, _ = workspace.invoke("report", "--vendor", VENDOR, "--date", DAY)
    assert len(csv_text.strip().splitlines()) == len(rows) + 1  # a header and one line a row


def test_report_json_does_not_go_with_pdf_or_xlsx(workspace):
    assert workspace.invoke("report", "--vendor", VENDOR, "--date", DAY, "--json", "--pdf")[0] == 2
    assert workspace.invoke("report", "--vendor", VENDOR, "--date", DAY, "--json", "--format", "xlsx",
                            "--output", "x.xlsx")[0] == 2


def test_catch_up_json_lists_every_day_and_a_dry_run_each_step(posting_ws):
    ws = posting_ws
    _import_normal_day(ws)
    status, planned = _json(ws.invoke("catch-up", "--vendor", VENDOR, "--through", DAY, "--dry-run", "--json"))
    assert status == 0
    assert [(p["kind"], p["date"], p["status"]) for p in planned] == [
        ("day", "2026-11-01", "would-record-empty"), ("day", DAY, "would-post")]
    status, results = _json(ws.invoke("catch-up", "--vendor", VENDOR, "--through", DAY, "--json"))
    assert status == 0
    days = [r for r in results if r["kind"] == "day"]
    assert [(r["vendor"], r["date"], r["status"]) for r in days] == [
        (VENDOR, "2026-11-01", "empty"), (VENDOR, DAY, "documented")]
    assert all(set(r) == {"kind", "vendor", "date", "status", "message"} for r in results)


def test_audit_json_lists_the_posting_trail(posting_ws):
    ws = posting_ws
    _import_normal_day(ws)
    assert ws.invoke("run", "--vendor", VENDOR, "--date", DAY)[0] == 0
    status, rows = _json(ws.invoke("audit", "--vendor", VENDOR, "--date", DAY, "--json"))
    assert status == 0
    assert all(set(row) == {"at", "vendor", "date", "action", "key", "detail"} for row in rows)
    actions = [row["action"] for row in rows]
    assert "sending" in actions and actions[-1] == "documented", actions
    assert {row["key"] for row in rows if row["action"] == "documented"} == {f"[settlement:{VENDOR}:{DAY}:v1]"}


def test_test_connection_json_gives_each_vendors_checks(posting_ws):
    status, results = _json(posting_ws.invoke("test-connection", "--vendor", VENDOR, "--json"))
    assert [r["vendor"] for r in results] == [VENDOR]
    result = results[0]
    assert result["ledger"] == "fiken" and result["company"]["slug"] == "demo-as"
    assert result["connected_as"]["email"]
    assert result["checks"] and all(set(c) == {"name", "status", "reason", "details"} for c in result["checks"])
    assert result["passed"] is (status == 0)
    assert result["passed"], result


def test_test_connection_json_says_a_refused_credential(posting_ws):
    posting_ws.extra_env["SETTLEMENT_FIKEN_TOKEN"] = "personal-not-a-real-token"
    status, results = _json(posting_ws.invoke("test-connection", "--vendor", VENDOR, "--json"))
    assert status == 1
    assert results[0]["passed"] is False
    assert any(c["status"] == "FAILED" for c in results[0]["checks"])


# --- one table of exit statuses -------------------------------------------------------------------------

def test_the_readme_has_the_same_exit_table_as_the_code():
    from settlement.cli.exit_codes import markdown_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme


def test_settlement_help_ends_with_the_exit_table():
    from settlement.cli.exit_codes import MEANINGS

    result = _settlement("--help")
    assert result.returncode == 0
    table = result.stdout[result.stdout.index("exit status:"):]
    flat = " ".join(table.split())
    for code, meaning in MEANINGS:
        assert f"{code} {meaning}" in flat, code


def test_every_commands_help_points_to_the_exit_table():
    """Run in a fresh interpreter: each command's --help as a user sees it."""
    probe = """
import contextlib, io, json, sys
from settlement.cli import _commands, build_parser, main
names = sorted({" ".join(p.prog.split()[1:]) for p in _commands(build_parser())})
seen = {}
for name in names:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main([*name.split(), "--help"])
        except SystemExit:
            pass
    seen[name] = " ".join(out.getvalue().split())
print(json.dumps(seen))
"""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    helps = json.loads(result.stdout)
    assert {"run", "catch-up", "import sales", "accounts check", "sandbox", "web adduser"} <= set(helps)
    pointer = "the table is in `settlement --help`"
    assert [name for name, text in helps.items() if pointer not in text or "3 a ledger, source or the database" not in text] == []


def test_a_usage_error_exits_2():
    assert _settlement("run", "--vendor").returncode == 2
    assert _settlement("no-such-command").returncode == 2


def test_run_exits_3_when_the_ledger_is_unavailable_and_0_once_it_is_back(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _import_normal_day(ws)
    ws.extra_env["SETTLEMENT_FIKEN_RETRY_ATTEMPTS"] = "1"
    sb.faults.error_rate(1.0, statuses=(503,))
    down = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    sb.faults.clear()
    assert down.returncode == 3, down.stdout + down.stderr
    assert "try again later" in down.stderr and "Traceback" not in down.stderr
    assert sb.journal_entries("demo-as") == []
    back = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert back.returncode == 0, back.stdout + back.stderr
    assert len(sb.journal_entries("demo-as")) == 1


def test_run_refused_by_the_ledger_exits_1_not_3(posting_ws):
    """A refusal is the data's problem (a person must look), not the ledger's availability."""
    ws, sb = posting_ws, posting_ws.sandbox
    _import_normal_day(ws)
    sb.faults.error_rate(1.0, statuses=(400,))
    refused = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    sb.faults.clear()
    assert refused.returncode == 1, refused.stdout + refused.stderr


def test_import_woocommerce_exits_3_when_the_shop_does_not_answer(workspace, woo_shop):
    from tests.fixtures_woo import run_woo_cli

    woo_shop.fail_next(503, times=10, retry_after=0)  # more than the client's retries
    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "HTTP 503" in result.stderr and "try again later" in result.stderr


def test_import_woocommerce_refused_key_stays_1(workspace, woo_shop):
    from tests.fixtures_woo import run_woo_cli

    result = run_woo_cli(workspace, woo_shop, "import", "woocommerce", "--vendor", "nettbutikk", secret="cs_wrong")
    assert result.returncode == 1, result.stdout + result.stderr
