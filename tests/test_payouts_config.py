"""vendors.toml `payouts`: each provider account of a vendor, with the clearing account's ledger key;
every mistake named with file, line, vendor and field."""

from __future__ import annotations

from settlement.domain.payout_config import PayoutAccount, account_for
from settlement.domain.vendors import parse_vendors

BASE = """
[[vendors]]
id = "shop"
name = "Shop"
closing_time = "22:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"
"""


def test_accounts_are_parsed_with_their_defaults():
    text = BASE + ('payouts = [{ provider = "stripe", account = "acct_123", payment = "payment_stripe" },\n'
                   '  { provider = "vipps", account = 123456, payment = "payment_vipps", store_ref = "Oslo", fee_vat = "1" }]\n')
    vendors, problems = parse_vendors(text, "vendors.toml")
    assert problems == []
    stripe, vipps = vendors[0].payouts
    assert stripe == PayoutAccount("stripe", "acct_123", "payment_stripe")
    assert stripe.net_to == "payout_bank" and stripe.fee_vat is None
    assert vipps.account == "123456" and vipps.store_ref == "Oslo" and vipps.fee_vat == "1"
    assert account_for(vendors[0].payouts, "vipps", "123456", "Oslo") is vipps
    assert account_for(vendors[0].payouts, "vipps", "123456", "Bergen") is None
    assert account_for(vendors[0].payouts, "stripe", "acct_123", "anything") is stripe


def test_a_single_table_is_one_account():
    vendors, problems = parse_vendors(BASE + '[vendors.payouts]\nprovider = "klarna"\naccount = "K1"\n'
                                      'payment = "payment_klarna"\nnet_to = "payout_in_transit"\n', "vendors.toml")
    assert problems == [] and vendors[0].payouts[0].net_to == "payout_in_transit"


def test_mistakes_name_the_vendor_the_key_and_the_entry():
    cases = {
        '[{ provider = "paypal", account = "x", payment = "payment_other" }]': "provider 'paypal' is not one of",
        '[{ provider = "stripe", payment = "payment_stripe" }]': "'account' must be a non-empty text",
        '[{ provider = "stripe", account = "a" }]': "missing field 'payment'",
        '[{ provider = "stripe", account = "a", payment = "payment_stripe", colour = 1 }]': "unknown field(s) colour",
        '[{ provider = "stripe", account = "a", payment = "Til gode" }]': "must be a ledger key",
        '[{ provider = "stripe", account = "a", payment = "p", net_to = "payment_fee" }]': "net_to must be one of",
        '[{ provider = "stripe", account = "a", payment = "p" }, { provider = "stripe", account = "a", payment = "q" }]':
            "entry 2: stripe account 'a' is named twice",
        '"stripe"': "must be a list of tables",
    }
    for value, wanted in cases.items():
        vendors, problems = parse_vendors(BASE + f"payouts = {value}\n", "vendors.toml")
        assert vendors == [], value
        (problem,) = problems
        text = problem.format()
        assert wanted in text and "vendor shop: key 'payouts'" in text, text
        assert problem.file == "vendors.toml" and problem.line == 8 and problem.column == "payouts"


def test_accounts_check_names_a_payouts_key_the_chart_does_not_have(workspace):
    """Found before any payout is read: each payout voucher of that account would be blocked."""
    vendors = workspace.path / "vendors.toml"
    text = vendors.read_text(encoding="utf-8")
    anchor = 'id = "oslo-sentrum"\n'
    assert anchor in text
    vendors.write_text(text.replace(anchor, anchor + 'payouts = [{ provider = "stripe", account = "acct_1", '
                                    'payment = "payment_strype", adjustments = "chargebacks" }]\n'), encoding="utf-8")
    line = vendors.read_text(encoding="utf-8").splitlines().index('id = "oslo-sentrum"')  # its table's header line
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 1
    assert err.strip().splitlines() == [
        f"{vendors}:{line}: vendor oslo-sentrum: payouts of stripe account acct_1 book to ledger key {key!r}, "
        f"which the chart of accounts does not have (column 'payouts', value {key!r})"
        for key in ("payment_strype", "chargebacks")]
    assert out.strip() == "2 problem(s) found"
