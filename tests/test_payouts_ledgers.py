"""The payout voucher in every ledger, through its sandbox and the real CLI (the contract suite's
workspace, tests/test_ledger_contract.py): killed after the ledger took the voucher, the restart
finds it by its key and adopts it, so the payout is booked once, balanced, its bank line Σ net and
its report attached; the report changed, v1 is reversed and v2 posted."""

from __future__ import annotations

import signal

from tests.test_ledger_contract import contract_ws  # noqa: F401  (the fixture, over the three ledgers)
from tests.test_payouts_posting import PO_1
from tests.test_payouts_support import Row, sales_csv, stripe_csv

VENDOR = "bergen-bryggen"
KEY = "[settlement:payout:stripe:po_1:v1]"
PAYOUTS = 'payouts = [{ provider = "stripe", account = "acct_bergen", payment = "payment_stripe" }]'


def _bank(effect: dict[str, int]) -> int:
    return sum(amount for account, amount in effect.items() if account.split(":")[0] == "1920")


def test_a_payout_is_booked_once_in_every_ledger_and_corrected_as_v2(contract_ws):  # noqa: F811
    ws, view = contract_ws, contract_ws.view
    text = (ws.path / "vendors.toml").read_text(encoding="utf-8")
    ws.write("vendors.toml", text.replace('\n\n[[vendors]]\nid = "bergen-sentrum"',
                                          f'\n{PAYOUTS}\n\n[[vendors]]\nid = "bergen-sentrum"', 1))
    ws.write("in/sales.csv", sales_csv([("R1", "2026-11-02T10:00:00", 50000), ("R2", "2026-11-02T11:00:00", 12500),
                                        ("R3", "2026-11-03T12:00:00", 30000)]))
    assert ws.invoke("import", "sales", "in/sales.csv", "--vendor", VENDOR)[0] == 0
    for day in ("2026-11-02", "2026-11-03"):
        status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", day)
        assert status == 0, out + err
    ws.write("in/po.csv", stripe_csv(PO_1))
    assert ws.invoke("import", "payouts", "in/po.csv", "--provider", "stripe", "--vendor", VENDOR)[0] == 0
    attachments = view.attachments()

    ws.extra_env["SETTLEMENT_CRASH_AT"] = "after_send"
    killed = ws.run("payouts", "post", "--vendor", VENDOR)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del ws.extra_env["SETTLEMENT_CRASH_AT"]
    restarted = ws.run("payouts", "post", "--vendor", VENDOR)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert view.live(KEY) == 1, f"{view.live(KEY)} live postings of {KEY} in {view.ledger}"
    assert view.attachments() == attachments + 1
    effect = view.effect(KEY)
    assert sum(effect.values()) == 0 and _bank(effect) == 92500 - 2530 and effect["7770"] == 2530, effect
    status, out, _ = ws.invoke("payouts", "audit", "--payout", "po_1")
    assert "adopted" in out and out.count(" sending ") == 1

    changed = PO_1 + [Row("po_1", "2026-11-05", "txn_9", "2026-11-03 14:00:00", -1000, 0, category="refund", order="R3")]
    ws.write("in/po2.csv", stripe_csv(changed))
    assert ws.invoke("import", "payouts", "in/po2.csv", "--provider", "stripe", "--vendor", VENDOR)[0] == 0
    status, out, err = ws.invoke("payouts", "post", "--vendor", VENDOR)
    assert status == 0, out + err
    v2 = KEY.replace(":v1]", ":v2]")
    assert view.live(KEY) == 0 and view.live(v2) == 1
    assert _bank(view.effect(v2)) == 92500 - 2530 - 1000
