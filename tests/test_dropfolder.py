"""The drop folder: CSV and SAF-T exports imported once by content, then moved to processed/ or
failed/ (with the reasons beside the file); the real store underneath."""

from __future__ import annotations

import hashlib
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


def _process(app, vendor, folder: Path, settle: float = 0):
    """The drop folder handled once; files count as complete at once unless `settle` is given."""
    return process_drop_folder(app, vendor, folder, settle_seconds=settle)


def _sales_total(app, vendor: str, day: date) -> int:
    return sum(row.amount for row in app.sales.summary(vendor, day) if row.type == "payment")


def test_csv_is_imported_then_moved_to_processed(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "normal_day.csv", (GOLDEN / "normal_day.csv").read_bytes())
    [result] = _process(app, vendor, folder)
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
    _process(app, vendor, folder)
    assert _sales_total(app, "bergen-bryggen", DAY) == 8000
    # The first export turns up again: importing it would bring back the superseded receipt.
    _drop(folder, "export.csv", first, age=60)
    _drop(folder, "export-copy.csv", first)
    results = _process(app, vendor, folder)
    assert [r.outcome for r in results] == [DUPLICATE, DUPLICATE]
    assert all("same content as export.csv" in r.detail for r in results)
    assert _sales_total(app, "bergen-bryggen", DAY) == 8000
    # Everything is kept in processed/; the second export.csv under a new name, not overwriting.
    assert len(list((folder / "processed").iterdir())) == 4

    # In bokmål the time of the first import is the store's, with its offset.
    from datetime import timezone

    from settlement import i18n
    from settlement.domain import text
    from settlement.store.seen_files import imported_before

    earlier = imported_before(app.engine, "bergen-bryggen", hashlib.sha256(first).hexdigest())
    local = earlier.imported_at.replace(tzinfo=timezone.utc).astimezone(vendor.tz)
    _drop(folder, "export.csv", first)
    text.install(i18n.load("nb"))
    try:
        [result] = _process(app, vendor, folder)
    finally:
        text.install(text.ENGLISH)
    offset = local.strftime("%z")
    assert f"importert {local:%d.%m.%Y %H:%M} {offset[:3]}:{offset[3:]}" in result.detail, result.detail


def test_a_changed_export_is_imported_again_and_replaces_its_receipts(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "day.csv", _receipt("100,00", "20,00"), age=60)
    _drop(folder, "day-fixed.csv", _receipt("80,00", "16,00"))
    results = _process(app, vendor, folder)
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
    [result] = _process(app, vendor, folder)
    assert result.outcome == REJECTED
    assert result.moved_to == folder / "failed" / "bad.csv"
    reasons = (folder / "failed" / "bad.csv.error.txt").read_text(encoding="utf-8").splitlines()
    assert reasons[0] == "bad.csv was not imported: 2 bad row(s); nothing imported"
    assert any(":2" in line and "amount" in line and "12,3x" in line for line in reasons[1:]), reasons
    assert any(":3" in line and "timestamp" in line for line in reasons[1:]), reasons
    assert _sales_total(app, "bergen-bryggen", DAY) == 0
    # A failed file is not remembered: fixed and dropped again under the same name, it is imported.
    _drop(folder, "bad.csv", bad.replace("12,3x", "10,00").replace("not-a-time", "2026-11-02T11:00:00").encode())
    [again] = _process(app, vendor, folder)
    assert again.outcome == IMPORTED


def test_unknown_files_fail_and_unfinished_ones_are_left_alone(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "notes.txt", b"hello")
    _drop(folder, "big.csv.part", b"receipt_id;")
    _drop(folder, ".hidden.csv", b"receipt_id;")
    [result] = _process(app, vendor, folder)
    assert result.outcome == REJECTED and result.name == "notes.txt"
    assert "not a SAF-T export (.xml) or a generic receipt CSV (.csv)" in (folder / "failed" / "notes.txt.error.txt").read_text()
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [".hidden.csv", "big.csv.part"]
    assert _process(app, vendor, workspace.path / "no-such-folder") == []


def _saft(sales: int) -> SaftFile:
    tx = [Transaction("1", "2026-11-02", "12:00:00", [Line(sales, "200", "3")], [Payment("CARD", sales)])]
    return SaftFile([Location("Bryggen", [Register("K1", tx, [z_report_for("1", "2026-11-02", tx)])])])


