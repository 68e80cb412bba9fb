"""The `settlement` command: a thin shell over the library. Each subcommand lives in its own module.

The command modules import only the standard library (and the stdlib-only `settlement.domain`) at
module level; their handlers import what they need when they run. So `settlement --help` and
`settlement COMMAND --help` load neither SQLAlchemy, pydantic, requests, lxml nor fpdf
(tests/test_cli_imports.py).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from settlement.cli import exit_codes
from settlement.cli.exit_codes import EXIT_CLAIMED, EXIT_CONFIGURATION, EXIT_CREDENTIAL, EXIT_UNAVAILABLE
from settlement.domain.text import tr

# The exit statuses shared by the commands are settlement.cli.exit_codes (the table `--help` ends
# with, and the README's "Exit status"); the modules import them from here as they always did.
__all__ = ["EXIT_CLAIMED", "EXIT_CONFIGURATION", "EXIT_CREDENTIAL", "EXIT_UNAVAILABLE", "build_parser", "main"]

# Modules that define `register(subparsers)`; each adds its subcommands.
COMMAND_MODULES = [
    "settlement.cli.accounts",
    "settlement.cli.imports",
    "settlement.cli.sandbox",
    "settlement.cli.preview",
    "settlement.cli.posting",
    "settlement.cli.day",
    "settlement.cli.report",
    "settlement.cli.payouts",
    "settlement.cli.fiken",
    "settlement.cli.serve",
    "settlement.cli.web",
]


class _Version(argparse.Action):
    """`--version`: the installed package's version, read from its metadata only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("settlement")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown (not installed)"
        print(f"settlement {found}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="settlement",
        description="Daily settlement (dagsoppgjør) of Norwegian shops into Fiken, Tripletex or PowerOffice Go.",
        epilog=exit_codes.table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the installed version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    for command in _commands(parser):
        _say_default(command)
        command.epilog = f"{command.epilog}\n\n{exit_codes.POINTER}" if command.epilog else exit_codes.POINTER
    return parser


def _commands(parser: argparse.ArgumentParser):
    """Every command and subcommand parser below `parser`, depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # an alias names the same parser
                yield sub
                yield from _commands(sub)


def has_default(action: argparse.Action) -> bool:
    """Whether an option has a default worth saying (not a flag's False, an unset None or "")."""
    default = action.default
    if default is None or default is False or default is argparse.SUPPRESS or default == "":
        return False
    return not isinstance(action, (argparse._HelpAction, argparse._VersionAction, _Version))


def _say_default(parser: argparse.ArgumentParser) -> None:
    """Make each option's help say its default where it has one and the help does not say it yet.

    Done once here rather than in every module so that no option can be added without it (a test
    reads every command's help). A flag's False and an unset None are not defaults worth saying.
    """
    for action in parser._actions:
        if not has_default(action):
            continue
        if action.help is None:
            action.help = "default %(default)s"
        elif action.help is not argparse.SUPPRESS and "default" not in action.help:
            action.help += " (default %(default)s)"


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; its handler returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _install_language()
    if os.environ.get("SETTLEMENT_LOG_LEVEL", "").strip().upper() == "DEBUG" and args.command != "serve":
        logging.basicConfig(level=logging.DEBUG)  # tracebacks kept from the terminal otherwise
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception as exc:
        status = report_failure(exc)
        if status is None:
            raise  # a bug: its traceback is what helps
        return status


def _install_language() -> None:
    """Speak the chosen language from the first message on.

    Read from the environment here, before the settings are loaded (which a command may never
    do): wiring installs it again from the settings, .env included, and reports a bad value there.
    """
    from settlement import i18n

    try:
        i18n.install(os.environ.get("SETTLEMENT_LANGUAGE"))
    except i18n.UnknownLanguage:
        pass


def _loaded(module: str, name: str) -> type | None:
    """The exception class `module.name` if that module has been imported, else None.

    An exception of a module nobody imported cannot have been raised, so looking the classes up
    in sys.modules (instead of importing them) keeps the CLI's start light without missing one.
    """
    loaded = sys.modules.get(module)
    return getattr(loaded, name, None)


def _is(exc: BaseException, *classes: tuple[str, str]) -> bool:
    return any(cls is not None and isinstance(exc, cls) for cls in (_loaded(*c) for c in classes))


def report_failure(exc: Exception) -> int | None:
    """Print a failure that is the user's or the infrastructure's, not a bug; its exit status.

    None for anything else (the caller re-raises it).
    """
    if _is(exc, ("settlement.wiring", "ConfigurationError")):
        print(tr("The configuration has errors:"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIGURATION
    if _is(exc, ("pydantic_core", "ValidationError")):  # what pydantic.ValidationError is
        print(tr("The settings have errors:"), file=sys.stderr)
        for line in settings_problems(exc):
            print(f"  {line}", file=sys.stderr)
        return EXIT_CONFIGURATION
    if _is(exc, ("sqlalchemy.exc", "OperationalError")):
        # Infrastructure, not data: say so plainly. Postings already sent are found by their
        # settlement key on the next run, so nothing is posted twice.
        print(tr("settlement: database error: {problem}", problem=str(exc.orig)), file=sys.stderr)
        return EXIT_UNAVAILABLE
    if _is(exc, ("settlement.store.file_locks", "LockFolderError")):
        print(f"settlement: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if _is(exc, ("settlement.targets.fiken.configure", "MissingCredential"),
           ("settlement.targets.fiken.errors", "AuthenticationError")):
        # No credential, `disconnect`ed, or Fiken refused it: nothing was posted by this command.
        print(f"settlement: {exc}", file=sys.stderr)
        return EXIT_CREDENTIAL
    if _is(exc, ("settlement.posting.ledger", "CredentialRefused")):
        print(f"settlement: {exc}", file=sys.stderr)
        return EXIT_CREDENTIAL
    if _is(exc, ("settlement.posting.ledger", "LedgerUnavailable")):
        # A ledger that cannot be asked now (down, rate limited, unreachable): nothing was changed.
        print(tr("settlement: the ledger is unavailable: {problem}; try again later", problem=exc.reason), file=sys.stderr)
        return EXIT_UNAVAILABLE
    return None


# Settings whose value is never repeated in a message (secrets, URLs that may carry a password).
_UNQUOTED = ("token", "secret", "database_url", "key")


def settings_problems(exc) -> list[str]:
    """One line per invalid setting of a pydantic ValidationError, named as the user sets it (SETTLEMENT_…)."""
    lines = []
    for item in exc.errors():
        name = str(item["loc"][0]) if item.get("loc") else "?"
        shown = "" if any(word in name for word in _UNQUOTED) else tr(" (got {value!r})", value=str(item.get("input"))[:60])
        lines.append(f"SETTLEMENT_{name.upper()}: {item['msg']}{shown}")
    return lines


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
