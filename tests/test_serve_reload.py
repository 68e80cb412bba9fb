"""Reloading a running `settlement serve`: SIGHUP, `settlement reload` (pid file) and POST /reload;
an invalid change is refused and the running configuration stays; changed closing times are
rescheduled; a serve started with a broken configuration is alive but not ready until fixed."""

from __future__ import annotations

import json
import os
import re
import signal

from tests.test_serve import START, Serve, metric, serve_ws, vendors_toml  # noqa: F401 (serve_ws is a fixture)

TRONDHEIM = f"""
[[vendors]]
id = "trondheim"
name = "Trondheim Torg"
closing_time = "21:00"
enabled_since = {START.isoformat()}
fiken_company = "demo-as"
"""


def test_invalid_change_is_refused_and_a_valid_one_reschedules(serve_ws):
    ws = serve_ws
    serve = ws.start()
    serve.wait_for(r"vendor=bergen-bryggen run done")
    pid = int((ws.path / "data/settlement-serve.pid").read_text())
    assert pid == serve.proc.pid

    # `settlement reload` checks first: an invalid file is refused without disturbing serve.
    ws.write("vendors.toml", vendors_toml(bergen_closing="25:00"))
    result = ws.run("reload")
    assert result.returncode == 2
    assert "vendors.toml" in result.stderr and "closing_time" in result.stderr and "25:00" in result.stderr
    assert "nothing reloaded" in result.stderr
    assert "reload refused" not in serve.log

    # A SIGHUP with the invalid file: serve refuses too, logs why, keeps working and stays ready.
    os.kill(serve.proc.pid, signal.SIGHUP)
    serve.wait_for(r"reload refused: the running configuration stays \(1 error\(s\)\)")
    assert re.search(r"ERROR settlement\.serve configuration: .*vendors\.toml:\d+.*closing_time", serve.log)
    code, body = serve.http("/readyz")
    assert code == 200 and json.loads(body)["last_reload"].startswith("refused")
    _, text = serve.http("/metrics")
    assert metric(text, "settlement_reloads_total", outcome="refused") == 1
    # bergen-bryggen is closed on its first and last day; the one between has no data: missing, waiting.
    assert metric(text, "settlement_vendor_days_waiting", vendor="bergen-bryggen") == 1

    # A valid change through `settlement reload`: bergen closes later, trondheim is new.
    ws.write("vendors.toml", vendors_toml(bergen_closing="21:15", extra=TRONDHEIM))
    result = ws.run("reload")
    assert result.returncode == 0, result.stderr
    assert f"asked serve (pid {pid}) to reload" in result.stdout
    serve.wait_for(r"schedule: bergen-bryggen: rescheduled from daily at 20:00 Europe/Oslo to daily at 21:15 Europe/Oslo")
    serve.wait_for(r"schedule: trondheim: scheduled daily at 21:00 Europe/Oslo, first run now")
    serve.wait_for(r"vendor=trondheim run done: 3 day\(s\) checked")
    assert "schedule: oslo-sentrum" not in serve.log.split("reloaded")[-1], "unchanged vendors keep their jobs"
    _, text = serve.http("/metrics")
    assert metric(text, "settlement_reloads_total", outcome="applied") == 2  # start + this reload
    assert metric(text, "settlement_vendor_days_waiting", vendor="trondheim") == 3  # open, no data: missing

    # POST /reload on loopback answers with the result.
    code, body = serve.http("/reload", method="POST")
    assert code == 200 and json.loads(body)["applied"] is True
    ws.write("vendors.toml", "[[vendors]]\nid = 'x'\n")
    code, body = serve.http("/reload", method="POST")
    assert code == 422 and json.loads(body)["applied"] is False
    assert serve.stop() == 0


def test_reload_without_a_serve_on_this_host_asks_through_the_database_and_says_so(workspace):
    result = workspace.run("reload")
    assert result.returncode == 0, result.stderr
    assert "asked every serve sharing the database to reload it (request 1)" in result.stdout
    assert "none on this host to signal" in result.stdout and "no pid file" in result.stdout
    (workspace.path / "data/settlement-serve.pid").write_text("999999\n")
    result = workspace.run("reload")
    assert result.returncode == 0 and "(request 2)" in result.stdout and "stale pid file" in result.stdout


def test_reload_reaches_every_serve_on_the_database_whatever_its_pid_file(serve_ws):
    """Two replicas (each its own pid file, as on two hosts): one `settlement reload` reloads both."""
    ws = serve_ws
    first = ws.start(env={"SETTLEMENT_SERVE_PID_FILE": str(ws.path / "data/a.pid")})
    second = ws.start(env={"SETTLEMENT_SERVE_PID_FILE": str(ws.path / "data/b.pid")})
    for serve in (first, second):
        serve.wait_for(r"serving \(pid file")
    ws.write("vendors.toml", vendors_toml(extra=TRONDHEIM))
    result = ws.run("reload")
    assert result.returncode == 0 and "(request 1)" in result.stdout, result.stdout + result.stderr
    for serve in (first, second):
        serve.wait_for(r"reload asked through the database \(request 1\)")
        serve.wait_for(r"schedule: trondheim: scheduled daily at 21:00 Europe/Oslo")
    for serve in (first, second):
        assert serve.stop() == 0


def test_broken_configuration_at_start_is_alive_but_not_ready_until_fixed(serve_ws):
    ws = serve_ws
    ws.write("vendors.toml", vendors_toml().replace('fiken_company = "demo-as"\ndrop_folder', 'drop_folder'))
    serve = ws.start()
    serve.wait_for(r"configuration has errors; not settling anything")
    assert serve.http("/healthz") == (200, "ok\n")
    code, body = serve.http("/readyz")
    reasons = json.loads(body)["reasons"]
    assert code == 503 and any("missing required key 'fiken_company'" in r and "vendors.toml" in r for r in reasons)
    assert "run done" not in serve.log

    ws.write("vendors.toml", vendors_toml())
    os.kill(serve.proc.pid, signal.SIGHUP)
    serve.wait_for(r"vendor=bergen-bryggen run done")
    code, body = serve.http("/readyz")
    assert code == 200, body
    assert serve.stop() == 0


def test_max_seconds_stops_serve_by_itself(serve_ws):
    serve = serve_ws.start(max_seconds=3)
    assert serve.proc.wait(timeout=60) == 0
    assert "--max-seconds reached" in serve.log and serve.log.rstrip().endswith("stopped")


def test_unreachable_database_at_start_is_alive_but_not_ready(workspace):
    blocker = workspace.write("not-a-folder", "a file where the database folder should be")
    serve = Serve(workspace, env={"SETTLEMENT_DATABASE_URL": f"sqlite:///{blocker}/settlement.db"}, max_seconds=30)
    try:
        serve.wait_for(r"ERROR settlement\.serve configuration not loaded: ")
        assert serve.http("/healthz") == (200, "ok\n")
        code, body = serve.http("/readyz")
        assert code == 503 and any(r.startswith("database: ") for r in json.loads(body)["reasons"]), body
        assert serve.stop() == 0
    finally:
        serve.kill()