def test_saft_export_is_imported_for_the_folder_vendor(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")  # no saft_registers: every register is this vendor's
    folder = workspace.path / "drop"
    folder.mkdir()
    _saft(25000).write(folder / "kasse.xml")
    [result] = _process(app, vendor, folder)
    assert result.outcome == IMPORTED and result.source == "saft", result.problems
    assert result.days == {DAY}
    assert _sales_total(app, "bergen-bryggen", DAY) == 25000
    assert (folder / "processed" / "kasse.xml").exists()


def test_broken_saft_export_goes_to_failed(workspace):
    app = workspace.app()
    vendor = app.vendor("bergen-bryggen")
    folder = workspace.path / "drop"
    _drop(folder, "kasse.xml", b"<?xml version='1.0'?><auditfile><header>")
    [result] = _process(app, vendor, folder)
    assert result.outcome == REJECTED
    text = (folder / "failed" / "kasse.xml.error.txt").read_text(encoding="utf-8")
    assert "kasse.xml" in text and "nothing imported" in text
    assert _sales_total(app, "bergen-bryggen", DAY) == 0


# --- only complete files, only files written into the folder, names escaped -------------------

import dataclasses  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from settlement.wiring import App  # noqa: E402
from settlement.logs import setup_logging  # noqa: E402
from settlement.store import seen_files  # noqa: E402
from settlement.serve.dropfolder import WAITING  # noqa: E402
from settlement.serve.metrics import Metrics  # noqa: E402
from settlement.serve.sources import sync_sources  # noqa: E402

RECEIPT = 12500  # every receipt below: 125,00 paid by card

# Appends one receipt every DELAY seconds, flushing each, as a slow export or copy does.
WRITER = r"""
import sys, time
path, first, last, delay, header = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"
with open(path, "ab") as f:
    if header:
        f.write(b"receipt_id;timestamp;type;code;vat_code;amount;vat\n")
        f.flush()
    for n in range(first, last + 1):
        f.write(f"R-{n};2026-11-02T10:{n // 60:02d}:{n % 60:02d};sale;high;3;125,00;25,00\n".encode())
        f.write(f"R-{n};2026-11-02T10:{n // 60:02d}:{n % 60:02d};payment;card;;125,00;\n".encode())
        f.flush()
        time.sleep(delay)
"""


def _rows(first: int, last: int) -> str:
    return "".join(f"R-{n};2026-11-02T10:{n // 60:02d}:{n % 60:02d};sale;high;3;125,00;25,00\n"
                   f"R-{n};2026-11-02T10:{n // 60:02d}:{n % 60:02d};payment;card;;125,00;\n" for n in range(first, last + 1))


def _setup(workspace, settle: float):
    """An app whose settle period is `settle`, bergen-bryggen with its drop folder, the folder."""
    app = App.load(workspace.settings().model_copy(update={"drop_settle_seconds": settle}))
    folder = workspace.path / "drop"
    folder.mkdir(exist_ok=True)
    return app, dataclasses.replace(app.vendor("bergen-bryggen"), drop_folder=str(folder)), folder


def _slow_writer(path: Path, receipts: int, delay: float, first: int = 1, header: bool = True) -> subprocess.Popen:
    """A separate process appending `receipts` receipts to `path`, one every `delay` seconds."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(first), str(first + receipts - 1),
                               str(delay), "1" if header else "0"])
    deadline = time.monotonic() + 10
    while not (path.exists() and path.stat().st_size > 60) and time.monotonic() < deadline:
        time.sleep(0.01)
    return writer


@pytest.fixture
def log_lines():
    """Human log lines of what is logged in the test (the root logger is put back afterwards)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    setup_logging("human", "INFO", stream)
    yield lambda: stream.getvalue().splitlines()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_file_still_being_written_is_waited_for_and_imported_whole(workspace, log_lines):
    app, vendor, folder = _setup(workspace, settle=0.5)
    writer = _slow_writer(folder / "slow.csv", receipts=50, delay=0.03)  # about 1.5 s
    try:
        # A look while it is being written takes nothing and stores nothing.
        [early] = process_drop_folder(app, vendor, folder)
        assert early.outcome == WAITING and early.ready_in and early.moved_to is None
        assert _sales_total(app, "bergen-bryggen", DAY) == 0
        # The run waits until the file has been unchanged for the settle period, then takes all of it.
        started = time.monotonic()
        assert sync_sources(app, vendor, Metrics()) is True
        assert writer.poll() == 0, "taken only after the writer was done"
        assert time.monotonic() - started < 5
    finally:
        writer.wait(timeout=10)
    assert _sales_total(app, "bergen-bryggen", DAY) == 50 * RECEIPT
    assert (folder / "processed" / "slow.csv").exists() and not (folder / "slow.csv").exists()
    assert any("waiting: still being written" in line and "file=slow.csv" in line for line in log_lines())


def test_a_copy_cut_at_a_line_boundary_is_not_taken_even_with_an_old_modification_time(workspace):
    app, vendor, folder = _setup(workspace, settle=0.3)
    path = _drop(folder, "copy.csv", (HEADER + _rows(1, 20)).encode())
    hour_ago = time.time() - 3600  # as `cp -p` or a sync tool keeping the source's time would set it
    os.utime(path, (hour_ago, hour_ago))
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == WAITING, "the status-change time says it was written just now"
    assert _sales_total(app, "bergen-bryggen", DAY) == 0 and path.exists()
    with path.open("a", encoding="utf-8") as handle:  # the copy goes on
        handle.write(_rows(21, 40))
    assert sync_sources(app, vendor, Metrics()) is True
    assert _sales_total(app, "bergen-bryggen", DAY) == 40 * RECEIPT


def test_a_file_dated_in_the_future_is_taken_once_this_process_saw_it_unchanged(workspace):
    app, vendor, folder = _setup(workspace, settle=0.3)
    path = _drop(folder, "skewed.csv", (HEADER + _rows(1, 3)).encode())
    tomorrow = time.time() + 86400  # a network share whose clock is ahead
    os.utime(path, (tomorrow, tomorrow))
    assert [r.outcome for r in process_drop_folder(app, vendor, folder)] == [WAITING]
    time.sleep(0.35)
    assert [r.outcome for r in process_drop_folder(app, vendor, folder)] == [IMPORTED]
    assert _sales_total(app, "bergen-bryggen", DAY) == 3 * RECEIPT


def test_a_done_or_ok_marker_makes_a_file_complete_at_once(workspace):
    app, vendor, folder = _setup(workspace, settle=3600)
    _drop(folder, "day.csv", (HEADER + _rows(1, 2)).encode())
    _drop(folder, "day.csv.done", b"")
    _drop(folder, "kasse.xml.ok", b"")  # a marker whose file has not arrived: nothing happens
    _drop(folder, "later.csv", (HEADER + _rows(3, 3)).encode())
    results = {r.name: r for r in process_drop_folder(app, vendor, folder)}
    assert results["day.csv"].outcome == IMPORTED and results["later.csv"].outcome == WAITING
    assert set(results) == {"day.csv", "later.csv"}
    assert not (folder / "day.csv.done").exists(), "the marker goes with its file"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["kasse.xml.ok", "later.csv"]
    assert _sales_total(app, "bergen-bryggen", DAY) == 2 * RECEIPT


OUTSIDE_CONTENT = "root:x:0:0:root:/root:/bin/bash\n"


def test_links_and_special_files_are_refused_without_reading_or_echoing_them(workspace):
    app, vendor, folder = _setup(workspace, settle=0)
    outside = workspace.path / "elsewhere"
    outside.mkdir()
    secret = outside / "secret.csv"  # importable, were it read: 99 receipts
    secret.write_text(HEADER + _rows(1, 99) + OUTSIDE_CONTENT)
    passwd = outside / "passwd"
    passwd.write_text(OUTSIDE_CONTENT)
    (folder / "link.csv").symlink_to(secret)
    (folder / "passwd.csv").symlink_to(passwd)
    (folder / "nowhere.csv").symlink_to(outside / "missing.csv")
    os.link(secret, folder / "hard.csv")
    os.mkfifo(folder / "pipe.csv")  # opening it would block
    results = {r.name: r for r in process_drop_folder(app, vendor, folder)}
    assert {name: r.outcome for name, r in results.items()} == dict.fromkeys(
        ["link.csv", "passwd.csv", "nowhere.csv", "hard.csv", "pipe.csv"], REJECTED)
    failed = folder / "failed"
    assert (failed / "link.csv").is_symlink() and os.readlink(failed / "link.csv") == str(secret), "the link itself moved"
    assert stat.S_ISFIFO(os.lstat(failed / "pipe.csv").st_mode)
    assert "symbolic link" in results["link.csv"].detail and "hard link" in results["hard.csv"].detail
    assert "not a regular file" in results["pipe.csv"].detail
    for name in results:
        reasons = (failed / f"{name}.error.txt").read_text(encoding="utf-8")
        assert reasons.startswith(f"{name} was not imported: refused: "), reasons
        assert "root:" not in reasons and "R-1" not in reasons and str(outside) not in reasons, reasons
    assert secret.read_text() == HEADER + _rows(1, 99) + OUTSIDE_CONTENT and passwd.read_text() == OUTSIDE_CONTENT
    assert _sales_total(app, "bergen-bryggen", DAY) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["failed", "processed"]


def test_a_processed_folder_that_is_a_link_elsewhere_stops_the_folder_not_the_process(workspace, log_lines):
    app, vendor, folder = _setup(workspace, settle=0)
    elsewhere = workspace.path / "elsewhere"
    elsewhere.mkdir()
    (folder / "processed").symlink_to(elsewhere)
    _drop(folder, "day.csv", (HEADER + _rows(1, 2)).encode())
    [result] = process_drop_folder(app, vendor, folder)
    assert result.outcome == WAITING and result.ready_in is None and "not a folder inside the drop folder" in result.detail
    assert sync_sources(app, vendor, Metrics()) is False, "the days wait: the file could not be taken"
    assert (folder / "day.csv").exists() and list(elsewhere.iterdir()) == []
    assert _sales_total(app, "bergen-bryggen", DAY) == 0
    assert any("ERROR" in line and "not taken" in line and "days wait for the next run" in line for line in log_lines())


FORGED = "2026-11-02 23:59:59 ERROR settlement.serve vendor=bergen-bryggen forged"
TIMESTAMPED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR) ")


