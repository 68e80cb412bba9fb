"""Posting a day to the Fiken sandbox: the ledger effect, documentation, and idempotent re-runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures_posting import fiken_posts, ledger_effect

GOLDEN = Path(__file__).parent / "golden" / "voucher"
KEY = "[settlement:bergen-bryggen:2026-11-02:v1]"


def _import(ws, name: str, vendor: str = "bergen-bryggen"):
    status, out, err = ws.invoke("import", "sales", str(GOLDEN / name), "--vendor", vendor)
    assert status == 0, out + err


def _post_then_add_late_receipt(ws, payment: str = "card") -> None:
    """Settle 2026-11-02 from normal_day.csv, then import a late 50,00 receipt paid with `payment`."""
    _import(ws, "normal_day.csv")
    ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    late = ws.write("in/late.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "LATE-9;2026-11-02T21:00:00;sale;high;3;50,00;10,00\n"
                    f"LATE-9;2026-11-02T21:00:00;payment;{payment};;50,00;\n")
    status, out, err = ws.invoke("import", "sales", str(late), "--vendor", "bergen-bryggen")
    assert status == 0, out + err


def test_run_posts_one_balanced_entry_and_attaches_the_report(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _import(ws, "normal_day.csv")
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    assert "documented" in out
    effect = ledger_effect(sb, "demo-as", KEY)
    # The settlement account nets to zero; revenue is net, Fiken's output VAT is on 2701.
    assert effect.get("1901", 0) == 0
    assert effect["3000"] == -(24489 - 4898) and effect["3030"] == -(28750 - 3750)
    assert effect["2701"] == -(4898 + 3750)
    assert effect["1580"] == 18250 and effect["1581"] == 9990 and effect["1900"] == 24999
    assert sum(effect.values()) == 0
    attachments = sb.attachments("demo-as")
    assert len(attachments) == 1 and attachments[0][2].endswith(".pdf") and attachments[0][3].startswith(b"%PDF")
    writes = fiken_posts(sb)
    assert [r.path.rsplit("/", 1)[-1] for r in writes] == ["generalJournalEntries", "attachments"]
    # The entry, the transaction read back (the journal entry's id and number), the company (once per
    # process, for the report), the attachment.
    assert len(sb.requests) == 4
    assert (ws.path / "data" / "reports" / "bergen-bryggen").is_dir()


def test_second_run_sends_nothing(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _import(ws, "normal_day.csv")
    ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    before = len(sb.requests)
    status, out, _ = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0 and "already settled" in out
    assert len(sb.requests) == before


def test_changed_day_is_reversed_and_reposted_as_v2(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _post_then_add_late_receipt(ws)
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    v2 = KEY.replace(":v1]", ":v2]")
    v1 = ledger_effect(sb, "demo-as", KEY, live_only=False)
    assert v1 and set(v1.values()) == {0}, "v1 and its reversal cancel out on every account"
    effect = ledger_effect(sb, "demo-as", v2)
    assert effect["1580"] == 18250 + 5000 and effect.get("1901", 0) == 0
    reversals = [r for r in fiken_posts(sb) if r.method == "PATCH"]
    assert len(reversals) == 1 and "Korrigering" in reversals[0].query["description"]
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen", "--json")
    row = json.loads(out)[0]
    assert row["corrections"] == [{"date": "2026-11-02", "version": 2, "key": v2, "count": 1}]
    status, out, _ = ws.invoke("audit", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    actions = [line.split()[4] for line in out.splitlines()]
    assert actions == ["sending", "sent", "posted", "documented", "reversed", "sending", "sent", "posted", "documented"]


def test_preview_fiken_prints_the_bodies_that_run_sends(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _import(ws, "rounding.csv")
    status, out, _ = ws.invoke("preview", "--vendor", "bergen-bryggen", "--date", "2026-11-05", "--fiken")
    assert status == 0
    requests = json.loads(out)
    ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-05")
    posted = [r for r in sb.requests if r.path.endswith("generalJournalEntries")]
    assert [posted[0].body] == [r["body"] for r in requests]
    lines = requests[0]["body"]["journalEntries"][0]["lines"]
    # Source VAT 19,90 on food, Fiken computes 19,89 on the net: 1 øre moves to rounding with the
    # data's own +0,10: one line of 0,11 to 7740.
    assert {"amount": 11, "debitAccount": "1901", "creditAccount": "7740"} in lines


def test_a_refused_reversal_leaves_the_posted_day_alone_until_it_succeeds(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _post_then_add_late_receipt(ws)
    sb.faults.error_rate(1.0, statuses=(400,))  # e.g. the period is locked in Fiken
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    sb.faults.clear()
    assert status == 1 and "correction-failed" in out and "did not reverse" in out
    assert not [r for r in fiken_posts(sb) if r.status == 201 and r.path.endswith("generalJournalEntries")][1:]
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen")
    assert "2026-11-02 CORRECTION-FAILED: the data changed after posting" in out
    assert ledger_effect(sb, "demo-as", KEY)["1580"] == 18250, "v1 is still booked as it was"
    status, out, _ = ws.invoke("catch-up", "--vendor", "bergen-bryggen", "--dry-run", "--through", "2026-11-02")
    assert f"2026-11-02: would correct (reverse {KEY}, post v2)" in out

    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    assert set(ledger_effect(sb, "demo-as", KEY, live_only=False).values()) == {0}, "v1 and its reversal cancel out"
    assert ledger_effect(sb, "demo-as", KEY.replace(":v1]", ":v2]"))["1580"] == 18250 + 5000


def test_a_posted_day_whose_new_data_is_blocked_keeps_its_posting(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _post_then_add_late_receipt(ws, payment="bitcoin")
    status, out, _ = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 1 and "blocked" in out and "bitcoin" in out
    assert ledger_effect(sb, "demo-as", KEY)["1580"] == 18250
    with (ws.chart / "mapping.csv").open("a", encoding="utf-8") as mapping:
        mapping.write("payment;bitcoin;payment_card\n")
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    # Once the data is valid the posted version is corrected, not left standing beside a new one.
    assert set(ledger_effect(sb, "demo-as", KEY, live_only=False).values()) == {0}, "v1 and its reversal cancel out"
    assert ledger_effect(sb, "demo-as", KEY.replace(":v1]", ":v2]"))["1580"] == 18250 + 5000


def test_a_refused_posting_is_failed_with_fikens_reason_and_counted_attempts(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    ws.write("chart_of_accounts/vendors/bergen-bryggen.csv", "key;account;name\npayment_card;1598;Kort uten konto i Fiken\n")
    _import(ws, "normal_day.csv")
    for attempt in (1, 2):
        status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
        assert status == 1 and "failed" in out and "Fiken refused the posting" in out and "1598" in out
    status, out, _ = ws.invoke("status", "--vendor", "bergen-bryggen")
    assert "2026-11-02 FAILED (after 2 attempt(s)): Fiken refused the posting" in out
    assert not [e for e in sb.journal_entries("demo-as") if KEY in (e.get("description") or "")]


def test_preview_of_a_correction_failed_day_shows_the_version_the_run_posts(posting_ws):
    """Regression: for a `correction-failed` day `preview --ledger` showed v1 while the run posts v2."""
    ws, sb = posting_ws, posting_ws.sandbox
    _post_then_add_late_receipt(ws)
    sb.faults.error_rate(1.0, statuses=(503,))  # Fiken down: the reversal cannot be made
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    sb.faults.clear()
    assert status == 1 and "correction-failed" in out, out + err
    status, out, err = ws.invoke("preview", "--vendor", "bergen-bryggen", "--date", "2026-11-02", "--ledger")
    assert status == 0, err
    previewed = json.loads(out)
    assert "[settlement:bergen-bryggen:2026-11-02:v2]" in previewed[0]["body"]["description"]
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    sent = [r.body for r in fiken_posts(sb) if r.path.endswith("generalJournalEntries")]
    assert sent[-1] == previewed[0]["body"], "the run sends exactly what the preview showed"
