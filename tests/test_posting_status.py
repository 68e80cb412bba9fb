"""One vendor standing (settlement.posting.status) behind `status`, `status --json` and /metrics."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from settlement.domain.posting_rules import BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, DayState
from settlement.posting.status import Attention, Correction, vendor_statuses
from settlement.serve.metrics import Metrics
from settlement.store import open_engine
from settlement.store.posting_state import PostingState

NOW = datetime(2026, 11, 9, 12, 0, tzinfo=timezone.utc)  # 2026-11-01 .. 2026-11-08 have closed


def _states(ws) -> PostingState:
    state = PostingState(open_engine(ws.env["SETTLEMENT_DATABASE_URL"]))
    days = [
        DayState("bergen-bryggen", date(2026, 11, 1), status=EMPTY),
        DayState("bergen-bryggen", date(2026, 11, 2), status=DOCUMENTED, version=2, corrections=1,
                 settlement_key="[settlement:bergen-bryggen:2026-11-02:v2]", target="fiken",
                 ref={"transaction_id": 14462737004, "journal_entry_id": 5200002}),
        DayState("bergen-bryggen", date(2026, 11, 3), status=FAILED, attempts=3, reason="Fiken: konto 9999 finnes ikke"),
        DayState("oslo-sentrum", date(2026, 11, 4), status=BLOCKED, reason="line 3: unknown payment 'bitcoin'"),
        DayState("oslo-sentrum", date(2026, 11, 5), status=CORRECTION_FAILED, version=1, corrections=0,
                 target="fiken", ref={"transaction_id": 14462737009}, reason="Fiken refused the reversal"),
    ]
    for day in days:
        state.save(day, "test")
    return state


def test_the_standing_is_typed_and_complete(workspace):
    [bergen, oslo] = vendor_statuses(_states(workspace), [workspace.app().vendor("bergen-bryggen"),
                                                          workspace.app().vendor("oslo-sentrum")], NOW)
    assert bergen.vendor == "bergen-bryggen" and bergen.last_settled == date(2026, 11, 2)
    assert bergen.waiting == tuple(date(2026, 11, d) for d in range(3, 9))
    assert bergen.attention == (Attention(date(2026, 11, 3), FAILED, "Fiken: konto 9999 finnes ikke", 3),)
    assert bergen.corrections == (Correction(date(2026, 11, 2), 2, "[settlement:bergen-bryggen:2026-11-02:v2]", 1),)
    assert [d.business_day.day for d in bergen.days] == [1, 2, 3]
    assert oslo.last_settled is None and len(oslo.waiting) == 8
    assert [a.status for a in oslo.attention] == [BLOCKED, CORRECTION_FAILED]


def test_status_json_and_metrics_show_the_same_standing(workspace):
    ws = workspace
    standings = vendor_statuses(_states(ws), list(ws.app().vendors.values()), NOW)
    text = Metrics().render(standings)
    status, out, err = ws.invoke("status", "--json")
    assert status == 0, out + err
    rows = {row["vendor"]: row for row in json.loads(out)}
    for standing in standings:
        row = rows[standing.vendor]
        assert f'settlement_vendor_days_blocked{{vendor="{standing.vendor}"}} {len(row["blocked"])}' in text
        assert row["last_settled"] == (standing.last_settled.isoformat() if standing.last_settled else None)
    [documented] = [d for d in rows["bergen-bryggen"]["days"] if d["status"] == "documented"]
    assert documented == {
        "date": "2026-11-02", "status": "documented", "key": "[settlement:bergen-bryggen:2026-11-02:v2]",
        "mode": "journal", "target": "fiken", "sale_id": None, "transaction_id": 14462737004,
        "journal_entry_id": 5200002, "attachment": None, "version": 2, "attempts": 0, "reason": None,
    }
