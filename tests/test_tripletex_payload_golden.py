"""Golden files for the Tripletex voucher: the rendered booking (what `preview --ledger` shows and
what is stored with the day) and the body actually sent once numbers are resolved to the sandbox's
ids, for reviewed voucher cases (tests/golden/voucher). Regenerate with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlement.domain.keys import settlement_key
from settlement.sandbox_kit.records import RecordedRequest
from settlement.targets.tripletex.amounts import ore
from tests.fixtures_tripletex import default_ledger, golden_voucher, tripletex_vendor
from tests.golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "tripletex"

CASES = [
    # several VAT codes and payment methods
    ("normal_day", "2026-11-02", None, None),
    ("every_payment_method", "2026-11-04", None, None),
    # returns larger than the day's sales: revenue on the debit side
    ("returns_exceed_sales", "2026-11-03", None, None),
    # Tripletex's VAT differs from the source by an øre: the rounding posting takes it
    ("rounding", "2026-11-05", None, None),
    # a store with its department and project on every line
    ("tips", "2026-11-06", "10", "100"),
]


@pytest.mark.parametrize("case, day, department, project", CASES)
def test_tripletex_bodies_golden(make_tripletex_target, tripletex_contract, case, day, department, project):
    target = make_tripletex_target()
    vendor = tripletex_vendor(department=department, project=project)
    voucher = golden_voucher(case, day)
    booking = target.render(vendor, voucher, default_ledger(), settlement_key(vendor.id, voucher.day, 1))
    body = booking.parts[0].body
    postings = body["postings"]
    assert sum(ore(p["amountGross"]) for p in postings) == 0, "the voucher balances"
    assert [p["row"] for p in postings] == list(range(1, len(postings) + 1)), "rows from 1, row 0 is Tripletex's"
    assert all(p["amountGross"] == p["amountGrossCurrency"] for p in postings)
    assert body["externalVoucherNumber"] == booking.key and booking.key in body["description"]
    assert len(body["description"]) <= target.capabilities.description_length
    if department:
        assert all(p["department"] == {"departmentNumber": department} and p["project"] == {"number": project}
                   for p in postings)
    resolved = target.resolved(body)
    if tripletex_contract.available:  # both forms are valid Voucher bodies by Tripletex's own spec
        for sent in (body, resolved):
            record = RecordedRequest("POST", "/v2/ledger/voucher", {"sendToLedger": "true"}, sent, None, 0, 0.0, 0.0,
                                     request_id="golden", content_type="application/json")
            assert tripletex_contract.request_problems(record) == []
    assert_golden(GOLDEN / f"{case}.json", {"booking": booking.to_json(), "resolved": resolved})
