"""When a vendor is open: the weekdays it opens and the dates it is closed, as plain values.

A vendor's calendar tells an open day with no data (`missing`: an export that did not arrive)
from a closed one (settled empty without a word). The dates come from vendors.toml
(`closed_dates`), from CSV files it names and from a public-holiday calendar; reading the files and
computing the holidays is configuration's work (settlement.configuration), so this module only
parses and answers, with the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from settlement.domain.problems import Problem, error
from settlement.domain.text import N_, tr

EVERY_DAY = frozenset(range(7))
HOLIDAY_CALENDARS = ("NO",)  # the public-holiday calendars `holidays` may name
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Why a vendor is closed on a weekday it does not open, by weekday (Monday 0); tr() when shown.
_CLOSED_ON = (N_("closed on Mondays (open_days)"), N_("closed on Tuesdays (open_days)"),
              N_("closed on Wednesdays (open_days)"), N_("closed on Thursdays (open_days)"),
              N_("closed on Fridays (open_days)"), N_("closed on Saturdays (open_days)"),
              N_("closed on Sundays (open_days)"))

# Weekday names as people write them, English and Norwegian, long and short (Monday is 0).
_WEEKDAYS = {
    **{name: i for i, names in enumerate((
        ("mon", "monday", "man", "mandag"),
        ("tue", "tues", "tuesday", "tir", "tirs", "tirsdag"),
        ("wed", "wednesday", "ons", "onsdag"),
        ("thu", "thur", "thurs", "thursday", "tor", "tors", "torsdag"),
        ("fri", "friday", "fre", "fredag"),
        ("sat", "saturday", "lør", "lor", "lørdag", "lordag"),
        ("sun", "sunday", "søn", "son", "søndag", "sondag"),
    )) for name in names},
}


def parse_weekdays(value: Any) -> frozenset[int]:
    """`open_days`: a list of weekday names ("mon", "tirsdag", "Sat", ...) → weekday numbers (Monday 0).

    Raises ValueError naming what is not a weekday.
    """
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(tr("must be a list of weekdays like {example}", example='["mon", "tue", "wed", "thu", "fri", "sat"]'))
    days, unknown = set(), []
    for name in value:
        key = name.strip().casefold().rstrip(".")
        if key in _WEEKDAYS:
            days.add(_WEEKDAYS[key])
        else:
            unknown.append(name)
    if unknown:
        raise ValueError(tr("names no weekday: {names} (e.g. mon, tue, ... or man, tir, ons, tor, fre, lør, søn)",
                            names=", ".join(repr(u) for u in unknown)))
    return frozenset(days)


def parse_closed_dates(value: Any) -> tuple[date | str, ...]:
    """`closed_dates`: dates (TOML dates or "YYYY-MM-DD") and/or names of CSV files of dates, as a
    list or one file name → the dates and the file names, in the order given."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(tr("must be a list of dates like {example} and/or CSV file names ({file})",
                            example="[2026-12-24, 2026-12-31]", file='"stengt.csv"'))
    parsed: list[date | str] = []
    for item in items:
        if isinstance(item, date) and not hasattr(item, "hour"):
            parsed.append(item)
        elif isinstance(item, str) and re.fullmatch(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", item):
            try:
                parsed.append(date.fromisoformat(item.strip()))
            except ValueError:
                raise ValueError(tr("{value!r} is not a date YYYY-MM-DD", value=item)) from None
        elif isinstance(item, str) and item.strip().lower().endswith(".csv"):
            parsed.append(item.strip())
        else:
            raise ValueError(tr("{value!r} is neither a date YYYY-MM-DD nor a CSV file name (.csv)", value=item))
    return tuple(parsed)


def parse_dates_csv(text: str, file: str) -> tuple[list[tuple[date, str]], list[Problem]]:
    """A CSV of closed dates: one date (YYYY-MM-DD) first on each line, optionally a reason after
    `,` or `;`; a header line (starting with a letter), blank lines and `#` comments are skipped.

    Returns (date, reason) pairs and a problem naming the line for each line that is no date.
    """
    found, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        parts = re.split(r"[,;]", stripped, maxsplit=1)
        first, rest = parts[0].strip().strip('"'), parts[1] if len(parts) > 1 else ""
        if number == 1 and first[:1].isalpha():
            continue  # a header line such as "date;reason"
        try:
            day = date.fromisoformat(first)
        except ValueError:
            problems.append(error(tr("{value!r} is not a date YYYY-MM-DD", value=first), file=file, line=number, value=first))
            continue
        found.append((day, rest.strip().strip('"') or "closed_dates"))
    return found, problems


def closed_on(closed: Iterable[tuple[date, str]], day: date) -> str | None:
    """Why `day` is one of the `closed` dates ((date, why) pairs), or None when it is not."""
    for closed_day, why in closed:
        if closed_day == day:
            return why
    return None


def closed_reason(open_days: frozenset[int], closed: Iterable[tuple[date, str]], day: date) -> str | None:
    """Why the vendor is closed on `day` (not one of its open weekdays, or a closed date), or None
    when it is open: an open day with no data is missing, a closed one is settled empty."""
    why = closed_on(closed, day)
    if why is not None:
        return why
    if day.weekday() not in open_days:
        return tr(_CLOSED_ON[day.weekday()])
    return None
