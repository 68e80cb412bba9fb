"""Small helpers shared by the CLI modules: loading the app, parsing dates, printing problems."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: the command modules stay light to import
    from settlement.domain.problems import Problem
    from settlement.wiring import App


def load_app(validate: bool = True) -> App:
    """The configured app; raises ConfigurationError (exit 2, all problems listed) when invalid."""
    from settlement.wiring import App

    app = App.load()
    return app.require_valid() if validate else app


def audit_time(app: App, vendor_id: str, at: datetime) -> str:
    """When an audit row was written, as a person reads it: UTC as stored in English, the vendor's
    zone with the offset in bokmål (a vendor no longer configured keeps UTC)."""
    from settlement.domain.text import show_stored

    vendor = app.vendors.get(vendor_id)
    return show_stored(at, vendor.tz if vendor else None)


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        from settlement.domain.text import tr

        raise argparse.ArgumentTypeError(tr("{text!r} is not a date YYYY-MM-DD", text=text)) from None


def add_json_option(parser: argparse.ArgumentParser, shape: str) -> None:
    """`--json`: print `shape` (a JSON list of objects, the README says each one's keys) instead of text."""
    parser.add_argument("--json", action="store_true", help=f"print a JSON list of {shape} instead of text")


def print_json(value: object, stream=None) -> None:
    """What `--json` prints: one JSON document, non-ASCII letters as they are (ø, not \\u00f8)."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str), file=stream or sys.stdout)


def problem_json(problem: Problem) -> dict:
    """One problem as every `--json` shows it: where (file, line, column), the value found, what is
    wrong, and whether it blocks (severity "error") or is only said ("warning")."""
    return {
        "severity": problem.severity.value, "message": problem.message, "file": problem.file,
        "line": problem.line, "column": problem.column, "value": problem.value, "ref": problem.ref,
        "text": problem.format(with_severity=False),
    }


def ordered(problems: list[Problem]) -> list[Problem]:
    """Errors first, then in file:line order: how problems are printed and listed in JSON."""
    return sorted(problems, key=lambda p: (not p.is_error, p.file or "", p.line or 0))


def print_problems(problems: list[Problem], stream=None) -> None:
    """Print problems one per line, errors first, in file:line order."""
    stream = stream or sys.stderr
    for problem in ordered(problems):
        print(problem, file=stream)
