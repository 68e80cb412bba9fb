"""`settlement --help` and every `settlement COMMAND --help` stay light: they load none of the
heavy libraries (the command modules import their implementations inside the handlers); and the
import-linter contracts in pyproject.toml name every part of the package."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What registering the commands must not load (their import alone costs most of a second).
HEAVY = (
    "apscheduler", "fpdf", "lxml", "openpyxl", "pandas", "psycopg", "pydantic", "pydantic_settings",
    "requests", "requests_oauthlib", "sqlalchemy", "sqlmodel",
)

# Runs in a fresh interpreter: `--help` of the program and of every command and subcommand, then
# prints the command lines it tried and the heavy modules loaded by then.
PROBE = """
import argparse, contextlib, io, json, sys
from settlement.cli import build_parser, main

def commands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + (name,)
                yield from commands(sub, prefix + (name,))

tried = []
for argv in [()] + sorted(set(commands(build_parser()))):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main([*argv, "--help"])
        except SystemExit as exc:
            assert exc.code == 0, (argv, exc.code)
    tried.append(" ".join(argv))
heavy = sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[1]))
print(json.dumps({"tried": tried, "heavy": heavy}))
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)


def test_help_of_every_command_loads_no_heavy_library():
    result = json.loads(_run("-c", PROBE, json.dumps(HEAVY)).stdout)
    assert {"run", "catch-up", "preview", "report", "serve", "import sales", "import saft", "accounts show",
            "test-connection", "connect"} <= set(result["tried"])
    assert result["heavy"] == []


def test_python_m_settlement_help_loads_no_heavy_library():
    """As `python -X importtime -m settlement --help` measures it: the top-level modules imported."""
    timing = _run("-X", "importtime", "-m", "settlement", "--help").stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in timing.splitlines() if line.startswith("import time:")}
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def _units() -> set[str]:
    """settlement's top-level modules and packages, as import-linter names them."""
    package = ROOT / "settlement"
    units = {p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")}
    units |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    return {f"settlement.{unit}" for unit in units}


def test_the_layer_contracts_name_every_part_of_the_package():
    """A new module or package must be placed in the layers, not slip past the contracts."""
    contracts = _contracts()
    store = contracts["store imports only domain (of settlement)"]
    assert set(store["forbidden_modules"]) == _units() - {"settlement.domain", "settlement.store"}
    port = contracts["the ledger port imports only domain (of settlement)"]
    assert set(port["forbidden_modules"]) == _units() - {"settlement.domain", "settlement.posting"} | {"settlement.posting.*"}
    sandboxes = contracts["the test sandboxes import only domain and their kit (of settlement), not even each other"]
    assert set(sandboxes["forbidden_modules"]) == _units() - {"settlement.domain", "settlement.sandbox_kit"}
    assert set(sandboxes["source_modules"]) == {u for u in _units() if u.endswith(("_sandbox", "sandbox_kit"))}
    below = contracts["below wiring, nothing imports wiring, cli, serve or demo"]
    above = {"settlement.cli", "settlement.demo", "settlement.serve", "settlement.web", "settlement.wiring",
             "settlement.settings"}
    assert set(below["source_modules"]) == _units() - above


# What each command truly needs on an empty database, and what it may therefore load of HEAVY:
# settings (pydantic-settings, which brings pydantic) and, where it reads the store, SQLModel
# (which brings SQLAlchemy). `accounts check` reads only the configuration: no database layer.
NEEDS = {
    "status": {"pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel"},
    "preview --vendor bergen-bryggen --date 2026-11-02": {"pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel"},
    "import sales --vendor bergen-bryggen in/sales.csv": {"pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel"},
    "accounts check": {"pydantic", "pydantic_settings"},
}
# Runs one command in a fresh interpreter, then prints the top-level HEAVY modules loaded.
COMMAND_PROBE = """
import contextlib, io, json, sys
from settlement.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[2].split())
print(json.dumps({"status": status, "heavy": sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))}))
"""
# Also what none of them may load, though it is not in HEAVY above (fpdf's and openpyxl's own).
NEVER = ("PIL", "numpy", "fontTools", "defusedxml", "pypdf")


@pytest.mark.parametrize("command", sorted(NEEDS))
def test_each_command_loads_only_what_it_uses(workspace, command):
    workspace.write("in/sales.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "R1;2026-11-02T10:00:00;sale;high;3;100,00;\nR1;2026-11-02T10:00:00;payment;card;;100,00;\n")
    result = subprocess.run([sys.executable, "-c", COMMAND_PROBE, json.dumps(HEAVY + NEVER), command], cwd=workspace.path,
                            env=workspace.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["status"] in (0, 1), probe  # 1: e.g. preview of a day without the data to post
    assert set(probe["heavy"]) == NEEDS[command], f"{command}: loads {probe['heavy']}"
