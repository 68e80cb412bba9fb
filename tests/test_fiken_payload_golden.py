"""Golden files for the Fiken request bodies, in both posting modes.

`settlement preview --fiken` prints exactly what `run` sends (tests/test_posting.py checks that);
here its output for each golden voucher case is compared with a reviewed file in
tests/golden/fiken/<case>.<mode>.json. Regenerate after a reviewed change with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden"
CASH_SALE_VENDOR = """
[[vendors]]
id = "bergen-prosjekt"
name = "Bergen Prosjekt"
closing_time = "20:00"
enabled_since = 2026-10-01
fiken_company = "demo-prosjekt-as"
posting = "cash_sale"
fiken_project = 73408301
"""

CASES = [
    ("normal_day", ["2026-11-02"]),
    ("returns_exceed_sales", ["2026-11-03"]),
    ("every_payment_method", ["2026-11-04"]),
    ("rounding", ["2026-11-05"]),
    ("tips", ["2026-11-06"]),
    ("gift_cards", ["2026-11-07"]),
]


@pytest.mark.parametrize("mode", ["journal", "cash_sale"])
@pytest.mark.parametrize("case, days", CASES)
def test_fiken_bodies_golden(workspace, case, days, mode):
    vendor = "bergen-bryggen"
    if mode == "cash_sale":
        with (workspace.path / "vendors.toml").open("a", encoding="utf-8") as vendors:
            vendors.write(CASH_SALE_VENDOR)
        vendor = "bergen-prosjekt"
    status, out, err = workspace.invoke("import", "sales", str(GOLDEN / "voucher" / f"{case}.csv"), "--vendor", vendor)
    assert status == 0, out + err
    actual = {}
    for day in days:
        status, out, err = workspace.invoke("preview", "--vendor", vendor, "--date", day, "--fiken")
        assert status == 0, err
        actual[day] = json.loads(out)
        # A cash-sale day's payment split carries the key with its part, so it can never be
        # confused with the sale (whose saleNumber is the plain key).
        journal_key = f"[settlement:{vendor}:{day}:v1" + (":betalinger]" if mode == "cash_sale" else "]")
        for request in actual[day]:
            body = request["body"]
            for entry in body.get("journalEntries", []):
                assert len(entry["description"]) <= 166 and journal_key in entry["description"]
                assert all(line["amount"] > 0 for line in entry["lines"]), "Fiken takes positive amounts only"
            if "saleNumber" in body:
                assert body["saleNumber"] == f"[settlement:{vendor}:{day}:v1]"
    assert_golden(GOLDEN / "fiken" / f"{case}.{mode}.json", actual)
