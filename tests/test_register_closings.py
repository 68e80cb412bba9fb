"""A day the registers themselves say had no sales (a SAF-T Z report of zero, no transactions) is
settled empty with that reason; a day where any listed register said nothing stays missing (issue
18: "settled as empty when the source itself says so"). Through the real CLI against the Fiken
sandbox, with SAF-T files from tests/saft_builder.py."""

from __future__ import annotations

import json
from datetime import date

from settlement.domain.closings import RegisterClosing, confirmed_empty
from settlement.domain.vendors import SaftRegister
from tests.fixtures_posting import live_keys
from tests.test_expected_days import _vendors
from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction, ZReport, z_report_for

# The café of tests/test_expected_days.py, with its two registers listed.
VENDORS = _vendors('saft_registers = [{register = "K1"}, {register = "K2"}]')


def _zero(report_id: str, day: str) -> ZReport:
    return ZReport(report_id, day, "20:05:00", 0, {}, {})


def _sale(trans_id: str, day: str, amount: int = 15000) -> Transaction:
    return Transaction(trans_id, day, "12:00:00", [Line(amount, "200", "3")], [Payment("CARD", amount)])


def _import(ws, name: str, k1: Register, k2: Register | None = None) -> str:
    path = ws.path / "in" / name
    path.parent.mkdir(exist_ok=True)
    SaftFile([Location("Kafé", [k1] + ([k2] if k2 else []))]).write(path)
    status, out, err = ws.invoke("import", "saft", str(path))
    assert status == 0, out + err
    return out


def _days(ws) -> dict[str, tuple[str, str]]:
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--json")
    [row] = json.loads(out)
    return {d["date"]: (d["status"], d["reason"]) for d in row["days"]}


def _empty_reason(ws, day: str) -> str:
    _, out, _ = ws.invoke("audit", "--vendor", "kafe", "--date", day)
    [line] = [line for line in out.splitlines() if " empty " in line]
    return line.split(" empty ", 1)[1].strip()


def test_zero_z_reports_of_every_register_settle_the_day_empty_and_a_silent_register_leaves_it_missing(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    ws.write("vendors.toml", VENDORS)
    monday = [_sale("1", "2026-11-02")]
    k1 = Register("K1", monday, [z_report_for("Z1", "2026-11-02", monday), _zero("Z2", "2026-11-03"),
                                 _zero("Z3", "2026-11-04"), ZReport("Z4", "2026-11-05", "20:05:00", 15000, {"CARD": 15000}, {})])
    k2 = Register("K2", [], [_zero("Z11", "2026-11-02"), _zero("Z12", "2026-11-03"), _zero("Z14", "2026-11-05")])
    _import(ws, "kafe-uke45.xml", k1, k2)

    status, out, err = ws.invoke("run", "--vendor", "kafe", "--date", "2026-11-03", "--dry-run")
    assert status == 0, out + err
    assert out.strip() == ("kafe 2026-11-03: would record as empty (no sales: the Z reports of register K1 (Z Z2) "
                           "and register K2 (Z Z12) show no sales)")

    status, out, err = ws.invoke("catch-up", "--through", "2026-11-05")
    assert status == 1, out + err  # 11-04 and 11-05 need a person
    days = _days(ws)
    assert {d: s for d, (s, _) in days.items()} == {
        "2026-11-02": "documented", "2026-11-03": "empty", "2026-11-04": "missing", "2026-11-05": "missing"}
    assert _empty_reason(ws, "2026-11-03") == ("no sales (the Z reports of register K1 (Z Z2) and register K2 (Z Z12) "
                                               "show no sales): nothing to post")
    assert list(live_keys(sb)) == ["[settlement:kafe:2026-11-02:v1]"]  # nothing sent for an empty day

    # K2's export of 11-04 arrives in a file of its own, with its zero Z report: now both say so.
    _import(ws, "kafe-k2-1104.xml", Register("K2", [], [_zero("Z13", "2026-11-04")]))
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-05")
    assert status == 1, out + err  # 11-05 is still missing: its Z report says 150,00 were sold
    days = _days(ws)
    assert days["2026-11-04"][0] == "empty" and days["2026-11-05"][0] == "missing"
    assert _empty_reason(ws, "2026-11-04") == ("no sales (the Z reports of register K1 (Z Z3) and register K2 (Z Z13) "
                                               "show no sales): nothing to post")

    # A corrected export of K1 with a sale on 11-03 replaces its zero Z report: the day is posted.
    tuesday = [_sale("2", "2026-11-03", 9900)]
    _import(ws, "kafe-k1-1103.xml", Register("K1", tuesday, [z_report_for("Z2", "2026-11-03", tuesday)]))
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 0, out + err
    assert _days(ws)["2026-11-03"][0] == "documented"
    assert live_keys(sb)["[settlement:kafe:2026-11-03:v1]"] == 1


def test_the_rule_itself():
    zero_k1 = RegisterClosing(date(2026, 11, 3), "999999999", "K1", ("Z2",), True)
    zero_k2 = RegisterClosing(date(2026, 11, 3), "999999999", "K2", ("Z12", "Z13"), True)
    sold_k2 = RegisterClosing(date(2026, 11, 3), "999999999", "K2", ("Z12",), False)
    both = (SaftRegister("K1"), SaftRegister("K2"))
    assert confirmed_empty([zero_k1]) == "the Z report of register K1 (Z Z2) shows no sales"
    assert confirmed_empty([zero_k1, zero_k2], both) == (
        "the Z reports of register K1 (Z Z2) and register K2 (Z Z12+Z13) show no sales")
    assert confirmed_empty([zero_k1], both) is None  # K2 said nothing
    assert confirmed_empty([zero_k1, sold_k2], both) is None
    assert confirmed_empty([]) is None
    # A listed register of another company is not covered by this company's report.
    assert confirmed_empty([zero_k1], (SaftRegister("K1", company="888888888"),)) is None
    # An entry without a register id (every register of a location) is covered by any of them.
    assert confirmed_empty([zero_k1], (SaftRegister("", company="999999999", location="Butikk A"),)) is not None
