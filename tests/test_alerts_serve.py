"""Alerts from `settlement serve` as a real process: its start-up run announces a blocked day once
through the webhook and e-mail; a restart (or a second replica) finds it told and sends nothing."""

from __future__ import annotations

from tests.test_alerts import HEADER, _vendors, alerting  # noqa: F401 - the fixture
from tests.test_serve import Serve, _last_closed

DAY = _last_closed("20:00")  # bergen-bryggen's last closed day, so serve has exactly one day to settle


def test_a_serve_run_alerts_once_and_a_restart_does_not_repeat_it(alerting):
    ws = alerting
    ws.write("vendors.toml", _vendors(ws.receiver.url, ws.smtp.port).replace(
        "enabled_since = 2026-11-04", f"enabled_since = {DAY.isoformat()}"))
    day = DAY.isoformat()
    path = ws.write("in/day.csv", HEADER + f"B1;{day}T12:00:00;sale;high;3;125,00;25,00\n"
                                           f"B1;{day}T12:00:00;payment;bitcoin;;125,00;\n")
    assert ws.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")[0] == 0

    for round_ in (1, 2):
        serve = Serve(ws, max_seconds=60)
        try:
            serve.wait_for(r"run done: 1 day\(s\) checked; stopped at .* \(blocked\)")
            serve.wait_for(r"alert blocked\|bergen-bryggen\|" + day + " sent through email" if round_ == 1
                           else r"run done")
        finally:
            assert serve.stop() == 0, serve.log
        assert [b["settlement"]["condition"] for b in ws.receiver.bodies] == ["blocked"], serve.log
        assert len(ws.smtp.mails) == 1
