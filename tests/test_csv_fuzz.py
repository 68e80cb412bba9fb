"""Fuzz of the generic receipt CSV reader: arbitrary bytes and mutated valid files give a clear
problem or a clean import, never an exception. Bounded so that the file runs in a few seconds."""

from __future__ import annotations

from datetime import date, time

from hypothesis import HealthCheck, given, settings, strategies as st

from settlement.domain.csvfile import decode, parse_csv
from settlement.domain.money import MAX_LINE_ORE
from settlement.sources.generic_csv import COLUMNS, parse_sales_csv
from settlement.domain.vendors import Vendor

VENDOR = Vendor("fuzz", "Fuzz", "Europe/Oslo", time(22, 0), time(5, 0), date(2026, 1, 1), "demo-as")
VALID = (
    "receipt_id;timestamp;type;code;vat_code;amount;vat;discount\n"
    "R1;2026-11-02T09:00:00;sale;high;3;250,00;50,00;10,00\n"
    "R1;2026-11-02T09:00:00;payment;card;;250,00;;\n"
    "R2;2026-11-02T10:00:00+01:00;return;food;31;-115,00;-15,00;\n"
    "R2;2026-11-02T10:00:00+01:00;payment;vipps;;-115,00;;\n"
    "R3;2026-11-02T12:00:00Z;sale;high;3;99,75;;\n"
    "R3;2026-11-02T12:00:00Z;rounding;;;0,25;;\n"
    "R3;2026-11-02T12:00:00Z;payment;cash;;100,00;;\n"
).encode("utf-8")
# Bytes and texts an adversary likes: undefined cp1252 bytes, NUL, quotes, separators, line
# breaks, BOMs, Unicode digits and separators, huge numbers, extreme years.
HOSTILE = [b"\x81", b"\x00", b'"', b";", b",", b"\n", b"\r", b"\xef\xbb\xbf", b"\xff\xfe", "١٢".encode(),
           "\u2028".encode(), b"99999999999999999999", b"0001-01-01T00:00:00", b"9999-12-31T23:59:59+14:00",
           b"-", b"e5", b"#", b"\t", b"\x0c", b"9" * 5000]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes) -> None:
    lines, problems = parse_sales_csv(decode(data), "fuzz.csv", VENDOR)
    errors = [p for p in problems if p.is_error]
    assert not (lines and errors), "lines only from a file without errors"
    for problem in problems:
        assert problem.file == "fuzz.csv"
        str(problem).encode("utf-8")  # printable: no undecodable byte reaches a message
    for line in lines:
        assert abs(line.amount) <= MAX_LINE_ORE and abs(line.vat) <= abs(line.amount)
        assert 0 < len(line.receipt_id) <= 128 and line.receipt_id.isprintable()
        assert line.business_day.year >= 1900


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    _check(data)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_after_a_valid_header(data):
    _check(VALID.split(b"\n", 1)[0] + b"\n" + data)


@st.composite
def mutated(draw) -> bytes:
    """The valid file with a few bytes replaced, inserted or deleted, often hostile ones."""
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.one_of(st.sampled_from(HOSTILE), st.binary(min_size=1, max_size=4)))
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        if action == "insert":
            data[at:at] = piece
        elif action == "replace":
            data[at:at + len(piece)] = piece
        else:
            del data[at:at + draw(st.integers(1, 20))]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_valid_file(data):
    _check(data)


@FUZZ
@given(st.lists(st.text(max_size=30), min_size=len(COLUMNS), max_size=len(COLUMNS) + 1))
def test_arbitrary_field_texts(fields):
    """Any text in any field of a data row (encoded both ways the reader accepts)."""
    row = ";".join(field.replace(";", ",").replace("\n", " ").replace("\r", " ") for field in fields)
    text = ";".join(COLUMNS) + "\n" + row + "\n"
    _check(text.encode("utf-8"))
    _check(text.encode("cp1252", "replace"))


@FUZZ
@given(st.binary(max_size=1000))
def test_chart_reader_on_arbitrary_bytes(data):
    table, problems = parse_csv(decode(b"key;account;name\n" + data), "ledger.csv", ("key", "account", "name"))
    for problem in problems:
        str(problem).encode("utf-8")
    assert table is not None


def test_the_valid_file_imports_cleanly():
    lines, problems = parse_sales_csv(decode(VALID), "fuzz.csv", VENDOR)
    assert problems == [] and len(lines) == 7
