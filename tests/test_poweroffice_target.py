"""PowerOfficeTarget against the sandbox through real HTTP: exactly once, corrections, documentation,
rate limits, refusals naming the voucher line, credentials and the token, test-connection."""

from __future__ import annotations

import logging
import time
from datetime import date, time as clock

import pytest

from settlement.domain.chart import LedgerRow
from settlement.domain.keys import settlement_key
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.posting.ledger import CredentialRefused, LedgerAmbiguous, LedgerRefused
from settlement.poweroffice_sandbox.seed import PRIVILEGES
from settlement.targets.poweroffice.configure import poweroffice_client
from settlement.targets.poweroffice.payloads import external_reference
from settlement.targets.poweroffice.target import PowerOfficeTarget
from tests.fixtures_poweroffice import FAST_RETRY

DAY = date(2026, 11, 2)
LEDGER = {
    key: LedgerRow(key, account, name, "default_ledger.csv", i + 8)
    for i, (key, account, name) in enumerate([
        ("settlement", "1901", "Oppgjørskonto kasse"), ("rounding", "7740", "Øresavrunding"),
        ("sales_high", "3000", "Salgsinntekt, høy sats 25 %"), ("sales_food", "3030", "Salgsinntekt, næringsmidler"),
        ("payment_card", "1580", "Til gode kortoppgjør"), ("payment_bank", "1920:10001", "Bankinnskudd"),
        ("payment_customer", "1500:10001", "Kundefordringer"),
    ])
}


def vendor(**changes) -> Vendor:
    fields = dict(id="trondheim-torg", name="Trondheim Torg", timezone="Europe/Oslo", closing_time=clock(20),
                  day_start=clock(5), enabled_since=date(2026, 10, 1), ledger="poweroffice", department="10",
                  project="100")
    fields.update(changes)
    return Vendor(**fields)


def voucher(day: date = DAY, extra_øre: int = 0) -> Voucher:
    """A day with two VAT codes, card, bank and invoice payments; sale 3000 needs an øre of rounding."""
    return Voucher("trondheim-torg", day, (
        VoucherLine("sale", "sales_high", "3000", "Salgsinntekt, høy sats 25 %", "3", 0, 24490 + extra_øre, vat=4897),
        VoucherLine("sale", "sales_food", "3030", "Salgsinntekt, næringsmidler", "31", 0, 28750, vat=3750),
        VoucherLine("payment", "payment_card", "1580", "Til gode kortoppgjør", None, 30000 + extra_øre, 0),
        VoucherLine("payment", "payment_bank", "1920:10001", "Bankinnskudd", None, 13240, 0),
        VoucherLine("payment", "payment_customer", "1500:10001", "Kundefordringer", None, 10000, 0),
    ))


@pytest.fixture
def make_target(poweroffice_sandbox):
    def make(company_index: int = 0, **options) -> PowerOfficeTarget:
        sb = poweroffice_sandbox

        def client():
            made = poweroffice_client(sb.base_url, sb.token_url, sb.application_key, sb.client_key(company_index),
                                      sb.subscription_key, **options)
            made.transport.retry = FAST_RETRY
            return made

        return PowerOfficeTarget(client)

    return make


def live(sb, company_index: int = 0) -> list[dict]:
    return [v for v in sb.booked(company_index) if not v["reversed"] and not v["is_reversal"]]


def test_send_posts_one_balanced_voucher_with_dimensions_and_predicted_vat(poweroffice_sandbox, make_target):
    target = make_target()
    key = settlement_key("trondheim-torg", DAY, 1)
    booking = target.render(vendor(), voucher(), LEDGER, key)
    ref = target.send(vendor(), booking, booking.parts[0])
    [booked] = poweroffice_sandbox.booked()
    assert ref == {"voucher_id": booked["id"], "voucher_no": 1}
    assert booked["reference"] == external_reference(key) and key in booked["description"]
    assert sum(line["gross_ore"] for line in booked["lines"]) == 0
    assert all((line["department"], line["project"]) == ("10", "100") for line in booked["lines"])
    # Go's VAT on each line is what the booking says it books (credit positive).
    vat = {}
    for line in booked["lines"]:
        if line["vat_code"] != "0":
            vat[line["vat_code"]] = vat.get(line["vat_code"], 0) - line["vat_ore"]
    assert vat == dict(booking.vat_by_code)
    # Revenue net is the source's net (244.90 − 48.97 = 195.93 kr on 3000), though Go computes 48.98 on 244.90.
    sale = next(line for line in booked["lines"] if line["account"] == 3000)
    assert -(sale["gross_ore"] - sale["vat_ore"]) == 24490 - 4897 and sale["gross_ore"] == -24491
    rounding = [line for line in booked["lines"] if line["account"] == 7740]
    assert [-line["gross_ore"] for line in rounding] == [booking.rounding] and booking.rounding != 0
    customer = next(line for line in booked["lines"] if line["account"] == 1500)
    bank = next(line for line in booked["lines"] if line["account"] == 1920)
    assert customer["contact"] == 10001 and bank["contact"] is None


