"""Texts a person reads: written in English, shown in the installation's language.

Every message for a person is an English gettext message id with named values:

    tr("mapping to unknown key {key!r}", key=row.key)

Babel extracts the ids (`make messages`) into settlement/locale; the bokmål catalog translates
them, and a test keeps it complete. The domain holds no catalog and reads no setting: the shell
installs a `Language` once at start (`settlement.i18n.install`, from SETTLEMENT_LANGUAGE, bokmål by
default). Until one is installed, and with SETTLEMENT_LANGUAGE=en, the English ids are shown as
they are, so code and tests that never install a language read English.

Values are shown the way the language writes them: a date as 20.11.2026 in bokmål (2026-11-20 in
English), a moment with its UTC offset. Amounts are formatted by the caller (`format_nok`), the
same in both languages: they are Norwegian kroner.

A text is translated when it is made, so a module-level constant must be marked with `N_` and
passed through `tr` where it is shown.
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from collections.abc import Iterable
from typing import Protocol

__all__ = ["Language", "ENGLISH", "install", "language", "tr", "ntr", "N_", "show", "show_day", "show_moment",
           "show_stored", "joined"]


class Language(Protocol):
    """What a catalog gives: the translation of one text, and of a text with a count."""

    code: str

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    """The source texts themselves: what SETTLEMENT_LANGUAGE=en shows."""

    code = "en"

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


ENGLISH: Language = _English()
_installed: Language = ENGLISH


def install(chosen: Language) -> None:
    """Show every text from now on in `chosen` (called once by the shell at start)."""
    global _installed
    _installed = chosen


def language() -> Language:
    """The language texts are shown in now."""
    return _installed


def N_(message: str) -> str:
    """Mark a text for the catalog without translating it yet (for constants; `tr` it when shown)."""
    return message


def tr(message: str, /, **values: object) -> str:
    """`message` in the installed language, with `values` filled in ({name} or {name!r})."""
    return _fill(_installed.gettext(message), values)


def ntr(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The singular or plural form for count `n` (filled in as {n}), in the installed language."""
    return _fill(_installed.ngettext(singular, plural, n), {"n": n, **values})


def joined(names: Iterable[object]) -> str:
    """'A and B' (and 'A and B and C'), in the installed language."""
    shown = [str(name) for name in names]
    result = shown[0] if shown else ""
    for name in shown[1:]:
        result = tr("{first} and {second}", first=result, second=name)
    return result


def _fill(template: str, values: dict[str, object]) -> str:
    # A text without values is shown as it is, so a brace in it needs no escaping.
    if not values:
        return template
    return template.format(**{name: show(value) for name, value in values.items()})


def show(value: object) -> object:
    """A value as a text shows it: dates and moments the language's way, anything else as is."""
    if isinstance(value, datetime):
        return show_moment(value)
    if isinstance(value, date):
        return show_day(value)
    return value


def show_day(day: date) -> str:
    """20.11.2026 in bokmål, 2026-11-20 in English."""
    if _installed.code == "en":
        return day.isoformat()
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def show_moment(moment: datetime) -> str:
    """A moment with its offset: '20.11.2026 22:05 +01:00' in bokmål, ISO 8601 in English.

    The caller converts it to the vendor's zone first; a naive moment is shown without an offset.
    """
    if _installed.code == "en":
        return moment.isoformat(sep=" ", timespec="seconds")
    offset = moment.strftime("%z")
    shown_offset = f" {offset[:3]}:{offset[3:]}" if offset else ""
    return f"{show_day(moment.date())} {moment:%H:%M}{shown_offset}"


def show_stored(moment: datetime, zone: tzinfo | None = None, english: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A moment the store kept (naive: UTC), as the audit listings and the web page show it.

    Bokmål: in `zone` (the vendor's; None keeps UTC) with its offset, '04.11.2026 13:05 +01:00'.
    English: formatted with `english` as it always was, unconverted.
    """
    if _installed.code == "en":
        return moment.strftime(english)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return show_moment(aware.astimezone(zone) if zone is not None else aware)
