"""`settlement serve` against the Fiken sandbox with a drop folder an adversary would fill: a file
written slowly by another process, a symbolic link to a file outside, a name with a newline.
Nothing partial is imported or posted, nothing of the outside file is read, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from tests.test_dropfolder import WRITER
from tests.test_serve import DAY1, key, receipts_csv, serve_ws  # noqa: F401  (serve_ws: the fixture)

RECEIPTS = 40


def test_serve_posts_a_slowly_written_file_whole_and_refuses_a_link_out_of_the_folder(serve_ws):
    ws, sb = serve_ws, serve_ws.sandbox
    drop = ws.path / "drop" / "bergen"
    drop.mkdir(parents=True)
    outside = ws.write("elsewhere/other-shop.csv", receipts_csv(DAY1, receipts=7, prefix="X") + "root:x:0:0:root:/root:/bin/bash\n")
    (drop / "other-shop.csv").symlink_to(outside)
    forged = f"{time.strftime('%Y-%m-%d %H:%M:%S')} INFO settlement.serve vendor=bergen-bryggen forged"
    ws.write(f"drop/bergen/x\n{forged}.csv", receipts_csv(DAY1, receipts=1, prefix="N"))
    # The writer: the receipts of DAY1, one every 0.1 s (about 4 s), in a process of its own.
    slow = drop / "slow.csv"
    rows = WRITER.replace("2026-11-02", DAY1.isoformat())
    writer = subprocess.Popen([sys.executable, "-c", rows, str(slow), "1", str(RECEIPTS), "0.1", "1"])
    try:
        serve = ws.start(env={"SETTLEMENT_DROP_SETTLE_SECONDS": "1"})
        serve.wait_for(r"vendor=bergen-bryggen run done: 3 day\(s\) checked", timeout=90)
        assert writer.poll() == 0, "the run waited for the writer to finish"
    finally:
        writer.wait(timeout=30)
    assert serve.stop() == 0
    log = serve.log

    entries = [e for e in sb.journal_entries("demo-as") if key("bergen-bryggen", DAY1) in (e.get("description") or "")]
    assert len(entries) == 1
    card = sum(line["amount"] for line in entries[0]["lines"] if line["account"] == "1580")
    assert card == RECEIPTS * 12500, "every receipt of the slow file, nothing of the outside file"
    assert len(sb.attachments("demo-as")) == 1
    assert (drop / "processed" / "slow.csv").exists()
    assert (drop / "failed" / "other-shop.csv").is_symlink()
    reasons = (drop / "failed" / "other-shop.csv.error.txt").read_text(encoding="utf-8")
    assert "symbolic link" in reasons and "root:" not in reasons and "X-1" not in reasons
    assert "root:" not in log and "X-1" not in log
    assert "Traceback" not in log
    assert re.search(r"file=slow\.csv drop folder: waiting: still being written", log)
    assert not any(line.startswith(forged) for line in log.splitlines())
    assert "file='x\\n" in log
