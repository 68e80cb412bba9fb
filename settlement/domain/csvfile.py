"""Excel-friendly CSV reading for the accountant's files and the generic receipt export.

Rules (the same for every CSV the product reads):
- separator `;` or `,`, detected from the header line;
- UTF-8 with or without BOM, or Windows-1252 (what Excel writes on a Norwegian Windows);
- header names are case-insensitive and trimmed;
- blank lines and lines starting with `#` are ignored, but line numbers stay physical, so a
  message always points at the line the user sees in an editor;
- hostile bytes are problems with file, line and column, never exceptions: a byte that is neither
  UTF-8 nor Windows-1252, a control character (NUL, ...; a tab is allowed), a field longer than
  FIELD_LIMIT characters, a malformed quoted field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Iterator

from settlement.domain.problems import Problem, error

_BOM = b"\xef\xbb\xbf"
# Python's csv module refuses longer fields (csv.field_size_limit(), 131072 by default).
FIELD_LIMIT = csv.field_size_limit()
# C0 controls except tab, DEL, C1 controls, and the lone surrogates `decode` leaves for bytes
# that are not characters in the file's encoding.
_BAD_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


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
    """Decode UTF-8 (BOM optional) and fall back to Windows-1252, so æøå survive either way.

    Never raises: a byte that is not a character in the chosen encoding (e.g. 0x81, undefined in
    Windows-1252) is kept as a lone surrogate, which parse_csv reports with its line and column.
    """
    if data.startswith(_BOM):
        return data[len(_BOM):].decode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "surrogateescape")


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    # Only CR, LF and CRLF end a line (str.splitlines would also split at form feeds, U+2028, ...,
    # and the line numbers would no longer be the ones an editor shows).
    for number, line in enumerate(_NEWLINE.split(text), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def _separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def _character_problem(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return (f"byte 0x{ord(char) - 0xDC00:02X} is not a character in UTF-8 or Windows-1252; "
                "save the file as UTF-8")
    return f"control character U+{ord(char):04X} is not allowed in a CSV field"


def _column_of(fields: list[str], columns: tuple[str, ...], test) -> tuple[str | None, str | None]:
    """The (column name, value) of the first field that passes `test` (name None past the header)."""
    for index, value in enumerate(fields):
        if test(value):
            return (columns[index] if index < len(columns) else None), value
    return None, None


def _shown(value: str | None) -> str | None:
    """A value as quoted in a message: undecodable bytes as U+FFFD, long values cut short."""
    if value is None:
        return None
    value = _SURROGATE.sub("\ufffd", value)
    return value if len(value) <= 60 else value[:57] + "..."


def _split(line: str, number: int, sep: str, columns: tuple[str, ...], file: str) -> tuple[list[str] | None, Problem | None]:
    """The fields of one line, or the problem that makes it unreadable."""
    bad = _BAD_CHAR.search(line)
    if bad is not None:
        column, value = _column_of(line.split(sep), columns, _BAD_CHAR.search)
        return None, error(_character_problem(bad.group()), file=file, line=number, column=column, value=_shown(value))
    try:
        return next(csv.reader([line], delimiter=sep)), None
    except csv.Error as exc:
        if len(line) > FIELD_LIMIT:
            column, value = _column_of(line.split(sep), columns, lambda v: len(v) > FIELD_LIMIT)
            return None, error(f"a field is longer than {FIELD_LIMIT} characters", file=file, line=number,
                               column=column, value=_shown(value))
        return None, error(f"not a readable CSV line: {exc}", file=file, line=number)


def parse_csv(text: str, file: str, required: tuple[str, ...]) -> tuple[CsvTable | None, list[Problem]]:
    """Parse CSV text; report missing required columns as problems (then no table is returned)."""
    lines = _content_lines(text)
    first = next(lines, None)
    if first is None:
        return None, [error(f"file is empty (expected columns: {', '.join(required)})", file=file)]
    header_line, header = first
    sep = _separator(header)
    fields, problem = _split(header, header_line, sep, (), file)
    if problem is not None:
        return None, [problem]
    columns = tuple(c.strip().lower() for c in fields)
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
        values, problem = _split(line, number, sep, columns, file)
        if problem is not None:
            problems.append(problem)
            continue
        if len(values) < width:
            values += [""] * (width - len(values))
        elif len(values) > width and any(v.strip() for v in values[width:]):
            problems.append(
                error(f"row has {len(values)} fields but the header has {width}", file=file, line=number)
            )
            continue
        rows.append(CsvRow(number, dict(zip(columns, values))))
    return CsvTable(file, columns, rows), problems
