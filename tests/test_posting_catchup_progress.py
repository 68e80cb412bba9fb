"""catch-up's progress bar: on a terminal it counts the vendor-days on one line; elsewhere (cron,
a log file) it prints nothing. Run under a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from tests.test_posting_catchup import _receipt, _setup


def _run_on_a_terminal(ws, *args: str) -> tuple[int, str]:
    """`settlement ARGS` with stderr (and stdout) on a pseudo-terminal; what it wrote there."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "settlement", *args], cwd=ws.path, env=ws.env,
                            stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_the_bar_is_drawn_on_a_terminal_and_absent_elsewhere(posting_ws):
    ws = posting_ws
    _setup(ws, _receipt("N2", "2026-11-02"), _receipt("S2", "2026-11-02"))
    status, shown = _run_on_a_terminal(ws, "catch-up", "--through", "2026-11-02")
    assert status == 0, shown
    assert "\r[" in shown and "2/2" in shown and "catch-up done: 2 day(s) checked" in shown
    piped = ws.run("catch-up", "--through", "2026-11-02")
    assert piped.returncode == 0 and "[" not in piped.stderr and "catch-up done" in piped.stdout
