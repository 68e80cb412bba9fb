"""The `settlement` command: a thin shell over the library. Each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import OperationalError

from settlement.app import ConfigurationError

# Modules that define `register(subparsers)`; each adds its subcommands.
COMMAND_MODULES = [
    "settlement.cli.accounts",
    "settlement.cli.imports",
    "settlement.cli.sandbox",
    "settlement.cli.preview",
    "settlement.cli.posting",
    "settlement.cli.report",
    "settlement.cli.fiken",
    "settlement.cli.serve",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="settlement",
        description="Daily settlement (dagsoppgjør) of Norwegian shops into Fiken.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; its handler returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ConfigurationError as exc:
        print("The configuration has errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        # Infrastructure, not data: say so plainly. Postings already sent are found by their
        # settlement key on the next run, so nothing is posted twice.
        print(f"settlement: database error: {exc.orig}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
