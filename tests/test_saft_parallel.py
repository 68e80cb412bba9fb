"""Big SAF-T files are read by two processes; the outcome must be the one reading alone gives.

Each test imports the same file once read here (workers=1) and once by two worker processes
(workers=2, what files from 32 MB on get), into separate databases, and compares everything the
import reports and stores. The files are small, so the split falls among the transactions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from settlement.sources.importing import import_file
from settlement.sources.saft import SaftSource
from settlement.sources.saft.parallel import split_lines
from settlement.store import SalesStore, open_engine
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, z_report_for

DAYS = [date(2026, 11, 2), date(2026, 11, 3)]


def register(register_id: str, seed: int, bad_z: bool = False) -> Register:
    transactions = []
    for n in range(1, 31):
        day = DAYS[n % 2].isoformat()
        lines = [Line(1000 + seed * 7 + n * 13), Line(500 + n, "100", "2")]
        if n % 10 == 3:  # a return
            lines = [Line(-(700 + n))]
        tx = Transaction(str(n), day, f"{9 + n // 6:02d}:{n % 6 * 10:02d}:00", lines)
        if n % 10 == 5:
            tx.payments = [Payment("CARD", tx.line_total)]
        tx.training = n % 17 == 0
        transactions.append(tx)
    z_reports = [z_report_for(f"{register_id}-{d:%d}", d.isoformat(), [t for t in transactions if t.date == d.isoformat()])
                 for d in DAYS]
    if bad_z:
        z_reports[0].total += 100
    return Register(register_id, transactions, z_reports)


def shop(convention: str = "official", layout: str = "compact", **changes) -> SaftFile:
    registers = {f"K{n}": register(f"K{n}", n, bad_z=n == 4) for n in range(1, 5)}
    for register_id, extra in changes.items():
        registers[register_id].transactions = [*registers[register_id].transactions, *extra]
    return SaftFile([Location("Butikk A", [registers["K1"], registers["K2"]]),
                     Location("Butikk B", [registers["K3"], registers["K4"]])], convention=convention, layout=layout)


def import_both(workspace, path: Path):
    """(outcome, stored lines, notes) when read here, then when read by two processes."""
    app = workspace.app()
    results = []
    for workers in (1, 2):
        engine = open_engine(f"sqlite:///{workspace.path / f'{path.stem}-workers{workers}.db'}")
        store = SalesStore(engine)
        outcome = import_file(store, app.vendors, SaftSource(batch_lines=40, workers=workers), path, vendor=app.vendor("oslo-sentrum"))
        # Sorted: the two readers' batches are stored in the order they arrive.
        lines = sorted((line for day in DAYS for line in store.lines("oslo-sentrum", day)), key=repr)
        notes = [note for day in DAYS for note in store.notes("oslo-sentrum", day)]
        results.append((outcome, lines, notes))
        engine.dispose()
    return results


def described(outcome) -> tuple:
    vendors = {v: (r.receipts, r.lines, r.replaced, sorted(r.days)) for v, r in outcome.vendors.items()}
    problems = [(p.message, p.file, p.line, p.column, p.ref, p.is_error) for p in outcome.problems]
    return outcome.stored, vendors, dict(outcome.skipped), problems


def test_the_split_falls_among_the_transactions(workspace):
    path = shop().write(workspace.path / "shop.xml")
    (split,) = split_lines(str(path), 2)
    text = path.read_text(encoding="utf-8").splitlines()
    assert text.index("<cashtransaction>") < split < len(text) - text[::-1].index("<cashtransaction>")


def test_two_readers_store_and_report_what_one_does(workspace):
    # The "absolute" convention (D for sales) is learnt from the first transaction, in the first
    # part: the second reader must read its part with it too, or its sales would turn negative.
    for convention in ("official", "absolute"):
        path = shop(convention).write(workspace.path / f"{convention}.xml")
        (alone, alone_lines, alone_notes), (split, split_lines_, split_notes) = import_both(workspace, path)

        assert alone.stored and described(split) == described(alone)
        assert alone.vendors["oslo-sentrum"].receipts == 4 * 30 - 4  # one training receipt per register
        assert sum(line.amount for line in alone_lines if line.type == "sale") > 0
        assert split_lines_ == alone_lines and split_notes == alone_notes
        assert any("Z report K4-02" in p.message for p in alone.problems)  # the tampered Z report, once
        assert sum("Z report K4-02" in p.message for p in split.problems) == 1


def test_a_file_laid_out_like_the_official_example_stores_what_the_compact_one_does(workspace):
    # The benchmark writes this layout: CRLF, tabs, and the elements the importer has no use for
    # (employee, quantity, line date, payment reference, receipt numbers...), as Skatteetaten's
    # 2021 example does. Only where each line was found (its origin) may differ.
    day = DAYS[1].isoformat()
    extra = [
        Transaction("90", day, "15:00:00", [Line(5000, discount=500), Line(50_000, line_type="GC")], tip=2000,
                    rounding=-40, payments=[Payment("CASH", 56_960)]),
        Transaction("91", day, "15:05:00", [Line(-1640, "100", "2")], payments=[Payment("CARD", -1640)]),
    ]
    compact = shop(K2=extra).write(workspace.path / "compact.xml")
    example = shop(layout="example", K2=extra).write(workspace.path / "example.xml")
    assert b"\r\n\t\t\t\t<cashtransaction>\r\n\t\t\t\t\t<nr>" in example.read_bytes()
    (compact_alone, compact_lines, compact_notes), _ = import_both(workspace, compact)
    (alone, lines, notes), (split, split_lines_, split_notes) = import_both(workspace, example)

    assert alone.stored and described(split) == described(alone)
    assert split_lines_ == lines and split_notes == notes

    def without_origin(found):
        return sorted((replace(line, origin="") for line in found), key=repr)

    assert without_origin(lines) == without_origin(compact_lines)
    assert {line.type for line in lines} >= {"sale", "return", "tip", "rounding", "gift_card_sold", "payment"}
    assert sum(line.discount or 0 for line in lines) == 500
    def where_left_out(found):  # a note ends with the file and line it is about
        return [(note.ref, note.message.rsplit(" (", 1)[0]) for note in found]

    assert where_left_out(notes) == where_left_out(compact_notes) != []
    assert [p.message for p in alone.problems] == [p.message for p in compact_alone.problems]
    assert described(alone)[:3] == described(compact_alone)[:3]


def test_an_error_in_the_second_part_blocks_its_day_and_names_the_line(workspace):
    bad = Transaction("99", "2026-11-03", "21:00:00", [Line(5000)], [Payment("BITCOIN", 5000)])
    path = shop(K4=[bad]).write(workspace.path / "bad.xml")
    (alone, alone_stored, _), (split, split_stored, split_notes) = import_both(workspace, path)

    # A day, not the file: 2026-11-03 is kept out whole, 2026-11-02 is stored.
    assert split.stored and set(split.blocked["oslo-sentrum"]) == {DAYS[1]}
    assert split_stored == alone_stored and {line.business_day for line in split_stored} == {DAYS[0]}
    errors = [p for p in split.problems if p.is_error]
    assert [(p.message, p.file, p.column) for p in errors] == [
        ("register K4 transaction 99: payment type 'BITCOIN' is not a payment type in <basics>", str(path), "paymentType")
    ]
    assert errors[0].line > split_lines(str(path), 2)[0]
    assert described(split) == described(alone)


def test_a_transaction_in_both_parts_and_a_truncated_file_are_refused(workspace):
    repeated = Transaction("1", "2026-11-02", "21:00:00", [Line(5000)])
    path = shop(K4=[repeated]).write(workspace.path / "twice.xml")
    path_k1 = path.read_text(encoding="utf-8").replace("<registerID>K4</registerID>", "<registerID>K1</registerID>")
    path.write_text(path_k1, encoding="utf-8")  # K4's transactions now repeat K1's ids
    (alone, _, _), (split, split_stored, _) = import_both(workspace, path)
    assert not split.stored and split_stored == []
    assert any(p.message == "transaction 999999999/K1/1 occurs more than once in the file" for p in split.problems)
    assert not alone.stored

    for tenths in (3, 9):  # cut in the first part (both readers meet the end), in the second part
        path = shop().write(workspace.path / f"cut{tenths}.xml")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * tenths // 10])
        (alone, _, _), (split, split_stored, _) = import_both(workspace, path)
        assert not split.stored and split_stored == []
        assert described(split) == described(alone)
        assert sum("ends before the XML is complete" in p.message for p in split.problems) == 1


def test_the_second_reader_starts_at_the_split_from_a_stand_in_for_the_first_part(workspace):
    from settlement.sources.saft.splitpoint import context_before, find_split

    for prefix in (None, "n1"):
        file = shop()
        file.prefix = prefix
        path = file.write(workspace.path / f"prefix-{prefix}.xml")
        split = find_split(str(path), 0.5)
        head = context_before(str(path), split)
        data = path.read_bytes()
        tag = b"<n1:cashtransaction>" if prefix else b"<cashtransaction>"
        assert data[split.offset :].startswith(tag) and data.count(b"\n", 0, split.offset) + 1 == split.line
        assert head.count(b"\n") == split.line - 1  # line numbers stay the file's own
        (alone, alone_lines, alone_notes), (split_, split_lines_, split_notes) = import_both(workspace, path)
        assert alone.stored and described(split_) == described(alone)
        assert split_lines_ == alone_lines and split_notes == alone_notes


def test_a_stand_in_that_disagrees_with_the_file_is_not_used(workspace):
    # A comment right before the split transaction looks like another register to the byte scan:
    # the second reader would read its part as register X9. The readers' views of the split point
    # differ, so the file is read again by one reader, with the right register.
    from settlement.sources.saft.splitpoint import find_split

    path = shop().write(workspace.path / "comment.xml")
    split = find_split(str(path), 0.5)
    data = path.read_bytes()
    fake = b"<!-- <cashregister><registerID>X9</registerID> -->"
    path.write_bytes(data[: split.offset - 1] + fake + data[split.offset - 1 :])
    (alone, alone_lines, _), (split_, split_lines_, _) = import_both(workspace, path)
    assert alone.stored and described(split_) == described(alone)
    assert split_lines_ == alone_lines and not any("X9" in line.receipt_id for line in split_lines_)
