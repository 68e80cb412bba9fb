"""Payouts pulled from each provider's API through the CLI (`import payouts --api`), with the
settings the README names: Vipps MobilePay's Report API and Klarna's Settlements API against their
sandboxes (Stripe's: tests/test_payouts_stripe_api.py)."""

from __future__ import annotations

from datetime import date

VENDORS = """\
[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"
payouts = [{ provider = "vipps", account = "123455", payment = "payment_vipps" },
           { provider = "klarna", account = "N100123", payment = "payment_klarna" }]
"""


def _pull(ws, provider: str) -> tuple[int, str, str]:
    return ws.invoke("import", "payouts", "--api", "--provider", provider, "--vendor", "bergen-bryggen",
                     "--since", "2026-11-01", "--until", "2026-11-06")


def test_vipps_and_klarna_payouts_are_pulled_with_the_settings_and_stored_once(workspace, vipps, klarna):
    ws = workspace
    ws.write("vendors.toml", VENDORS)
    vipps.ledgers.add_ledger("302321", "123455")
    vipps.ledgers.add_day("302321", date(2026, 11, 2), [(10000, "order-1"), (25000, "order-2")])
    klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001")])
    ws.extra_env.update(
        SETTLEMENT_VIPPS_BASE_URL=vipps.root_url, SETTLEMENT_VIPPS_CLIENT_ID=vipps.client_id,
        SETTLEMENT_VIPPS_CLIENT_SECRET=vipps.client_secret, SETTLEMENT_VIPPS_SUBSCRIPTION_KEY=vipps.subscription_key,
        SETTLEMENT_KLARNA_BASE_URL=klarna.base_url, SETTLEMENT_KLARNA_USERNAME=klarna.username,
        SETTLEMENT_KLARNA_PASSWORD=klarna.password,
    )
    status, out, err = _pull(ws, "vipps")
    assert status == 0, out + err
    assert "bergen-bryggen: 1 vipps payout(s) from the API: 1 new" in out
    status, out, err = _pull(ws, "klarna")
    assert status == 0, out + err
    assert "bergen-bryggen: 1 klarna payout(s) from the API: 1 new" in out
    status, out, err = _pull(ws, "vipps")  # read again: the same payout, not a second one
    assert status == 0 and "1 unchanged" in out, out + err
    status, out, err = ws.invoke("payouts", "status", "--vendor", "bergen-bryggen", "--json")
    assert status in (0, 1), out + err
    assert "vipps" in out and "klarna" in out


def test_a_provider_without_credentials_is_named_with_its_settings(workspace):
    workspace.write("vendors.toml", VENDORS)
    status, out, err = _pull(workspace, "klarna")
    assert status == 1
    assert "no klarna API credentials for account N100123 (SETTLEMENT_KLARNA_USERNAME and _PASSWORD)" in out + err
