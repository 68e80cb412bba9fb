"""`run`, `catch-up`, `status`, `status --check` and `audit` in bokmål (SETTLEMENT_LANGUAGE=nb):
the reasons a person reads, the states with the web page's words, dates as 20.11.2026; and the same
commands in English as they always were. Through the real CLI against the Fiken sandbox; the days
are in the past, so no clock needs freezing.

A day's reason is written in the language of the run that found it (it is kept with the day), so
the English half runs the day again in English before reading its status.
"""

from __future__ import annotations

import json
import re

from tests.test_posting_status_check import _import, _receipt  # the same receipts, imported the same way


def _in(ws, language: str) -> None:
    ws.extra_env["SETTLEMENT_LANGUAGE"] = language


def test_a_blocked_day_and_its_status_in_bokmal_then_in_english(posting_ws):
    ws = posting_ws
    _in(ws, "nb")
    _import(ws, "good", _receipt("R1", "2026-11-02"))
    _import(ws, "bad", _receipt("B1", "2026-11-04", payment="bitcoin"))

    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    assert out.startswith("bergen-bryggen 02.11.2026: bokført med bilag (nøkkel [settlement:bergen-bryggen:"), out

    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-04")
    assert status == 1, out + err
    [line] = out.splitlines()
    assert line.startswith("bergen-bryggen 04.11.2026: stoppet (betalingskoden 'bitcoin' har ingen tilordning "
                           "(legg den til i mapping.csv); brukt av 1 kvittering: B1"), line

    status, out, err = ws.invoke("status", "--vendor", "bergen-bryggen")
    assert status == 0, out + err
    table = out.splitlines()
    assert table[0].split() == ["butikk", "sist", "gjort", "opp", "venter", "mangler", "stoppet", "holdt",
                                "korrigeringer"]
    vendor, last, *_counts = table[1].split()
    assert (vendor, last) == ("bergen-bryggen", "02.11.2026")
    assert re.search(r"^  bergen-bryggen 02\.11\.2026 Bokført med bilag \[settlement:bergen-bryggen:2026-11-02:v1\]",
                     out, re.M), out
    assert ("  bergen-bryggen 04.11.2026 STOPPET: betalingskoden 'bitcoin' har ingen tilordning (legg den til i "
            "mapping.csv); brukt av 1 kvittering: B1 (kolonne 'code', verdi 'bitcoin')") in table, out
    assert "2026-11-04" not in out and "blocked" not in out.lower()

    status, out, err = ws.invoke("status", "--check")
    assert status == 1, out + err
    [line] = out.splitlines()
    assert line.startswith("bergen-bryggen 04.11.2026 stoppet: betalingskoden 'bitcoin' har ingen tilordning"), line

    # --json keeps its keys, states and ISO dates (only the reason is in the run's language).
    status, out, _ = ws.invoke("status", "--check", "--json")
    [problem] = json.loads(out)["problems"]
    assert (problem["date"], problem["status"]) == ("2026-11-04", "blocked")
    assert problem["reason"].startswith("betalingskoden 'bitcoin'")

    # The audit log: times in the vendor's zone with its offset, dates as 04.11.2026.
    status, out, _ = ws.invoke("audit", "--vendor", "bergen-bryggen", "--date", "2026-11-04")
    assert status == 0
    [row] = out.splitlines()
    assert re.match(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d \+0[12]:00 bergen-bryggen 04\.11\.2026 blocked ", row), row

    # The same in English: the run finds the day blocked again and says why in English.
    _in(ws, "en")
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-04")
    assert status == 1, out + err
    assert out.startswith("bergen-bryggen 2026-11-04: blocked (payment code 'bitcoin' has no mapping "
                          "(add it to mapping.csv); used by 1 receipt(s): B1"), out
    status, out, err = ws.invoke("status", "--vendor", "bergen-bryggen")
    assert status == 0, out + err
    table = out.splitlines()
    assert table[0].split() == ["vendor", "last", "settled", "waiting", "missing", "blocked", "held", "corrections"]
    assert table[1].split()[:2] == ["bergen-bryggen", "2026-11-02"]
    assert re.search(r"^  bergen-bryggen 2026-11-02 documented \[settlement:bergen-bryggen:2026-11-02:v1\]", out, re.M)
    assert any(line.startswith("  bergen-bryggen 2026-11-04 BLOCKED: payment code 'bitcoin' has no mapping (add it "
                               "to mapping.csv); used by 1 receipt(s): B1") for line in table), out
    status, out, _ = ws.invoke("status", "--check")
    assert status == 1
    assert out.splitlines()[0].startswith("bergen-bryggen 2026-11-04 blocked: payment code 'bitcoin' has no mapping")
    status, out, _ = ws.invoke("audit", "--vendor", "bergen-bryggen", "--date", "2026-11-04")
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d bergen-bryggen 2026-11-04 blocked ", out), out


def _kafe(ws) -> None:
    ws.write("vendors.toml", """
[[vendors]]
id = "kafe"
name = "Kafé"
closing_time = "20:00"
enabled_since = 2026-11-02
fiken_company = "demo-as"
""")
    _import(ws, "kafe", _receipt("M1", "2026-11-02") + _receipt("W1", "2026-11-04"), vendor="kafe")


def test_a_missing_day_in_run_catch_up_status_and_check_in_bokmal(posting_ws):
    ws = posting_ws
    _in(ws, "nb")
    _kafe(ws)

    status, out, err = ws.invoke("run", "--vendor", "kafe", "--date", "2026-11-03", "--dry-run")
    assert status == 1, out + err
    assert out.splitlines() == ["kafe 03.11.2026: mangler: ingen data for en dag butikken har åpent"]

    status, out, err = ws.invoke("catch-up", "--through", "2026-11-04")
    assert status == 1, out + err  # a day needs a person
    lines = out.splitlines()
    assert ("kafe: 1 dag mangler (ingen data for en dag butikken har åpent: importer den eller "
            "`settlement day close`): 03.11.2026") in lines, out
    assert lines[-1] == ("catch-up ferdig: 3 dager kontrollert, 2 bokført eller bokført med bilag, 0 butikker stoppet, "
                         "1 dag mangler eller er holdt tilbake"), out

    status, out, err = ws.invoke("status", "--vendor", "kafe", "--check")
    assert status == 1, out + err
    [line] = out.splitlines()
    assert line.startswith("kafe 03.11.2026 mangler: ingen salgsdata for 03.11.2026, en dag kafe har åpent "
                           "(open_days, closed_dates, holidays): importer dagens eksport, eller hvis butikken var "
                           "stengt: settlement day close --vendor kafe --date 2026-11-03 --reason"), line

    status, out, err = ws.invoke("status", "--vendor", "kafe")
    assert status == 0, out + err
    assert "  kafe MANGLER 1 dag: 03.11.2026" in out.splitlines(), out
    assert any(line.startswith("  kafe 03.11.2026 MANGLER: ingen salgsdata for 03.11.2026") for line in out.splitlines())

    # `day close` in bokmål; the day is then settled empty, and --check is all well.
    status, out, err = ws.invoke("day", "close", "--vendor", "kafe", "--date", "2026-11-03", "--reason", "varetelling")
    assert status == 0, out + err
    assert out.startswith("kafe 03.11.2026: gjort opp som tom dag (stengt av "), out
    assert out.rstrip().endswith(": varetelling)"), out
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--check")
    assert (status, out) == (0, "")

    # The same `status --check` of a missing day in English says it as it always has.
    _in(ws, "en")
    _import(ws, "kafe-late", _receipt("F1", "2026-11-06"), vendor="kafe")
    status, out, err = ws.invoke("catch-up", "--through", "2026-11-06")
    assert status == 1, out + err
    assert "kafe: 1 day(s) missing (no data for a day it is open: import it or `settlement day close`): 2026-11-05" in out
    status, out, _ = ws.invoke("status", "--vendor", "kafe", "--check")
    assert status == 1
    assert out.splitlines()[0].startswith("kafe 2026-11-05 missing: no sales data for 2026-11-05"), out


def test_payouts_status_text_in_bokmal_and_english():
    from datetime import date

    from settlement import i18n
    from settlement.domain import text
    from settlement.domain.payout_matching import NO_SALE, NOT_PAID_OUT, OpenItem
    from settlement.report.payouts_status import ClearingStatus, to_text

    status = ClearingStatus("bergen-bryggen", "stripe", "acct_bergen", "payment_stripe", "1583", sales=9900,
                            payouts=1, open_items=[OpenItem(NOT_PAID_OUT, 9900, date(2026, 11, 3), "R4"),
                                                   OpenItem(NO_SALE, -1234, date(2026, 11, 3), "txn_x", "po_1")],
                            waiting=[("po_2", "2026-11-20", "the bank date has not come")])
    english = to_text([status]).splitlines()
    assert english[1] == ("  opening 0,00  sales booked 99,00  paid out 0,00  fees 0,00  open 99,00  "
                          "(1 payout(s) booked)")
    assert english[2:5] == ["  oldest unpaid day: 2026-11-03", "  open 2026-11-03 R4: 99,00 — sale not paid out (yet)",
                            "  open 2026-11-03 txn_x payout po_1: -12,34 — capture with no sale (booked outside this "
                            "product?)"]
    assert english[5] == "  waiting payout po_2 (2026-11-20): the bank date has not come"
    text.install(i18n.load("nb"))
    try:
        bokmal = to_text([status]).splitlines()
    finally:
        text.install(text.ENGLISH)
    assert bokmal[1] == ("  inngående 0,00  salg bokført 99,00  utbetalt 0,00  gebyrer 0,00  åpent 99,00  "
                         "(1 utbetaling bokført)")
    assert bokmal[2:5] == ["  eldste dag som ikke er utbetalt: 03.11.2026",
                           "  åpen 03.11.2026 R4: 99,00 — salget er ikke utbetalt (ennå)",
                           "  åpen 03.11.2026 txn_x utbetaling po_1: -12,34 — innbetaling uten salg (bokført utenfor "
                           "dette produktet?)"]
    assert bokmal[5].startswith("  venter: utbetaling po_2 (20.11.2026): ")


def test_a_dry_run_in_bokmal_says_what_it_would_post(posting_ws):
    ws = posting_ws
    _in(ws, "nb")
    _import(ws, "good", _receipt("R1", "2026-11-02", "1 250,00", "250,00"))
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--dry-run")
    assert status == 0, out + err
    assert out.splitlines() == ["bergen-bryggen 02.11.2026: ville bokført 1 250,00 kr debet/kredit på 2 linjer"]
    _in(ws, "en")
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--dry-run")
    assert out.splitlines() == ["bergen-bryggen 2026-11-02: would post 1250.00 NOK debit/credit in 2 lines"], out + err
