"""A hypothesis fuzz of the SAF-T Cash Register reader: whatever a file holds, reading it gives
converted transactions or problems naming the file (and, for errors, the line), never an exception.

A small valid file written by tests/saft_builder.py is mutated the ways a hostile or broken
export differs from a good one: an element's text replaced by arbitrary text (escaped, or raw so
that it may break the XML), elements dropped or repeated, the file cut short, arbitrary bytes
injected. The pure reader (`read_saft`, no database) runs each; a few mutants also go through the
real CLI, which must exit 0 or 1 and store nothing from a refused file.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from settlement.domain.money import AmountError
from settlement.sources.saft.reader import read_saft
from settlement.sources.saft.records import amount_limit
from settlement.sources.saft.transactions import EARLIEST_DAY, LATEST_DAY, MAX_RECEIPT_ID
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, z_report_for

DAY = "2026-11-02"
TRANSACTIONS = [
    Transaction("1", DAY, "09:00:00", [Line(10000), Line(2500, "100", "2", discount=300)], [Payment("CARD", 12500)]),
    Transaction("2", DAY, "10:00:00", [Line(5000)], tip=1000, rounding=-40, payments=[Payment("CASH", 5960)]),
    Transaction("3", DAY, "11:00:00", [Line(-1640, "100", "2")], payments=[Payment("CARD", -1640)]),
]
GOOD = SaftFile([Location("Butikk A", [Register("K1", TRANSACTIONS, [z_report_for("Z1", DAY, TRANSACTIONS)])])])
# Leaf elements (<name>text</name>) of the compact layout, one a line, and whole lines.
_LEAF = re.compile(rb"<([A-Za-z]+)>([^<]*)</\1>")
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


def _good_bytes() -> bytes:
    buffer = io.StringIO()
    GOOD.write_to(buffer)
    return buffer.getvalue().encode("utf-8")


GOOD_BYTES = _good_bytes()


@pytest.fixture
def good_bytes() -> bytes:
    return GOOD_BYTES


@pytest.fixture
def reader(workspace):
    """read(data, mapped=False) → (converted, problems), checking what must hold of every outcome."""
    app = workspace.app()
    path = workspace.path / "fuzzed.xml"
    limit = amount_limit()

    def read(data: bytes, mapped: bool = False):
        path.write_bytes(data)
        converted, problems = read_saft(str(path), app.vendors, None if mapped else app.vendor("oslo-sentrum"))
        for problem in problems:
            assert problem.file == str(path), problem
            assert len(problem.message) <= 1000 and (problem.value is None or len(problem.value) <= 80), problem
        errors = [p for p in problems if p.is_error]
        for problem in errors:
            # Every error points at a line, except a file with nothing in it and the summary of repeats.
            assert problem.line or problem.message.startswith(("the file is empty", "the file is blank")) \
                or " more like this: " in problem.message, problem
        if not errors:  # what would be stored must fit the store and every later sum
            for transaction in converted:
                assert len(transaction.receipt_id) <= MAX_RECEIPT_ID
                assert EARLIEST_DAY <= transaction.day <= LATEST_DAY
                for line in transaction.lines:
                    assert abs(line.amount) <= limit and abs(line.vat) <= limit
                    assert abs(line.discount or 0) <= limit
                    assert len(line.code) <= 128 and len(line.fallback_code) <= 128
        return converted, problems

    return read


def test_the_unmutated_file_reads_cleanly(reader, good_bytes):
    converted, problems = reader(good_bytes)
    assert [p for p in problems if p.is_error] == []
    assert [c.receipt_id for c in converted] == ["999999999/K1/1", "999999999/K1/2", "999999999/K1/3"]
    assert {c.day for c in converted} == {date(2026, 11, 2)}


def leaves(data: bytes) -> list[re.Match]:
    return list(_LEAF.finditer(data))


texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{0,6})?", fullmatch=True),
    st.sampled_from(["99999999999999999999.00", "٥٠.00", "５0.00", "0001-01-01", "9999-12-31", "23:59:59+14:00",
                     "&foo;", "&#0;", "x" * 200, "1e5", "NaN", "-0", ".", "+.5", "00:00:00Z", "2026-02-30"]),
)


@FUZZ
@given(data=st.data(), text=texts, raw=st.booleans(), mapped=st.booleans())
def test_any_element_text(reader, data, text, raw, mapped):
    found = leaves(GOOD_BYTES)
    match = data.draw(st.sampled_from(found))
    written = text.encode("utf-8", "surrogatepass") if raw else escape(text).encode("utf-8", "surrogatepass")
    mutated = GOOD_BYTES[: match.start(2)] + written + GOOD_BYTES[match.end(2):]
    reader(mutated, mapped)


@FUZZ
@given(data=st.data(), action=st.sampled_from(["drop", "repeat", "drop-line", "repeat-line"]))
def test_dropped_or_repeated_elements(reader, data, action):
    if action.endswith("line"):
        lines = GOOD_BYTES.split(b"\n")
        index = data.draw(st.integers(0, len(lines) - 1))
        lines[index : index + 1] = [] if action == "drop-line" else [lines[index]] * data.draw(st.integers(2, 4))
        mutated = b"\n".join(lines)
    else:
        match = data.draw(st.sampled_from(leaves(GOOD_BYTES)))
        element = match.group(0)
        middle = b"" if action == "drop" else element * data.draw(st.integers(2, 3))
        mutated = GOOD_BYTES[: match.start()] + middle + GOOD_BYTES[match.end():]
    reader(mutated)


NAMES = sorted({m.group(1).decode() for m in _LEAF.finditer(GOOD_BYTES)}
               | {"ctLine", "vat", "payment", "raise", "discount", "rounding", "cashtransaction", "event", "eventReport",
                  "cashregister", "location", "basic", "vatCodeDetail", "article", "company", "header", "companyIdent"})


@FUZZ
@given(data=st.data(), name=st.sampled_from(NAMES), text=texts, nested=st.sampled_from(["", "leaf", "copy"]))
def test_elements_grafted_anywhere(reader, data, name, text, nested):
    """An element (empty, with text, or a copy of a real one) put where it does not belong."""
    lines = GOOD_BYTES.split(b"\n")
    at = data.draw(st.integers(1, len(lines) - 1))
    if nested == "copy":
        match = data.draw(st.sampled_from(list(re.finditer(rb"<(ctLine|payment|vat|raise|cashtransaction|event|basic)>.*?</\1>",
                                                        GOOD_BYTES, re.S))))
        graft = match.group(0)
    elif nested == "leaf":
        inner = data.draw(st.sampled_from(NAMES))
        graft = f"<{name}><{inner}>{escape(text)}</{inner}></{name}>".encode("utf-8", "surrogatepass")
    else:
        graft = f"<{name}>{escape(text)}</{name}>".encode("utf-8", "surrogatepass")
    reader(b"\n".join([*lines[:at], graft, *lines[at:]]), data.draw(st.booleans()))


@FUZZ
@given(cut=st.integers(0, len(GOOD_BYTES.rstrip()) - 1))
def test_cut_anywhere(reader, cut):
    converted, problems = reader(GOOD_BYTES[:cut])
    assert any(p.is_error for p in problems)  # a cut file is never taken as complete


@FUZZ
@given(data=st.data(), injected=st.binary(min_size=1, max_size=16))
def test_bytes_injected_anywhere(reader, data, injected):
    at = data.draw(st.integers(0, len(GOOD_BYTES)))
    reader(GOOD_BYTES[:at] + injected + GOOD_BYTES[at:])


@FUZZ
@given(encoding=st.sampled_from(["windows-1252", "ISO-8859-1", "UTF-16", "ascii", "klingon"]),
       injected=st.binary(min_size=1, max_size=4))
def test_declared_encodings_with_stray_bytes(reader, encoding, injected):
    mutated = GOOD_BYTES.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)
    reader(mutated.replace(b"Butikk A", b"Butikk " + injected, 1))


def test_mutants_through_the_cli_exit_cleanly_and_store_nothing_when_refused(workspace, good_bytes):
    first_amount = leaves(good_bytes)[[m.group(1) for m in leaves(good_bytes)].index(b"transAmntIn")]
    mutants = {
        "cut": good_bytes[: len(good_bytes) // 2],
        "nul": good_bytes.replace(b"<transID>2<", b"<transID>2\x00<", 1),
        "huge-amount": good_bytes[: first_amount.start(2)] + b"99999999999999999999.00" + good_bytes[first_amount.end(2):],
        "stray-byte": good_bytes.replace(b"Butikk A", b"Butikk \x81", 1).replace(b'"UTF-8"', b'"windows-1252"', 1),
        "year-9999": good_bytes.replace(b"<transDate>2026-11-02", b"<transDate>9999-12-31", 1),
    }
    for name, data in mutants.items():
        path = workspace.path / f"{name}.xml"
        path.write_bytes(data)
        status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
        assert status == 1, (name, out, err)
        assert "Traceback" not in err and f"{path}:" in err, (name, err)
        # A bad amount blocks its day (the file's only one); the others refuse the file.
        refused = "nothing of that day imported from this file" if name == "huge-amount" else "nothing imported from this file"
        assert refused in out, (name, out)
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == []
    path = workspace.path / "good.xml"
    path.write_bytes(good_bytes)
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert status == 0, err
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == [date(2026, 11, 2)]
