"""Local times without an offset on the daylight-saving Sundays (settlement.domain.localtime),
in SAF-T through the real CLI: a time that does not exist blocks its day, naming the line; one
that occurs twice is its first occurrence, counted in a note; a written offset is exact."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from settlement.domain.localtime import AMBIGUOUS, EXACT, GAP, local_kind, read_local
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction

OSLO = ZoneInfo("Europe/Oslo")
VENDOR = "oslo-sentrum"  # day_start 05:00: a sale at 02:30 belongs to the day before


def test_the_kinds_of_local_time():
    assert local_kind(datetime(2026, 3, 29, 2, 30), OSLO) == GAP
    assert local_kind(datetime(2026, 10, 25, 2, 30), OSLO) == AMBIGUOUS
    assert local_kind(datetime(2026, 10, 25, 3, 0), OSLO) == EXACT
    assert local_kind(datetime(2026, 3, 29, 3, 0), OSLO) == EXACT
    instant, kind = read_local(datetime(2026, 10, 25, 2, 30), OSLO)
    assert (instant, kind) == (datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), AMBIGUOUS)  # first: CEST
    instant, kind = read_local(datetime(2026, 10, 25, 2, 30, tzinfo=timezone.utc), OSLO)
    assert kind == EXACT


def one_file(*transactions: Transaction) -> SaftFile:
    return SaftFile([Location("Bar", [Register("K1", list(transactions))])])


def test_a_time_in_the_spring_gap_blocks_its_day_with_the_line(workspace):
    gap = Transaction("1", "2026-03-29", "02:30:00", [Line(10000)], [Payment("CARD", 10000)])
    later = Transaction("2", "2026-03-30", "12:00:00", [Line(5000)], [Payment("CARD", 5000)])
    path = one_file(gap, later).write(workspace.path / "spring.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)

    assert status == 1
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if "<transTime>02:30:00" in text)
    assert (f"{path}:{line}: register K1 transaction 1: <transDate>/<transTime> 2026-03-29 02:30:00 does not exist in "
            "Europe/Oslo (the clocks went forward over it)") in err
    assert f"business day 2026-03-28 of {VENDOR} blocked by 1 error(s)" in out  # 02:30 is before day_start
    assert workspace.app().sales.days_with_sales(VENDOR) == [date(2026, 3, 30)]


def test_a_time_in_the_autumn_fold_is_its_first_occurrence_with_a_note(workspace):
    fold = Transaction("1", "2026-10-25", "02:30:00", [Line(10000)], [Payment("CARD", 10000)])
    fold2 = Transaction("2", "2026-10-25", "02:45:00", [Line(2000)], [Payment("CARD", 2000)])
    exact = Transaction("3", "2026-10-25", "02:40:00+01:00", [Line(3000)], [Payment("CARD", 3000)])
    path = one_file(fold, fold2, exact).write(workspace.path / "autumn.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", VENDOR)
    assert status == 0, out + err

    app = workspace.app()
    day = date(2026, 10, 24)
    stamps = sorted({line.receipt_id: line.timestamp for line in app.sales.lines(VENDOR, day)}.items())
    assert stamps == [
        ("999999999/K1/1", datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)),  # 02:30 CEST, the first
        ("999999999/K1/2", datetime(2026, 10, 25, 0, 45, tzinfo=timezone.utc)),
        ("999999999/K1/3", datetime(2026, 10, 25, 1, 40, tzinfo=timezone.utc)),  # its own offset
    ]
    notes = [n.message for n in app.sales.notes(VENDOR, day)]
    assert sum("occurs twice in Europe/Oslo (the clocks went back); read as its first occurrence, +02:00 (CEST)" in m
               for m in notes) == 2