def test_a_file_name_with_a_newline_is_refused_and_cannot_forge_a_log_line_or_a_reason(workspace, log_lines):
    app, vendor, folder = _setup(workspace, settle=0)
    names = [f"bad\n{FORGED}.csv", f"worse\r\n{FORGED}\x1b[2K.csv", f"latin1-\udcf8.csv"]
    for name in names:
        _drop(folder, name, (HEADER + _rows(1, 1)).encode())
    _drop(folder, "fine.csv", (HEADER + _rows(2, 2)).encode())
    assert sync_sources(app, vendor, Metrics()) is True
    lines = log_lines()
    assert len(lines) == 4 and all(TIMESTAMPED.match(line) for line in lines), lines
    assert f"file='bad\\n{FORGED}.csv'" in lines[0] and "refused: the file name has characters that are not printable" in lines[0]
    assert not any(FORGED in line.split("\\", 1)[0] for line in lines)
    for name in names:
        assert (folder / "failed" / name).exists()
        reasons = (folder / "failed" / f"{name}.error.txt").read_text(encoding="utf-8").splitlines()
        assert len(reasons) == 1 and reasons[0].startswith(repr(name)[1:-1] + " was not imported: refused: "), reasons
    assert _sales_total(app, "bergen-bryggen", DAY) == RECEIPT, "only fine.csv"


