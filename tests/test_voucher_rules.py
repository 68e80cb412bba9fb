"""Voucher rules: unmapped codes block, small residuals go to `difference`, large ones block."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from hypothesis import given, settings, strategies as st

from settlement.configuration import load_chart
from settlement.domain.sales import SaleLine, summarize
from settlement.store import SalesStore, open_engine
from settlement.domain.voucher import build_voucher

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"


def _preview(workspace, body: str, day: str = "2026-11-02"):
    path = workspace.write("in/day.csv", HEADER + body)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")
    assert status == 0, out + err
    status, out, _ = workspace.invoke("preview", "--vendor", "bergen-bryggen", "--date", day, "--json")
    return status, json.loads(out)


def test_unmapped_codes_block_the_day_and_name_receipts(workspace):
    body = (
        "A-1;2026-11-02T10:00:00;sale;candy;3;10,00;\nA-1;2026-11-02T10:00:00;payment;swish;;10,00;\n"
        "A-2;2026-11-02T11:00:00;sale;candy;3;20,00;\nA-2;2026-11-02T11:00:00;payment;card;;20,00;\n"
    )
    status, voucher = _preview(workspace, body)
    assert status == 1
    assert voucher["errors"] == [
        "group code 'candy' has no mapping (add it to mapping.csv); used by 2 receipt(s): A-1, A-2 (column 'code', value 'candy')",
        "payment code 'swish' has no mapping (add it to mapping.csv); used by 1 receipt(s): A-1 (column 'code', value 'swish')",
    ]


def test_residual_within_tolerance_goes_to_difference_with_warning(workspace):
    body = "D-1;2026-11-02T10:00:00;sale;high;3;100,00;\nD-1;2026-11-02T10:00:00;payment;cash;;99,50;\n"
    status, voucher = _preview(workspace, body)
    assert status == 0
    difference = [line for line in voucher["lines"] if line["section"] == "difference"]
    assert [(d["account"], d["debit"], d["credit"]) for d in difference] == [("7790", 50, 0)]
    assert voucher["totals"]["debit"] == voucher["totals"]["credit"] == 10000
    assert voucher["warnings"] == [
        "bergen-bryggen 2026-11-02: the day does not balance (debit 99,50, credit 100,00, difference 0,50 NOK); booked to 7790 Kassedifferanse"
    ]


def test_residual_above_tolerance_blocks_with_totals(workspace):
    body = "D-1;2026-11-02T10:00:00;sale;high;3;100,00;\nD-1;2026-11-02T10:00:00;payment;cash;;90,00;\n"
    status, voucher = _preview(workspace, body)
    assert status == 1
    assert voucher["errors"] == [
        "bergen-bryggen 2026-11-02: the day does not balance (debit 90,00, credit 100,00, difference 10,00 NOK); "
        "more than the tolerance 1,00 NOK, so the day is blocked"
    ]


def test_day_without_sales_is_empty_not_an_error(workspace):
    status, out, _ = workspace.invoke("preview", "--vendor", "bergen-bryggen", "--date", "2026-11-20")
    assert status == 0
    assert "(no sales on this day: nothing to post)" in out


def test_table_output_shows_accounts_names_and_totals(workspace):
    path = workspace.write("in/day.csv", HEADER + "T-1;2026-11-02T10:00:00;sale;high;3;125,00;25,00\nT-1;2026-11-02T10:00:00;payment;card;;125,00;\n")
    workspace.invoke("import", "sales", str(path), "--vendor", "bergen-bryggen")
    status, out, _ = workspace.invoke("preview", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0
    rows = out.splitlines()
    assert rows[0] == "Dagsoppgjør Bergen Bryggen (bergen-bryggen) 2026-11-02"
    # The voucher as the ledger books it: revenue net, the VAT on its own account, every line's text
    # naming what it is.
    assert any(r.startswith("3000") and "Salg 25 %" in r and "100,00" in r for r in rows)
    assert any(r.startswith("2701") and "Utgående mva 25 %" in r and "25,00" in r for r in rows)
    assert any(r.startswith("total") and r.count("125,00") == 2 for r in rows)


# --- property: any generated day balances to the øre and builds identically twice -----------------

GROUPS = [("high", "3", 25), ("food", "31", 15), ("low", "33", 12), ("exempt", "5", 0)]
METHODS = ["cash", "card", "vipps", "klarna", "giftcard", "12002"]
DAY = date(2026, 11, 2)


@st.composite
def receipts(draw):
    lines: list[SaleLine] = []
    for number in range(draw(st.integers(0, 12))):
        rid = f"H-{number}"
        at = datetime(2026, 11, 2, 8, number, tzinfo=timezone.utc)
        total = 0
        is_return = draw(st.booleans()) and number % 3 == 0
        for _ in range(draw(st.integers(1, 4))):
            code, vat_code, pct = draw(st.sampled_from(GROUPS))
            gross = draw(st.integers(1, 10_000_000))
            vat = gross * pct // (100 + pct)
            sign = -1 if is_return else 1
            kind = "return" if is_return else "sale"
            lines.append(SaleLine("v", "csv", rid, at, DAY, kind, code, vat_code, sign * gross, sign * vat, "gen"))
            total += sign * gross
        for kind in ("tip", "gift_card_sold"):
            if draw(st.booleans()) and not is_return:
                extra = draw(st.integers(1, 100_000))
                lines.append(SaleLine("v", "csv", rid, at, DAY, kind, "", None, extra, 0, "gen"))
                total += extra
        rounding = draw(st.integers(-49, 50))
        lines.append(SaleLine("v", "csv", rid, at, DAY, "rounding", "", None, rounding, 0, "gen"))
        paid = total + rounding
        split = draw(st.integers(0, abs(paid))) * (1 if paid >= 0 else -1)
        for method, amount in ((draw(st.sampled_from(METHODS)), split), (draw(st.sampled_from(METHODS)), paid - split)):
            lines.append(SaleLine("v", "csv", rid, at, DAY, "payment", method, None, amount, 0, "gen"))
    return lines


_CHART = None


def _chart():
    global _CHART
    if _CHART is None:
        from pathlib import Path

        _CHART, problems = load_chart(Path(__file__).resolve().parent.parent / "chart_of_accounts", ["v"])
        assert not problems
    return _CHART


@settings(max_examples=150, deadline=None)
@given(receipts())
def test_generated_days_balance_to_the_ore_and_are_deterministic(lines):
    chart = _chart()
    first = build_voucher("v", DAY, summarize(lines), chart.ledger("v"), chart.mapping("v"), tolerance=0)
    second = build_voucher("v", DAY, summarize(list(reversed(lines))), chart.ledger("v"), chart.mapping("v"), tolerance=0)
    assert not first.errors, first.errors
    assert first.total_debit == first.total_credit
    assert not [line for line in first.lines if line.section == "difference"]
    assert first.to_json() == second.to_json()
    # Every øre of every sales line is on the voucher, on its side.
    assert first.total_credit - first.total_debit == 0
    assert sum(line.refs != () for line in first.lines) == len(first.lines)


@settings(max_examples=25, deadline=None)
@given(receipts())
def test_store_summary_equals_pure_summary(tmp_path_factory, lines):
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 's.db'}")
    store = SalesStore(engine)
    store.replace_receipts("v", "csv", lines)
    assert store.summary("v", DAY) == summarize(lines)
    engine.dispose()
