"""Small helpers shared by the CLI modules: loading the app, parsing dates, printing problems."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: the command modules stay light to import
    from settlement.domain.problems import Problem
    from settlement.wiring import App


def load_app(validate: bool = True) -> App:
    """The configured app; raises ConfigurationError (exit 2, all problems listed) when invalid."""
    from settlement.wiring import App

    app = App.load()
    return app.require_valid() if validate else app


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def print_problems(problems: list[Problem], stream=None) -> None:
    """Print problems one per line, errors first, in file:line order."""
    stream = stream or sys.stderr
    ordered = sorted(problems, key=lambda p: (not p.is_error, p.file or "", p.line or 0))
    for problem in ordered:
        print(problem, file=stream)