def test_commit_then_drop__found_again_and_never_booked_twice(poweroffice_sandbox, make_target):
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    part = booking.parts[0]
    poweroffice_sandbox.faults.commit_then_drop(1, method="POST", path_contains="/Vouchers/ManualJournals")
    with pytest.raises(LedgerAmbiguous):
        target.send(vendor(), booking, part)
    found = target.find(vendor(), booking, part, DAY)
    [booked] = poweroffice_sandbox.booked()
    assert found == {"voucher_id": booked["id"], "voucher_no": booked["number"]}
    # Sending again (a run that did not look first) is refused as a duplicate and adopts the voucher.
    assert target.send(vendor(), booking, part) == found
    assert len(poweroffice_sandbox.booked()) == 1


def test_find__ignores_other_vouchers_and_reversed_ones(poweroffice_sandbox, make_target):
    target = make_target()
    key = settlement_key("trondheim-torg", DAY, 1)
    booking = target.render(vendor(), voucher(), LEDGER, key)
    # Someone else's voucher quoting our key in its description is not ours.
    body = target.resolved_body(booking)
    poweroffice_sandbox.add_voucher({**body, "ExternalImportReference": "manual-copy"})
    assert target.find(vendor(), booking, booking.parts[0], DAY) is None
    ref = target.send(vendor(), booking, booking.parts[0])
    assert target.find(vendor(), booking, booking.parts[0], DAY) == ref
    target.reverse(vendor(), ref, "test")
    assert target.find(vendor(), booking, booking.parts[0], DAY) is None


def test_reverse_then_post_v2__reference_freed_and_reverse_is_idempotent(poweroffice_sandbox, make_target):
    target = make_target()
    v1 = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    ref1 = target.send(vendor(), v1, v1.parts[0])
    target.reverse(vendor(), ref1, "Korrigering: data endret; erstattes av v2")
    target.reverse(vendor(), ref1, "again")  # already reversed: skipped, no error
    client = poweroffice_sandbox.company(0)
    assert v1.parts[0].body["ExternalImportReference"] not in client.references
    v2 = target.render(vendor(), voucher(extra_øre=500), LEDGER, settlement_key("trondheim-torg", DAY, 2))
    ref2 = target.send(vendor(), v2, v2.parts[0])
    assert [v["id"] for v in live(poweroffice_sandbox)] == [ref2["voucher_id"]]
    assert sum(v["is_reversal"] for v in poweroffice_sandbox.booked()) == 1
    reverse_calls = [r for r in poweroffice_sandbox.requests if r.path.startswith("/v2/Vouchers/Reverse/")]
    assert len(reverse_calls) == 1


def test_reverse_past_the_lock_date__refused_with_gos_reason(poweroffice_sandbox, make_target):
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    ref = target.send(vendor(), booking, booking.parts[0])
    poweroffice_sandbox.set_lock_date(date(2026, 11, 30))
    with pytest.raises(LedgerRefused) as refused:
        target.reverse(vendor(), ref, "correction")
    assert "Lock date violation" in str(refused.value) and "2026-11-30" in str(refused.value)
    assert len(live(poweroffice_sandbox)) == 1


def test_attach_and_find_attachment(poweroffice_sandbox, make_target):
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    ref = target.send(vendor(), booking, booking.parts[0])
    assert target.find_attachment(vendor(), ref) is None
    where = target.attach(vendor(), ref, "dagsoppgjor-2026-11-02.pdf", b"%PDF-1.4 report")
    assert where == f"VoucherDocumentation?id={ref['voucher_id']}"
    assert target.find_attachment(vendor(), ref) == where
    assert poweroffice_sandbox.documentation(ref["voucher_id"]) == ("dagsoppgjor-2026-11-02.pdf", b"%PDF-1.4 report")
    assert poweroffice_sandbox.booked()[0]["attachments"] == 1


