"""`status` tells the truth: days changed after posting (also an empty day that got data), and
`status --check` for cron and monitoring (0 all well, 1 a day needs a person, 2 the credential or
the configuration is broken), through the real CLI against the Fiken sandbox."""

from __future__ import annotations

import json

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
CHANGED = "data changed after posting: the next run corrects it"


def _import(ws, name: str, rows: str, vendor: str = "bergen-bryggen") -> None:
    path = ws.write(f"in/{name}.csv", HEADER + rows)
    status, out, err = ws.invoke("import", "sales", str(path), "--vendor", vendor)
    assert status == 0, out + err


def _receipt(rid: str, day: str, amount: str = "125,00", vat: str = "25,00", payment: str = "card") -> str:
    return (f"{rid};{day}T12:00:00;sale;high;3;{amount};{vat}\n"
            f"{rid};{day}T12:00:00;payment;{payment};;{amount};\n")


def _run(ws, day: str) -> str:
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", day)
    assert status in (0, 1), out + err
    return out


def test_a_posted_day_and_an_empty_day_that_got_data_show_as_changed(posting_ws):
    ws = posting_ws
    # 3 November is a day the store is closed (settled empty); data for it arrives later all the same.
    vendors = (ws.path / "vendors.toml").read_text(encoding="utf-8")
    ws.write("vendors.toml", vendors.replace('id = "bergen-bryggen"\n', 'id = "bergen-bryggen"\nclosed_dates = [2026-11-03]\n'))
    _import(ws, "first", _receipt("R1", "2026-11-02"))
    assert "documented" in _run(ws, "2026-11-02")
    assert "empty" in _run(ws, "2026-11-03")
    status, out, err = ws.invoke("status", "--vendor", "bergen-bryggen", "--check")
    assert (status, out) == (0, ""), out + err  # days waiting are not a problem today

    _import(ws, "late", _receipt("R2", "2026-11-02", "50,00", "10,00") + _receipt("R3", "2026-11-03", "100,00", "20,00"))
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen")
    assert status == 0
    assert f"bergen-bryggen 2026-11-02 CHANGED (was documented): {CHANGED}" in out
    assert f"bergen-bryggen 2026-11-03 CHANGED (was empty): {CHANGED}" in out
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen", "--json")
    [row] = json.loads(out)
    assert row["changed"] == [{"date": "2026-11-02", "status": "documented", "reason": CHANGED},
                              {"date": "2026-11-03", "status": "empty", "reason": CHANGED}]
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen", "--check")
    assert status == 1
    assert out.splitlines() == [f"bergen-bryggen 2026-11-02 changed: {CHANGED}",
                                f"bergen-bryggen 2026-11-03 changed: {CHANGED}"]

    # The next run corrects them, and then all is well again.
    _run(ws, "2026-11-02")
    _run(ws, "2026-11-03")
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen", "--check", "--json")
    assert (status, json.loads(out)) == (0, {"ok": True, "exit_code": 0, "problems": []})
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen", "--json")
    assert json.loads(out)[0]["changed"] == []


def test_a_blocked_day_makes_check_exit_1_and_names_it(posting_ws):
    ws = posting_ws
    _import(ws, "bad", _receipt("B1", "2026-11-04", payment="bitcoin"))
    _run(ws, "2026-11-04")
    status, out, _ = ws.invoke("status", "--check")
    assert status == 1
    [line] = out.splitlines()
    assert line.startswith("bergen-bryggen 2026-11-04 blocked: ") and "bitcoin" in line
    status, out, _ = ws.invoke("status", "--check", "--json")
    result = json.loads(out)
    assert status == 1 and result["ok"] is False and result["exit_code"] == 1
    [problem] = result["problems"]
    assert problem["vendor"] == "bergen-bryggen" and problem["date"] == "2026-11-04" and problem["status"] == "blocked"
    # Without --check, status still exits 0 (unchanged for the scripts reading it).
    assert ws.invoke("status")[0] == 0


def test_no_ledger_credential_makes_check_exit_2_without_a_request(workspace):
    status, out, err = workspace.invoke("status", "--check")
    assert status == 2, out + err
    [line] = out.splitlines()
    assert line.startswith("ledger credential: no Fiken credential")
    status, out, _ = workspace.invoke("status", "--check", "--json")
    result = json.loads(out)
    assert status == 2 and result["ok"] is False and result["exit_code"] == 2
    assert result["problems"][0]["status"] == "ledger credential"
    assert workspace.invoke("status")[0] == 0


def test_a_configuration_error_makes_check_exit_2(posting_ws):
    posting_ws.write("vendors.toml", "[[vendors]]\nid = 'x'\n")
    status, _, err = posting_ws.invoke("status", "--check")
    assert status == 2 and "configuration" in err
