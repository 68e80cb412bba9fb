"""`settlement --help` and every `settlement COMMAND --help` stay light: they load none of the
heavy libraries (the command modules import their implementations inside the handlers); and the
import-linter contracts in pyproject.toml name every part of the package."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

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
    sandboxes = contracts["the test sandboxes import only domain (of settlement), not even each other"]
    assert set(sandboxes["forbidden_modules"]) == _units() - {"settlement.domain"}
    below = contracts["below wiring, nothing imports wiring, cli, serve or demo"]
    above = {"settlement.cli", "settlement.demo", "settlement.serve", "settlement.wiring", "settlement.settings"}
    assert set(below["source_modules"]) == _units() - above