def test_429_is_honoured_with_at_least_a_second(poweroffice_sandbox, make_target):
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    target.resolved_body(booking)  # the lookups first, so the burst meets the POST
    poweroffice_sandbox.faults.burst_429(2, retry_after=None)
    started = time.monotonic()
    target.send(vendor(), booking, booking.parts[0])
    assert time.monotonic() - started >= 2.0
    statuses = [r.status for r in poweroffice_sandbox.requests if r.path == "/v2/Vouchers/ManualJournals"]
    assert statuses == [429, 429, 201] and len(poweroffice_sandbox.booked()) == 1


def test_refusal_names_the_field_and_the_voucher_line(poweroffice_sandbox, make_target):
    poweroffice_sandbox.lock_vat_code(3030, "3")
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    with pytest.raises(LedgerRefused) as refused:
        target.send(vendor(), booking, booking.parts[0])
    message = str(refused.value)
    assert "VatId of voucher line 2 (sale, account 3030, VAT code 31)" in message
    assert "locked to vat code 3" in message and refused.value.kind == "ValidationError"


def test_unknown_number_is_refused_before_sending_naming_the_line(poweroffice_sandbox, make_target):
    ledger = dict(LEDGER, payment_card=LedgerRow("payment_card", "1599", "Ukjent", "vendors/x.csv", 2))
    lines = tuple(line if line.account != "1580" else VoucherLine("payment", "payment_card", "1599", "Ukjent", None,
                                                                  line.debit, 0) for line in voucher().lines)
    target = make_target()
    booking = target.render(vendor(), Voucher("trondheim-torg", DAY, lines), ledger, settlement_key("t", DAY, 1))
    with pytest.raises(LedgerRefused, match=r"voucher line 3 \(payment, account 1599, VAT code 0\): account 1599 is not"):
        target.send(vendor(), booking, booking.parts[0])
    assert not [r for r in poweroffice_sandbox.requests if r.method == "POST" and "Vouchers" in r.path]


def test_missing_keys__credential_refused_naming_the_settings(poweroffice_sandbox):
    sb = poweroffice_sandbox
    target = PowerOfficeTarget(lambda: poweroffice_client(sb.base_url, sb.token_url, sb.application_key, None, ""))
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))  # no credential
    with pytest.raises(CredentialRefused) as refused:
        target.send(vendor(), booking, booking.parts[0])
    assert "SETTLEMENT_POWEROFFICE_CLIENT_KEY and SETTLEMENT_POWEROFFICE_SUBSCRIPTION_KEY" in str(refused.value)
    named = PowerOfficeTarget(lambda: poweroffice_client(sb.base_url, sb.token_url, "a", None, "s",
                                                         credential_label="bergen-franchise"))
    with pytest.raises(CredentialRefused, match="SETTLEMENT_POWEROFFICE_BERGEN_FRANCHISE_CLIENT_KEY"):
        named.identity()


def test_wrong_keys__credential_refused_naming_the_settings(poweroffice_sandbox):
    sb = poweroffice_sandbox
    wrong_client = PowerOfficeTarget(lambda: poweroffice_client(sb.base_url, sb.token_url, sb.application_key,
                                                                "no-such-client", sb.subscription_key))
    with pytest.raises(CredentialRefused, match="SETTLEMENT_POWEROFFICE_APPLICATION_KEY and SETTLEMENT_POWEROFFICE_CLIENT_KEY"):
        wrong_client.identity()
    wrong_subscription = PowerOfficeTarget(lambda: poweroffice_client(sb.base_url, sb.token_url, sb.application_key,
                                                                      sb.client_key(), "f" * 32))
    with pytest.raises(CredentialRefused, match="SETTLEMENT_POWEROFFICE_SUBSCRIPTION_KEY"):
        wrong_subscription.identity()


def test_missing_privilege__credential_refused(poweroffice_sandbox, make_target):
    poweroffice_sandbox.set_privileges(set(PRIVILEGES) - {"ManualVoucher_Full"})
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    with pytest.raises(CredentialRefused, match="lacks a privilege"):
        target.send(vendor(), booking, booking.parts[0])


