"""Excel-friendly CSV reading for the accountant's files and the generic receipt export.

Rules (the same for every CSV the product reads):
- separator `;`, `,` or a tab, detected from the header line;
- UTF-8 with or without BOM, Windows-1252 (what Excel writes on a Norwegian Windows), or UTF-16
  with a BOM (Excel's "Unicode text", tab-separated);
- header names are case-insensitive and trimmed; a reader may accept other names for a column
  (the chart takes Norwegian ones beside the English);
- blank lines, rows whose cells are all empty (Excel's `;;;;`) and lines starting with `#` are
  ignored, but line numbers stay physical, so a message always points at the line the user sees
  in an editor;
- hostile bytes are problems with file, line and column, never exceptions: a byte that is neither
  UTF-8 nor Windows-1252, a control character (NUL, ...; a tab is allowed), a field longer than
  FIELD_LIMIT characters, a malformed quoted field.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from settlement.domain.problems import Problem, error
from settlement.domain.text import tr

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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
    headings: tuple[str, ...] = ()  # the header names as written, beside `columns`

    def heading(self, column: str) -> str:
        """A column's name as the file's header writes it (e.g. 'konto' for 'account')."""
        for name, written in zip(self.columns, self.headings):
            if name == column:
                return written
        return column


@dataclass(frozen=True, slots=True)
class SheetRows:
    """A worksheet's rows as text, read from a workbook outside the domain (settlement.configuration).

    rows: each row's number in the sheet (1-based, as Excel shows it) and its cells as text.
    unreadable: why the workbook could not be read (then `rows` is empty), or None.
    """

    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()
    unreadable: str | None = None


def decode(data: bytes) -> str:
    """Decode UTF-8 (BOM optional), UTF-16 with a BOM, else Windows-1252, so æøå survive either way.

    Never raises: a byte that is not a character in the chosen encoding (e.g. 0x81, undefined in
    Windows-1252) is kept as a lone surrogate, which parse_csv reports with its line and column.
    """
    if data.startswith(_UTF16_BOMS):
        # The codec reads the BOM for the byte order; a broken pair becomes U+FFFD, not an error.
        return data.decode("utf-16", "replace")
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
    if "\t" in header and header.count("\t") > max(header.count(";"), header.count(",")):
        return "\t"
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def _character_problem(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        byte = "0x%02X" % (ord(char) - 0xDC00)
        return tr("byte {byte} is not a character in UTF-8 or Windows-1252; save the file as UTF-8", byte=byte)
    character = "U+%04X" % ord(char)
    return tr("control character {character} is not allowed in a CSV field", character=character)


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
            return None, error(tr("a field is longer than {limit} characters", limit=FIELD_LIMIT), file=file, line=number,
                               column=column, value=_shown(value))
        return None, error(tr("not a readable CSV line: {reason}", reason=exc), file=file, line=number)


def _cell_problem(values: Sequence[str], number: int, columns: tuple[str, ...], file: str) -> Problem | None:
    """The problem with a row's cells read from a sheet (the same checks as a CSV line's)."""
    column, value = _column_of(list(values), columns, _BAD_CHAR.search)
    if value is not None:
        bad = _BAD_CHAR.search(value)
        return error(_character_problem(bad.group()), file=file, line=number, column=column, value=_shown(value))
    column, value = _column_of(list(values), columns, lambda v: len(v) > FIELD_LIMIT)
    if value is not None:
        return error(tr("a field is longer than {limit} characters", limit=FIELD_LIMIT), file=file, line=number,
                     column=column, value=_shown(value))
    return None


def _is_blank(values: Sequence[str]) -> bool:
    """An Excel blank row: every cell empty (`;;;;`), however many there are."""
    return not any(v.strip() for v in values)


def _table(header: tuple[int, Sequence[str]], records: Iterable[tuple[int, Sequence[str] | None, Problem | None]],
           file: str, required: tuple[str, ...], aliases: Mapping[str, str]) -> tuple[CsvTable | None, list[Problem]]:
    """Check the header and build the rows, whatever the records were read from."""
    header_line, fields = header
    written = [c.strip().lower() for c in fields]
    columns = tuple(aliases.get(c, c) for c in written)
    twice = [written[i] for i, c in enumerate(columns) if c in required and c in columns[:i]]
    if aliases and twice:
        # 'konto' beside 'account': which one holds the accounts is not ours to guess.
        first = written[columns.index(aliases.get(twice[0], twice[0]))]
        return None, [error(tr("columns {first!r} and {second!r} are the same column; keep one", first=first,
                               second=twice[0]),
                            file=file, line=header_line)]
    missing = [c for c in required if c not in columns]
    if missing:
        while written and not written[-1]:  # Excel's trailing empty columns say nothing
            written.pop()
        return None, [
            error(
                tr("missing column(s) {missing}; found {found}", missing=", ".join(missing), found=", ".join(written)),
                file=file,
                line=header_line,
            )
        ]
    rows = []
    problems: list[Problem] = []
    width = len(columns)
    for number, values, problem in records:
        if problem is not None:
            problems.append(problem)
            continue
        assert values is not None
        if _is_blank(values):
            continue
        values = list(values)
        if len(values) < width:
            values += [""] * (width - len(values))
        elif len(values) > width and any(v.strip() for v in values[width:]):
            problems.append(
                error(tr("row has {fields} fields but the header has {width}", fields=len(values), width=width),
                      file=file, line=number)
            )
            continue
        rows.append(CsvRow(number, dict(zip(columns, values))))
    return CsvTable(file, columns, rows, tuple(written)), problems


def parse_csv(text: str, file: str, required: tuple[str, ...],
              aliases: Mapping[str, str] | None = None) -> tuple[CsvTable | None, list[Problem]]:
    """Parse CSV text; report missing required columns as problems (then no table is returned).

    aliases: other (lower-case) header names accepted for a column, e.g. {"konto": "account"}.
    """
    lines = _content_lines(text)
    header = None
    for header_line, line in lines:
        sep = _separator(line)
        fields, problem = _split(line, header_line, sep, (), file)
        if problem is not None:
            return None, [problem]
        if not _is_blank(fields):
            header = (header_line, fields)
            break
    if header is None:
        return None, [error(tr("file is empty (expected columns: {columns})", columns=", ".join(required)), file=file)]
    columns = tuple(c.strip().lower() for c in header[1])
    records = ((number, *_split(line, number, sep, columns, file)) for number, line in lines)
    return _table(header, records, file, required, aliases or {})


def parse_sheet(sheet: SheetRows, file: str, required: tuple[str, ...],
                aliases: Mapping[str, str] | None = None) -> tuple[CsvTable | None, list[Problem]]:
    """Parse a worksheet's rows by the same rules as parse_csv (the first non-blank row is the header)."""
    if sheet.unreadable is not None:
        return None, [error(sheet.unreadable, file=file)]
    content = [(n, cells) for n, cells in sheet.rows if not _is_blank(cells) and not cells[0].strip().startswith("#")]
    if not content:
        return None, [error(tr("file is empty (expected columns: {columns})", columns=", ".join(required)), file=file)]
    (header_line, header), rest = content[0], content[1:]
    problem = _cell_problem(header, header_line, (), file)
    if problem is not None:
        return None, [problem]
    columns = tuple(c.strip().lower() for c in header)
    records = ((n, cells, _cell_problem(cells, n, columns, file)) for n, cells in rest)
    return _table((header_line, header), records, file, required, aliases or {})
