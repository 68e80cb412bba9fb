"""The one import use case (settlement.sources.importing.import_file) against the real SQLite store:
all of a file or nothing, idempotent, day bound refused as problems, and a streamed source's
batches (repeated receipts, a second reading) handled inside one transaction.

The CLI's and the drop folder's messages are checked by test_import_errors, test_hostile_input,
test_dropfolder and test_saft_*; here the outcome itself is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone

from settlement.domain.problems import error
from settlement.domain.sales import SaleLine
from settlement.sources.generic_csv import CsvSource
from settlement.sources.importing import import_file, refusal
from settlement.sources.protocol import ReadAgain, SourceRead
from settlement.store import SalesStore

VENDOR = "bergen-bryggen"
DAY = date(2026, 11, 2)
HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
GOOD = "OK-1;2026-11-02T10:00:00;sale;high;3;100,00;20,00\nOK-1;2026-11-02T10:00:00;payment;card;;100,00;\n"


def _csv(workspace, body: str, name: str = "sales.csv"):
    return workspace.write(f"in/{name}", HEADER + body)


def _receipts(app) -> set[str]:
    return {line.receipt_id for line in app.sales.lines(VENDOR, DAY)}


def test_a_csv_is_stored_whole_and_importing_it_again_changes_nothing(workspace):
    app = workspace.app()
    path = _csv(workspace, GOOD)
    first = import_file(app.sales, app.vendors, CsvSource(), path, vendor=app.vendor(VENDOR))
    assert first.stored and first.problems == [] and first.days == {DAY}
    assert (first.vendors[VENDOR].receipts, first.vendors[VENDOR].lines, first.vendors[VENDOR].replaced) == (1, 2, 0)
    again = import_file(app.sales, app.vendors, CsvSource(), path, vendor=app.vendor(VENDOR))
    assert again.stored and again.vendors[VENDOR].replaced == 1
    assert len(app.sales.lines(VENDOR, DAY)) == 2


def test_a_csv_with_a_bad_row_stores_nothing(workspace):
    app = workspace.app()
    path = _csv(workspace, GOOD + "X;2026-11-02T10:00:00;sale;high;3;12,3x;\n")
    outcome = import_file(app.sales, app.vendors, CsvSource(), path, vendor=app.vendor(VENDOR))
    assert not outcome.stored and outcome.vendors == {} and outcome.errors == 1
    assert (outcome.problems[0].file, outcome.problems[0].line, outcome.problems[0].column) == (str(path), 4, "amount")
    assert refusal(outcome, CsvSource()) == "1 bad row(s)"
    assert app.sales.days_with_sales(VENDOR) == []


def test_a_file_without_lines_still_reports_its_vendor(workspace):
    app = workspace.app()
    outcome = import_file(app.sales, app.vendors, CsvSource(), _csv(workspace, ""), vendor=app.vendor(VENDOR))
    assert outcome.stored and outcome.vendors[VENDOR].receipts == 0 and outcome.days == set()


def test_the_bytes_given_are_imported_not_the_file_read_again(workspace):
    app = workspace.app()
    path = _csv(workspace, "")  # on disk: no receipts; the caller read the bytes already
    outcome = import_file(app.sales, app.vendors, CsvSource(), path, data=(HEADER + GOOD).encode(), vendor=app.vendor(VENDOR))
    assert outcome.stored and _receipts(app) == {"OK-1"}


def test_a_day_beyond_the_bound_is_a_problem_and_nothing_is_stored(workspace):
    app = workspace.app()
    store = SalesStore(app.engine, max_day_ore=150_00)  # sale 100,00 + payment 100,00, each counted positive
    outcome = import_file(store, app.vendors, CsvSource(), _csv(workspace, GOOD), vendor=app.vendor(VENDOR))
    assert not outcome.stored and outcome.vendors == {} and outcome.found == []
    (problem,) = outcome.over_limit
    assert "business day 2026-11-02" in problem.message and outcome.problems == [problem]
    assert refusal(outcome, CsvSource()) == "1 business day(s) beyond the plausible total"
    assert refusal(outcome, CsvSource(), days="day(s)") == "1 day(s) beyond the plausible total"
    assert app.sales.days_with_sales(VENDOR) == []


def _line(receipt_id: str, amount: int = 100_00) -> SaleLine:
    moment = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    return SaleLine(VENDOR, "stream", receipt_id, moment, DAY, "payment", "card", None, amount, 0, f"stream.txt:{receipt_id}")


@dataclass(frozen=True)
class StreamSource:
    """A streamed test source: hands `batches` over one by one, as SAF-T does; with `again`, the
    first reading ends by asking to be read again by a source that hands over `again`."""

    batches: tuple[tuple[str, ...], ...]
    again: tuple[tuple[str, ...], ...] | None = None
    name: str = "stream"
    unit: str = "transaction(s)"
    error_unit: str = "error(s)"
    streams: bool = True

    def check(self, path):
        return []

    def read(self, path, data, vendors, vendor, line_limit, emit):
        problems = []
        for batch in self.batches:
            problems += emit(list(batch), [_line(rid) for rid in batch])
        if self.again is not None:
            raise ReadAgain(StreamSource(self.again))
        notes = {VENDOR: [(DAY, "r", "a note from the stream")]}
        return SourceRead(problems, None, notes, {VENDOR: {DAY}}, Counter(training=1))


def test_a_streamed_source_is_stored_batch_by_batch_with_its_notes(workspace):
    app = workspace.app()
    path = workspace.write("in/stream.txt", "")
    outcome = import_file(app.sales, app.vendors, StreamSource((("A", "B"), ("C",))), path)
    assert outcome.stored and outcome.vendors[VENDOR].receipts == 3 and outcome.skipped == Counter(training=1)
    assert _receipts(app) == {"A", "B", "C"}
    assert [n.message for n in app.sales.notes(VENDOR, DAY)] == ["a note from the stream"]


def test_a_receipt_two_batches_hold_is_an_error_and_rolls_the_file_back(workspace):
    app = workspace.app()
    path = workspace.write("in/stream.txt", "")
    outcome = import_file(app.sales, app.vendors, StreamSource((("A", "B"), ("B",))), path)
    assert not outcome.stored and outcome.vendors == {}
    assert outcome.problems == [error("transaction B occurs more than once in the file", file=str(path), ref="B")]
    assert app.sales.days_with_sales(VENDOR) == [] and app.sales.notes(VENDOR, DAY) == []


def test_read_again_undoes_the_first_reading(workspace):
    app = workspace.app()
    path = workspace.write("in/stream.txt", "")
    outcome = import_file(app.sales, app.vendors, StreamSource((("A",),), again=(("B",),)), path)
    assert outcome.stored and outcome.vendors[VENDOR].receipts == 1
    assert _receipts(app) == {"B"}
