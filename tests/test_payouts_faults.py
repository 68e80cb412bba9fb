"""Payouts booked exactly once under faults, as days are (tests/test_posting_faults.py): the process
killed at every step of a payout's posting, and the connection dropped after Fiken committed the
entry or stored the attachment. After recovery the payout is in Fiken once, documented once."""

from __future__ import annotations

import signal

import pytest

from settlement.posting.faults import POINTS
from tests.fixtures_posting import ledger_effect
from tests.test_payouts_posting import KEY, PO_1, SLUG, VENDOR, _import, _prepare


def _live(sb) -> list[dict]:
    return [e for e in sb.journal_entries(SLUG) if KEY in (e.get("description") or "") and not e.get("offsetTransactionId")]


def _assert_booked_once(ws, sb, attachments_before: int) -> None:
    assert len(_live(sb)) == 1, "the payout is in Fiken once"
    assert len(sb.attachments(SLUG)) == attachments_before + 1, "its report is attached once"
    effect = ledger_effect(sb, SLUG, KEY)
    assert sum(effect.values()) == 0 and effect["1920:10001"] == 92500 - 2530
    status, out, err = ws.invoke("payouts", "status", "--vendor", VENDOR)
    assert "open 99,00" in out, out
    status, out, err = ws.invoke("payouts", "audit", "--payout", "po_1")
    assert out.splitlines()[-1].split()[5] == "documented", out


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_every_step_then_restarted(posting_ws, point):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    assert _import(ws, PO_1)[0] == 0
    attachments = len(sb.attachments(SLUG))
    ws.extra_env["SETTLEMENT_CRASH_AT"] = point
    killed = ws.run("payouts", "post", "--vendor", VENDOR)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del ws.extra_env["SETTLEMENT_CRASH_AT"]
    restarted = ws.run("payouts", "post", "--vendor", VENDOR)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    _assert_booked_once(ws, sb, attachments)
    status, out, _ = ws.invoke("payouts", "audit", "--payout", "po_1")
    actions = [line.split()[5] for line in out.splitlines()]
    if point == "after_send":
        assert "adopted" in actions and actions.count("sending") == 1
    before = len(sb.requests)
    assert ws.run("payouts", "post", "--vendor", VENDOR).returncode == 0
    assert len(sb.requests) == before, "a third run asks Fiken nothing"


@pytest.mark.parametrize("path", ["generalJournalEntries", "attachments"])
def test_connection_dropped_after_fiken_committed(posting_ws, path):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    assert _import(ws, PO_1)[0] == 0
    attachments = len(sb.attachments(SLUG))
    sb.faults.commit_then_drop(1, method="POST", path_contains=path)
    status, out, err = ws.invoke("payouts", "post", "--vendor", VENDOR)
    assert status == 0, out + err
    _assert_booked_once(ws, sb, attachments)
    status, out, _ = ws.invoke("payouts", "audit", "--payout", "po_1")
    assert "unclear" in out
