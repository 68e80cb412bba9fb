"""The exit statuses every `settlement` command uses, and the table `--help` and the README show.

Scripts and cron lines rely on these numbers, so they are defined once, here. 3 is "try again
later": something outside the data (a ledger, a source's API, the local database) could not be
used, and nothing was lost; 1 is "a person must look": the data or a day needs attention.
"""

from __future__ import annotations

import textwrap

EXIT_OK = 0
EXIT_ATTENTION = 1
EXIT_CONFIGURATION = 2
EXIT_UNAVAILABLE = 3
EXIT_CREDENTIAL = 4
EXIT_CLAIMED = 5

# What each status means, in the words `settlement --help` and the README's table use.
MEANINGS = (
    (EXIT_OK, "done: every day asked for is settled, every file imported, every check passed"),
    (EXIT_ATTENTION, "problems in the data, or a day needs a person (blocked, missing, held, refused by the "
                     "ledger): each shown with its reason"),
    (EXIT_CONFIGURATION, "usage or configuration error: a wrong option, vendors.toml, chart_of_accounts/ or a "
                         "SETTLEMENT_... setting (all listed)"),
    (EXIT_UNAVAILABLE, "a ledger, a source (WooCommerce) or the local database is unavailable (down, rate limited, "
                       "unreachable after retries, database locked): nothing is lost, try again later"),
    (EXIT_CREDENTIAL, "no usable ledger credential: none configured, not connected, or refused by the ledger "
                      "(set SETTLEMENT_FIKEN_TOKEN or run settlement connect)"),
    (EXIT_CLAIMED, "a vendor was skipped because another process is settling it (its holder is named)"),
)

# Under every command's --help: where the table is, with the numbers for a quick look.
POINTER = textwrap.fill("Exit status: 0 ok, 1 problems in the data or a day needing a person, 2 usage or configuration error, "
           "3 a ledger, source or the database unavailable (try again later), 4 no usable ledger credential, "
           "5 vendor busy in another process; the table is in `settlement --help`.", width=100)


def table(indent: str = "  ") -> str:
    """The exit statuses as the plain-text table `settlement --help` ends with."""
    lines = ["exit status:"]
    for code, meaning in MEANINGS:
        lines.append(textwrap.fill(meaning, width=100, initial_indent=f"{indent}{code}  ",
                                   subsequent_indent=indent + "   "))
    return "\n".join(lines)


def markdown_table() -> str:
    """The same table as the README has it (a test keeps the two equal)."""
    lines = ["| exit | meaning |", "|------|---------|"]
    lines += [f"| {code} | {meaning} |" for code, meaning in MEANINGS]
    return "\n".join(lines)