def test_token__cached_renewed_before_expiry_and_after_a_401():
    from settlement.poweroffice_sandbox import PowerOfficeSandbox

    with PowerOfficeSandbox.start(max_seconds=60, token_lifetime=2) as sb:
        client = poweroffice_client(sb.base_url, sb.token_url, sb.application_key, sb.client_key(), sb.subscription_key)
        for _ in range(3):
            client.vat_codes()
        assert sb.tokens.issued == 1 and client.credentials.fetched == 1
        time.sleep(1.85)  # past lifetime − margin (2 s − 0.2 s), before the token expires
        client.vat_codes()
        assert sb.tokens.issued == 2
        assert not [r for r in sb.requests if r.status == 401]
        sb.expire_tokens()
        client.vat_codes()  # refused once, renewed, sent again
        assert sb.tokens.issued == 3 and [r.status for r in sb.requests if r.path == "/v2/VatCodes"][-2:] == [401, 200]


def test_secrets_never_logged_nor_in_messages(poweroffice_sandbox, make_target, caplog):
    sb = poweroffice_sandbox
    caplog.set_level(logging.DEBUG)
    target = make_target()
    booking = target.render(vendor(), voucher(), LEDGER, settlement_key("trondheim-torg", DAY, 1))
    ref = target.send(vendor(), booking, booking.parts[0])
    target.attach(vendor(), ref, "r.pdf", b"%PDF-1.4 x")
    sb.expire_tokens()
    target.find(vendor(), booking, booking.parts[0], DAY)
    wrong = PowerOfficeTarget(lambda: poweroffice_client(sb.base_url, sb.token_url, sb.application_key,
                                                         "wrong-client-key", sb.subscription_key))
    with pytest.raises(CredentialRefused) as refused:
        wrong.identity()
    tokens = [r.token for r in sb.requests if r.token]
    secrets = [sb.application_key, sb.client_key(), sb.subscription_key, "wrong-client-key", *tokens]
    assert tokens and caplog.records
    for secret in secrets:
        assert secret not in caplog.text and secret not in str(refused.value)


def test_check__privileges_accounts_vat_locks_dimensions_and_lock_date(poweroffice_sandbox, make_target):
    sb = poweroffice_sandbox
    assert make_target().check(vendor(), LEDGER) == []
    sb.set_privileges(set(PRIVILEGES) - {"YearEndVoucher_Full"})
    sb.lock_vat_code(1580, "3")
    sb.lock_vat_code(3000, "3")
    sb.require_dimensions(3030, project=True)
    sb.set_lock_date(date(2026, 10, 31))
    ledger = dict(LEDGER, tips=LedgerRow("tips", "2991", "Driks", "vendors/t.csv", 3),
                  payment_customer=LedgerRow("payment_customer", "1500:10009", "Kunde", "default_ledger.csv", 9))
    problems = make_target().check(vendor(project=None, department="30"), ledger)
    text = "\n".join(f"{p.severity.value}: {p.message}" for p in problems)
    assert "lacks the privilege YearEndVoucher_Full (for reversing them)" in text
    assert "account 1580 is locked to VAT code 3 in PowerOffice, but its lines carry no VAT" in text
    assert "warning: account 3000 is locked to VAT code 3" in text
    assert "account 3030 requires a project in PowerOffice: set project for trondheim-torg" in text
    assert "account 2991 is not in PowerOffice's chart of accounts, ledger key tips (vendors/t.csv:3)" in text
    assert "no customer number 10009" in text
    assert "PowerOffice has no department 30" in text
    assert "warning: PowerOffice's lock date is 2026-10-31, on or after enabled_since 2026-10-01" in text
    assert all(p.ref == "trondheim-torg" for p in problems)


def test_identity_and_two_companies_apart(poweroffice_sandbox, make_target):
    first, second = make_target(0), make_target(1)
    assert first.identity()["client"] == "Demo Butikk AS" and second.identity()["client"] == "Bergen Franchise AS"
    key = settlement_key("trondheim-torg", DAY, 1)
    for target in (first, second):
        booking = target.render(vendor(), voucher(), LEDGER, key)
        target.send(vendor(), booking, booking.parts[0])
    assert len(live(poweroffice_sandbox, 0)) == 1 and len(live(poweroffice_sandbox, 1)) == 1
    assert not poweroffice_sandbox.overlaps()
