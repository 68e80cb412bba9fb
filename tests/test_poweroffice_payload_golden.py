"""Golden files for the PowerOffice manual voucher: the booking `preview --ledger` shows (numbers)
and the body as sent (Go's ids, resolved against the sandbox, whose ids are fixed by its seed), for
a normal day, returns, every payment method, a day needing VAT rounding, and a vendor without
department and project. Compared with tests/golden/poweroffice/<case>.json; UPDATE_GOLDEN=1 rewrites.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from settlement.domain.vendors import Vendor
from settlement.posting.ledger import Booking, BookingPart
from settlement.targets.poweroffice.configure import poweroffice_client
from settlement.targets.poweroffice.target import PowerOfficeTarget
from tests.golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden"
VENDORS = """
[[vendors]]
id = "trondheim-torg"
name = "Trondheim Torg"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-10-01
ledger = "poweroffice"
department = "10"
project = "100"

[[vendors]]
id = "tromso-kai"
name = "Tromsø Kai"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-10-01
ledger = "poweroffice"
"""

CASES = [
    ("normal_day", "2026-11-02", "trondheim-torg"),
    ("returns_exceed_sales", "2026-11-03", "trondheim-torg"),
    ("every_payment_method", "2026-11-04", "trondheim-torg"),
    ("rounding", "2026-11-05", "trondheim-torg"),
    ("normal_day", "2026-11-02", "tromso-kai"),
]


@pytest.mark.parametrize("case, day, vendor", CASES)
def test_poweroffice_bodies_golden(workspace, poweroffice_sandbox, case, day, vendor):
    with (workspace.path / "vendors.toml").open("a", encoding="utf-8") as vendors:
        vendors.write(VENDORS)
    status, out, err = workspace.invoke("import", "sales", str(GOLDEN / "voucher" / f"{case}.csv"), "--vendor", vendor)
    assert status == 0, out + err
    status, out, err = workspace.invoke("preview", "--vendor", vendor, "--date", day, "--ledger")
    assert status == 0, err
    [request] = json.loads(out)
    body = request["body"]
    key = f"[settlement:{vendor}:{day}:v1]"
    assert key in body["Description"] and len(body["Description"]) <= 200
    assert all(line["CurrencyAmount"] != 0 for line in body["VoucherLines"])
    # The lines balance to the øre (amounts read by their text, as Go reads them).
    from decimal import Decimal

    assert sum(Decimal(repr(line["CurrencyAmount"])) for line in body["VoucherLines"]) == 0
    sb = poweroffice_sandbox
    target = PowerOfficeTarget(poweroffice_client(sb.base_url, sb.token_url, sb.application_key, sb.client_key(),
                                                  sb.subscription_key))
    booking = Booking("poweroffice", "manual_voucher", key, (BookingPart("voucher", "voucher_id", request),))
    resolved = target.resolved_body(booking)
    ref = target.send(_vendor(vendor), booking, booking.parts[0])  # Go takes it as sent
    assert ref["voucher_id"]
    name = case if vendor == "trondheim-torg" else f"{case}.no_dimensions"
    assert_golden(GOLDEN / "poweroffice" / f"{name}.json", {"preview": request, "sent": resolved})


def _vendor(vendor_id: str) -> Vendor:
    return Vendor(vendor_id, vendor_id, "Europe/Oslo", time(20), time(5), date(2026, 10, 1), ledger="poweroffice")