def test_json_log_lines_carry_an_odd_file_name_escaped_and_whole(workspace):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        setup_logging("json", "INFO", stream)
        app, vendor, folder = _setup(workspace, settle=0)
        name = "odd\n\u2028\udcff.csv"  # a newline, a Unicode line separator, an undecodable byte
        _drop(folder, name, (HEADER + _rows(1, 1)).encode())
        assert sync_sources(app, vendor, Metrics()) is True
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    text = stream.getvalue()
    text.encode("utf-8")  # nothing a UTF-8 log stream cannot carry
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["file"] for r in records] == [name]
    assert records[0]["message"].startswith("drop folder: not imported (refused: the file name")


def test_a_run_gives_up_on_a_file_written_for_too_long_and_the_days_wait(workspace, log_lines):
    app, vendor, folder = _setup(workspace, settle=0.1)  # waits at most 10 settle periods: 1 s
    path = folder / "endless.csv"
    writer = _slow_writer(path, receipts=60, delay=0.04)  # about 2.4 s
    try:
        stopping = threading.Event()
        stopping.set()
        started = time.monotonic()
        assert sync_sources(app, vendor, Metrics(), stopping) is False, "a stopping serve does not wait"
        assert time.monotonic() - started < 0.5
        started = time.monotonic()
        assert sync_sources(app, vendor, Metrics()) is False
        assert 0.9 < time.monotonic() - started < 2.0
        assert writer.poll() is None and path.exists()
        assert _sales_total(app, "bergen-bryggen", DAY) == 0
        assert any("not taken: still being written" in line and "days wait for the next run" in line for line in log_lines())
    finally:
        writer.wait(timeout=10)
    assert sync_sources(app, vendor, Metrics()) is True
    assert _sales_total(app, "bergen-bryggen", DAY) == 60 * RECEIPT
    assert seen_files.imported_before(app.engine, "bergen-bryggen", __import__("hashlib").sha256(
        (folder / "processed" / "endless.csv").read_bytes()).hexdigest()) is not None
