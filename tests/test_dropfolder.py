"""The drop folder: CSV and SAF-T exports imported once by content, then moved to processed/ or
failed/ (with the reasons beside the file); the real store underneath."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from settlement.serve.dropfolder import DUPLICATE, IMPORTED, REJECTED, process_drop_folder
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, z_report_for

GOLDEN = Path(__file__).parent / "golden" / "voucher"
DAY = date(2026, 11, 2)


def _drop(folder: Path, name: str, data: bytes, age: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    if age:  # oldest first: give earlier files an older modification time
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))
    return path


def _sales_total(app, vendor: str, day: date) -> int:
    return sum(row.amount for row in app.sales.summary(vendor, day) if row.type == "payment")


def test_csv_is_imported_then_moved_to_processed(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "normal_day.csv", (GOLDEN / "normal_day.csv").read_bytes())
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == IMPORTED and result.source == "csv"
    assert result.days == {DAY}
    assert result.moved_to == folder / "processed" / "normal_day.csv" and result.moved_to.exists()
    assert not (folder / "normal_day.csv").exists()
    assert _sales_total(app, "bergen-bryggen", DAY) == 18250 + 9990 + 24999


HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"


def _receipt(amount: str, vat: str) -> bytes:
    return (HEADER + f"R-1;2026-11-02T10:00:00;sale;high;3;{amount};{vat}\n"
            f"R-1;2026-11-02T10:00:00;payment;card;;{amount};\n").encode()


def test_the_same_content_is_not_imported_twice_under_any_name(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    first, corrected = _receipt("100,00", "20,00"), _receipt("80,00", "16,00")
    _drop(folder, "export.csv", first, age=120)
    _drop(folder, "corrected.csv", corrected)
    process_drop_folder(app, vendor, folder)
    assert _sales_total(app, "bergen-bryggen", DAY) == 8000
    # The first export turns up again: importing it would bring back the superseded receipt.
    _drop(folder, "export.csv", first, age=60)
    _drop(folder, "export-copy.csv", first)
    results = process_drop_folder(app, vendor, folder)
    assert [r.outcome for r in results] == [DUPLICATE, DUPLICATE]
    assert all("same content as export.csv" in r.detail for r in results)
    assert _sales_total(app, "bergen-bryggen", DAY) == 8000
    # Everything is kept in processed/; the second export.csv under a new name, not overwriting.
    assert len(list((folder / "processed").iterdir())) == 4


def test_a_changed_export_is_imported_again_and_replaces_its_receipts(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "day.csv", _receipt("100,00", "20,00"), age=60)
    _drop(folder, "day-fixed.csv", _receipt("80,00", "16,00"))
    results = process_drop_folder(app, vendor, folder)
    assert [(r.name, r.outcome) for r in results] == [("day.csv", IMPORTED), ("day-fixed.csv", IMPORTED)]
    assert _sales_total(app, "bergen-bryggen", DAY) == 8000, "the later export replaced receipt R-1"


def test_a_bad_csv_goes_to_failed_with_every_reason_beside_it(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    bad = ("receipt_id;timestamp;type;code;vat_code;amount;vat\n"
           "R-1;2026-11-02T10:00:00;sale;high;3;12,3x;2,00\n"
           "R-2;not-a-time;sale;high;3;10,00;2,00\n")
    _drop(folder, "bad.csv", bad.encode())
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == REJECTED
    assert result.moved_to == folder / "failed" / "bad.csv"
    reasons = (folder / "failed" / "bad.csv.error.txt").read_text(encoding="utf-8").splitlines()
    assert reasons[0] == "bad.csv was not imported: 2 bad row(s); nothing imported"
    assert any(":2" in line and "amount" in line and "12,3x" in line for line in reasons[1:]), reasons
    assert any(":3" in line and "timestamp" in line for line in reasons[1:]), reasons
    assert _sales_total(app, "bergen-bryggen", DAY) == 0
    # A failed file is not remembered: fixed and dropped again under the same name, it is imported.
    _drop(folder, "bad.csv", bad.replace("12,3x", "10,00").replace("not-a-time", "2026-11-02T11:00:00").encode())
    [again] = process_drop_folder(app, vendor, folder)
    assert again.outcome == IMPORTED


def test_unknown_files_fail_and_unfinished_ones_are_left_alone(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "notes.txt", b"hello")
    _drop(folder, "big.csv.part", b"receipt_id;")
    _drop(folder, ".hidden.csv", b"receipt_id;")
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == REJECTED and result.name == "notes.txt"
    assert "not a SAF-T export (.xml) or a generic receipt CSV (.csv)" in (folder / "failed" / "notes.txt.error.txt").read_text()
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [".hidden.csv", "big.csv.part"]
    assert process_drop_folder(app, vendor, workspace.path / "no-such-folder") == []


def _saft(sales: int) -> SaftFile:
    tx = [Transaction("1", "2026-11-02", "12:00:00", [Line(sales, "200", "3")], [Payment("CARD", sales)])]
    return SaftFile([Location("Bryggen", [Register("K1", tx, [z_report_for("1", "2026-11-02", tx)])])])


def test_saft_export_is_imported_for_the_folder_vendor(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")  # no saft_registers: every register is this vendor's
    folder = workspace.path / "drop"
    folder.mkdir()
    _saft(25000).write(folder / "kasse.xml")
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == IMPORTED and result.source == "saft", result.problems
    assert result.days == {DAY}
    assert _sales_total(app, "bergen-bryggen", DAY) == 25000
    assert (folder / "processed" / "kasse.xml").exists()


def test_broken_saft_export_goes_to_failed(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "kasse.xml", b"<?xml version='1.0'?><auditfile><header>")
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == REJECTED
    text = (folder / "failed" / "kasse.xml.error.txt").read_text(encoding="utf-8")
    assert "kasse.xml" in text and "nothing imported" in text
    assert _sales_total(app, "bergen-bryggen", DAY) == 0
