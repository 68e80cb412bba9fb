"""Corrections people see coming: an import that changes a posted day names the day that the next
run reverses and reposts (`--dry-run` says the same and stores nothing); with corrections = "hold"
nothing reaches the ledger until `settlement approve`. Through the real CLI and the Fiken sandbox."""

from __future__ import annotations

import json

from tests.fixtures_posting import fiken_posts, ledger_effect, live_keys

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
MONDAY = "2026-11-02"
V1 = f"[settlement:kafe:{MONDAY}:v1]"


def _vendors(extra: str = "") -> str:
    return f"""
[[vendors]]
id = "kafe"
name = "Kafé"
closing_time = "20:00"
enabled_since = {MONDAY}
fiken_company = "demo-as"
{extra}
"""


def _receipt(rid: str, day: str = MONDAY, amount: str = "125,00", vat: str = "25,00") -> str:
    return (f"{rid};{day}T12:00:00;sale;high;3;{amount};{vat}\n"
            f"{rid};{day}T12:00:00;payment;card;;{amount};\n")


def _import(ws, name: str, rows: str, *flags: str) -> tuple[int, str, str]:
    path = ws.write(f"in/{name}.csv", HEADER + rows)
    return ws.invoke("import", "sales", *flags, str(path), "--vendor", "kafe")


def _posted_monday(ws, extra: str = "") -> None:
    ws.write("vendors.toml", _vendors(extra))
    assert _import(ws, "first", _receipt("R1"))[0] == 0
    status, out, err = ws.invoke("catch-up", "--through", MONDAY)
    assert status == 0, out + err


def _assert_corrected(sb) -> None:
    """v1 and its reversal cancel out in the ledger; v2 books 125,00 + 50,00."""
    assert set(ledger_effect(sb, "demo-as", V1, live_only=False).values()) == {0}
    assert ledger_effect(sb, "demo-as", V1.replace(":v1]", ":v2]"))["1580"] == 17500


def _day(ws, day: str = MONDAY) -> dict:
    [row] = json.loads(ws.invoke("status", "--vendor", "kafe", "--json")[1])
    return next(d for d in row["days"] if d["date"] == day)


