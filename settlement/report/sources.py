"""Where a vendor-day's figures came from, and when in the day they were taken. Pure.

Read from what the store keeps of each sales line: its source, receipt id, timestamp and origin
("kasse.csv:17", "Z:/export/saft.xml:420", "order 1234"). A SAF-T receipt id is
<company>/<register>/<transaction>, so the registers and their transaction numbers come from it;
Z-report numbers are known only where the SAF-T import kept a note about one (the store keeps no
Z report that agreed with its transactions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import PureWindowsPath
from typing import Iterable, Sequence

from settlement.domain.sales import LineType, SaleLine
from settlement.domain.text import N_, tr

SAFT = "saft"
WEBSHOP = "woocommerce"
# What the report calls each source.
SOURCE_NAMES = {"csv": N_("Till file"), SAFT: "SAF-T", WEBSHOP: N_("Webshop")}
# Line types that are takings (revenue including VAT): what the hourly chart adds up.
TAKINGS = frozenset({LineType.SALE.value, LineType.RETURN.value, LineType.SHIPPING.value})
# A note is kept in the language the import ran in: "Z report 7, 8" in English, "Z-rapport 7, 8" in bokmål.
_Z_REF = re.compile(r"(?:Z report|Z-rapport) ([^ (,]+(?:, [^ (,]+)*)")


@dataclass(frozen=True, slots=True)
class Register:
    """The receipts of one register (a till; "" where the source names none).

    first, last: the lowest and highest receipt (or transaction) number, in number order.
    """

    register: str
    count: int
    first: str
    last: str


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One source of the day: its files, registers with receipt ranges, and Z reports named."""

    source: str
    files: tuple[str, ...]
    registers: tuple[Register, ...]
    z_reports: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return tr(SOURCE_NAMES[self.source]) if self.source in SOURCE_NAMES else self.source

    @property
    def count(self) -> int:
        return sum(register.count for register in self.registers)


def _natural(text: str) -> tuple:
    """Sort key that puts 'R9' before 'R10'."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _file_of(origin: str) -> str | None:
    """The file name of an origin 'path/to/file.csv:17' (no folder), or None ('order 1234')."""
    path, sep, line = origin.rpartition(":")
    if not sep or not line.isdigit() or not path:
        return None
    return PureWindowsPath(path).name  # splits on both / and \


def _register_and_number(source: str, receipt_id: str) -> tuple[str, str]:
    if source == SAFT and receipt_id.count("/") >= 2:
        _company, register, number = receipt_id.split("/", 2)
        return register, number
    return "", receipt_id


def z_reports(notes: Iterable[str]) -> tuple[str, ...]:
    """The Z-report numbers the notes of the day name ("Z report 7", "Z report 7, 8", "Z-rapport 7")."""
    found: list[str] = []
    for text in notes:
        for match in _Z_REF.finditer(text):
            found += [number for number in match.group(1).split(", ") if number not in found]
    return tuple(found)


def summarize_sources(lines: Sequence[SaleLine], notes: Iterable[str] = ()) -> tuple[SourceSummary, ...]:
    """Per source (in name order): its files, its registers with receipt count and range."""
    by_source: dict[str, dict[str, set[str]]] = {}
    files: dict[str, list[str]] = {}
    for line in lines:
        register, number = _register_and_number(line.source, line.receipt_id)
        by_source.setdefault(line.source, {}).setdefault(register, set()).add(number)
        name = _file_of(line.origin)
        if name is not None and name not in files.setdefault(line.source, []):
            files[line.source].append(name)
    notes = list(notes)
    out = []
    for source, registers in sorted(by_source.items()):
        rows = []
        for register, numbers in sorted(registers.items(), key=lambda item: _natural(item[0])):
            ordered = sorted(numbers, key=_natural)
            rows.append(Register(register, len(ordered), ordered[0], ordered[-1]))
        out.append(SourceSummary(source, tuple(sorted(files.get(source, []))), tuple(rows),
                                 z_reports(notes) if source == SAFT else ()))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Hours:
    """When in the day the takings came: per local hour (0-23, in the order of the business
    day, which may start before midnight's hour 0 of the next date), and the first and last sale."""

    by_hour: tuple[tuple[int, int], ...]
    first: datetime | None
    last: datetime | None


def takings_by_hour(lines: Sequence[SaleLine], zone: tzinfo = timezone.utc, day_start_hour: int = 0) -> Hours:
    """The day's takings (sales, shipping, less returns, VAT included) per local hour, from the
    first to the last hour with a line, in business-day order (a day starting at 05:00 puts
    01:00 after 23:00)."""
    sums: dict[int, int] = {}
    moments = []
    for line in lines:
        moment = line.timestamp if line.timestamp.tzinfo else line.timestamp.replace(tzinfo=timezone.utc)
        local = moment.astimezone(zone)
        moments.append(local)
        if line.type in TAKINGS:
            sums[local.hour] = sums.get(local.hour, 0) + line.amount
    if not moments:
        return Hours((), None, None)
    order = lambda hour: (hour - day_start_hour) % 24  # noqa: E731: the business day's hour order
    hours = sorted({m.hour for m in moments}, key=order)
    span = range(order(hours[0]), order(hours[-1]) + 1)
    by_hour = tuple(((h + day_start_hour) % 24, sums.get((h + day_start_hour) % 24, 0)) for h in span)
    return Hours(by_hour, min(moments), max(moments))
