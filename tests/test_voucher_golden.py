"""Golden-file tests: receipts in, the preview's JSON voucher out, compared with a reviewed file.

Each case is tests/golden/voucher/<case>.csv (generic receipt CSV) and <case>.json (the expected
`settlement preview --json` output per business day). Regenerate after a reviewed change with
UPDATE_GOLDEN=1 and read the diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "voucher"


def _vouchers(workspace, case: str, vendor: str, days: list[str]) -> dict:
    status, out, err = workspace.invoke("import", "sales", str(GOLDEN / f"{case}.csv"), "--vendor", vendor)
    assert status == 0, out + err
    result = {}
    for day in days:
        status, out, err = workspace.invoke("preview", "--vendor", vendor, "--date", day, "--json")
        voucher = json.loads(out)
        assert voucher["totals"]["debit"] == voucher["totals"]["credit"], "voucher must balance"
        assert status == (1 if voucher["errors"] else 0), err
        result[day] = voucher
    return result


def _check(case: str, actual: dict) -> None:
    assert_golden(GOLDEN / f"{case}.json", actual)


def _lines(voucher: dict, account: str) -> list[dict]:
    return [line for line in voucher["lines"] if line["account"] == account]


@pytest.mark.parametrize(
    "case, vendor, days",
    [
        ("normal_day", "bergen-bryggen", ["2026-11-02"]),
        ("returns_exceed_sales", "bergen-bryggen", ["2026-11-03"]),
        ("every_payment_method", "bergen-bryggen", ["2026-11-04"]),
        ("rounding", "bergen-bryggen", ["2026-11-05"]),
        ("tips", "bergen-bryggen", ["2026-11-06"]),
        ("gift_cards", "bergen-bryggen", ["2026-11-07"]),
        ("daylight_saving", "bergen-bryggen", ["2026-10-24", "2026-10-25", "2026-10-26", "2027-03-27", "2027-03-28", "2027-03-29"]),
        ("late_store", "oslo-sentrum", ["2026-11-06", "2026-11-07"]),
    ],
)
def test_voucher_golden(workspace, case, vendor, days):
    _check(case, _vouchers(workspace, case, vendor, days))


def test_returns_exceeding_sales_put_both_sides_on_one_account(workspace):
    voucher = _vouchers(workspace, "returns_exceed_sales", "bergen-bryggen", ["2026-11-03"])["2026-11-03"]
    sales = _lines(voucher, "3000")
    assert {line["section"] for line in sales} == {"sale", "return"}
    assert sum(line["debit"] for line in sales) > sum(line["credit"] for line in sales)
    vipps = _lines(voucher, "1581")
    assert vipps[0]["credit"] > 0, "a refund-heavy day puts the payment account on the credit side"


def test_daylight_saving_days_have_23_and_25_hours(workspace):
    days = ["2026-10-24", "2026-10-25", "2026-10-26", "2027-03-27", "2027-03-28", "2027-03-29"]
    vouchers = _vouchers(workspace, "daylight_saving", "bergen-bryggen", days)
    refs = {day: sorted({r for line in v["lines"] for r in line["refs"]}) for day, v in vouchers.items()}
    # 2026-10-25 runs 22:00Z to 23:00Z next day (25 h): 22:30Z, the repeated 02:30 (01:30Z) and
    # 22:59:59Z are all on it. 2027-03-28 runs 23:00Z to 22:00Z next day (23 h).
    assert refs == {
        "2026-10-24": ["DST-1"],
        "2026-10-25": ["DST-2", "DST-3", "DST-4"],
        "2026-10-26": ["DST-5"],
        "2027-03-27": ["DST-6"],
        "2027-03-28": ["DST-7", "DST-8"],
        "2027-03-29": ["DST-9"],
    }


def test_late_store_keeps_after_midnight_sales_on_the_shift_day(workspace):
    vouchers = _vouchers(workspace, "late_store", "oslo-sentrum", ["2026-11-06", "2026-11-07"])
    refs = {day: sorted({r for line in v["lines"] for r in line["refs"]}) for day, v in vouchers.items()}
    assert refs == {"2026-11-06": ["LATE-1", "LATE-2"], "2026-11-07": ["LATE-3"]}


def test_vendor_override_of_one_key(workspace):
    workspace.write("chart_of_accounts/vendors/bergen-bryggen.csv", "key;account;name\npayment_card;1920:10002;Bank kortoppgjør Bergen\n")
    vouchers = _vouchers(workspace, "normal_day", "bergen-bryggen", ["2026-11-02"])
    _check("vendor_override", vouchers)
    voucher = vouchers["2026-11-02"]
    assert _lines(voucher, "1920:10002") and not _lines(voucher, "1580")
    # The other vendor still uses the default.
    status, out, _ = workspace.invoke("accounts", "show", "--vendor", "oslo-sentrum")
    assert status == 0 and "payment_card       1580" in out


def test_default_ledger_change_reaches_vendor_without_override(workspace):
    ledger = workspace.chart / "default_ledger.csv"
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("sales_high;3000;", "sales_high;3001;"), encoding="utf-8")
    vouchers = _vouchers(workspace, "normal_day", "bergen-bryggen", ["2026-11-02"])
    _check("default_ledger_change", vouchers)
    assert _lines(vouchers["2026-11-02"], "3001") and not _lines(vouchers["2026-11-02"], "3000")
