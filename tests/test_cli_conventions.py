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
