"""Excel-friendly CSV reading for the accountant's files and the generic receipt export.

Rules (the same for every CSV the product reads):
- separator `;` or `,`, detected from the header line;
- UTF-8 with or without BOM, or Windows-1252 (what Excel writes on a Norwegian Windows);
- header names are case-insensitive and trimmed;
- blank lines and lines starting with `#` are ignored, but line numbers stay physical, so a
  message always points at the line the user sees in an editor.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from settlement.problems import Problem, error

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: its physical line number and its values by lower-case column name."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A parsed CSV file: where it came from, its columns, and its data rows."""

    file: str
    columns: tuple[str, ...]
    rows: list[CsvRow]


def decode(data: bytes) -> str:
    """Decode UTF-8 (BOM optional) and fall back to Windows-1252, so æøå survive either way."""
    if data.startswith(_BOM):
        return data[len(_BOM):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def _separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def parse_csv(text: str, file: str, required: tuple[str, ...]) -> tuple[CsvTable | None, list[Problem]]:
    """Parse CSV text; report missing required columns as problems (then no table is returned)."""
    lines = _content_lines(text)
    first = next(lines, None)
    if first is None:
        return None, [error(f"file is empty (expected columns: {', '.join(required)})", file=file)]
    header_line, header = first
    sep = _separator(header)
    columns = tuple(c.strip().lower() for c in next(csv.reader([header], delimiter=sep)))
    missing = [c for c in required if c not in columns]
    if missing:
        return None, [
            error(
                f"missing column(s) {', '.join(missing)}; found {', '.join(columns)}",
                file=file,
                line=header_line,
            )
        ]
    rows = []
    problems: list[Problem] = []
    width = len(columns)
    for number, line in lines:
        values = next(csv.reader([line], delimiter=sep))
        if len(values) < width:
            values += [""] * (width - len(values))
        elif len(values) > width and any(v.strip() for v in values[width:]):
            problems.append(
                error(f"row has {len(values)} fields but the header has {width}", file=file, line=number)
            )
            continue
        rows.append(CsvRow(number, dict(zip(columns, values))))
    return CsvTable(file, columns, rows), problems


def read_csv(path: Path, required: tuple[str, ...]) -> tuple[CsvTable | None, list[Problem]]:
    """Read and parse a CSV file (see parse_csv)."""
    return parse_csv(decode(path.read_bytes()), str(path), required)