def test_a_late_import_names_the_day_the_next_run_corrects(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _posted_monday(ws)
    status, out, err = _import(ws, "late", _receipt("R2", amount="50,00", vat="10,00"))
    assert status == 0, out + err
    assert (f"kafe {MONDAY}: posted as {V1}; its data changed: the next run reverses it and posts v2"
            in out), out
    status, out, _ = ws.invoke("run", "--vendor", "kafe", "--date", MONDAY, "--dry-run")
    assert status == 0 and f"kafe {MONDAY}: would correct (reverse {V1}, post v2)" in out, out
    status, out, err = ws.invoke("run", "--vendor", "kafe", "--date", MONDAY)
    assert status == 0, out + err
    _assert_corrected(sb)
    # Importing the same file again changes nothing, and says nothing about corrections.
    status, out, _ = _import(ws, "late", _receipt("R2", amount="50,00", vat="10,00"))
    assert status == 0 and "reverses" not in out


def test_import_dry_run_names_the_correction_and_stores_nothing(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _posted_monday(ws)
    writes = len(fiken_posts(sb))
    status, out, err = _import(ws, "late", _receipt("R2", amount="50,00", vat="10,00"), "--dry-run")
    assert status == 0, out + err
    assert "nothing is stored" in err
    assert f"kafe {MONDAY}: posted as {V1}; its data changed: the next run reverses it and posts v2" in out
    # Nothing stored: the day is unchanged, a run has nothing to do, nothing was sent.
    assert ws.invoke("status", "--vendor", "kafe", "--check")[:2] == (0, "")
    status, out, _ = ws.invoke("run", "--vendor", "kafe", "--date", MONDAY, "--dry-run")
    assert "already settled" in out
    assert ws.invoke("run", "--vendor", "kafe", "--date", MONDAY)[0] == 0
    assert len(fiken_posts(sb)) == writes
    # The flag may also come after the files.
    status, out, _ = ws.invoke("import", "sales", str(ws.path / "in/late.csv"), "--vendor", "kafe", "--dry-run")
    assert status == 0 and "its data changed" in out
    assert ws.invoke("status", "--vendor", "kafe", "--check")[:2] == (0, "")


def test_hold_sends_nothing_until_approve(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _posted_monday(ws, 'corrections = "hold"')
    writes = len(fiken_posts(sb))

    status, out, err = _import(ws, "late", _receipt("R2", amount="50,00", vat="10,00"))
    assert status == 0, out + err
    assert (f'kafe {MONDAY}: posted as {V1}; its data changed: held (corrections = "hold") until '
            f"settlement approve --vendor kafe --date {MONDAY}; then the next run reverses it and posts v2") in out

    status, out, err = ws.invoke("catch-up", "--through", MONDAY)
    assert status == 1, out + err
    assert f"kafe: 1 day(s) held (changed after posting: waits for `settlement approve`): {MONDAY}" in out
    assert ws.invoke("run", "--vendor", "kafe", "--date", MONDAY)[0] == 1
    assert len(fiken_posts(sb)) == writes  # nothing reversed, nothing posted
    assert live_keys(sb) == {f"[settlement:kafe:{MONDAY}:v1]": 1}
    day = _day(ws)
    assert day["status"] == "held" and day["key"] == V1
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--check")
    assert status == 1
    [line] = out.splitlines()
    assert line.startswith(f"kafe {MONDAY} held: data changed after posting") and "settlement approve" in line
    assert f"kafe {MONDAY} HELD: " in ws.invoke("status", "--vendor", "kafe")[1]
    status, out, _ = ws.invoke("run", "--vendor", "kafe", "--date", MONDAY, "--dry-run")
    assert status == 1 and f"kafe {MONDAY}: held:" in out
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", MONDAY)
    assert [line.split()[4] for line in out.splitlines()].count("held") == 1  # once, not once per run

    status, out, err = ws.invoke("approve", "--vendor", "kafe", "--date", MONDAY, "--reason", "sent kvittering R2")
    assert status == 0, out + err
    assert _day(ws)["status"] == "approved"
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", MONDAY)
    approved = [line for line in out.splitlines() if line.split()[4] == "approved"]
    assert len(approved) == 1 and "sent kvittering R2" in approved[0] and f"reverses {V1}" in approved[0]
    assert len(fiken_posts(sb)) == writes  # approving sends nothing either

    status, out, err = ws.invoke("catch-up", "--through", MONDAY)
    assert status == 0, out + err
    _assert_corrected(sb)
    day = _day(ws)
    assert (day["status"], day["version"]) == ("documented", 2)
    assert ws.invoke("status", "--vendor", "kafe", "--check")[:2] == (0, "")


def test_approve_refuses_a_day_that_waits_for_nothing(posting_ws):
    ws = posting_ws
    _posted_monday(ws, 'corrections = "hold"')
    status, _, err = ws.invoke("approve", "--vendor", "kafe", "--date", MONDAY)
    assert status == 1 and "nothing to approve (documented" in err


def test_a_held_day_whose_data_goes_back_is_settled_again(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _posted_monday(ws, 'corrections = "hold"')
    assert _import(ws, "late", _receipt("R1", amount="50,00", vat="10,00"))[0] == 0  # R1 replaced
    assert ws.invoke("catch-up", "--through", MONDAY)[0] == 1
    assert _day(ws)["status"] == "held"
    assert _import(ws, "again", _receipt("R1"))[0] == 0  # the original again
    status, out, err = ws.invoke("catch-up", "--through", MONDAY)
    assert status == 0, out + err
    assert (_day(ws)["status"], _day(ws)["version"]) == ("documented", 1)
    assert live_keys(sb) == {f"[settlement:kafe:{MONDAY}:v1]": 1}
