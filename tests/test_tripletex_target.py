"""TripletexTarget against the sandbox through real HTTP: render, send, find after a lost answer,
reversal, attachments, rate limits, refusals that name the voucher line, credentials, logs."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from settlement.domain.keys import settlement_key
from settlement.posting.ledger import CredentialRefused, LedgerAmbiguous, LedgerRefused, LedgerUnavailable
from settlement.targets.tripletex.configure import tripletex_client
from settlement.targets.tripletex.target import TripletexTarget
from settlement.targets.tripletex.transport import SentRequest
from settlement.tripletex_sandbox import TripletexSandbox
from tests.fixtures_tripletex import FAST_RETRY, default_ledger, golden_voucher, tripletex_vendor

DAY = date(2026, 11, 2)


def _booking(target, vendor=None, version=1, case="normal_day", day="2026-11-02"):
    vendor = vendor or tripletex_vendor()
    voucher = golden_voucher(case, day)
    return vendor, target.render(vendor, voucher, default_ledger(), settlement_key(vendor.id, voucher.day, version))


def _posts(sandbox):
    return [r for r in sandbox.requests if r.method == "POST" and r.path == "/v2/ledger/voucher"]


def test_send_books_one_voucher_with_its_key(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    ref = target.send(vendor, booking, booking.parts[0])
    booked = tripletex_sandbox.booked()
    assert [v["id"] for v in booked] == [str(ref["voucher_id"])] and ref["voucher_number"] == "1-2026"
    assert booked[0]["reference"] == booking.key and booking.key in booked[0]["description"]
    sent = _posts(tripletex_sandbox)[0]
    assert sent.query == {"sendToLedger": "true"}
    assert [p["row"] for p in sent.body["postings"]] == list(range(1, len(sent.body["postings"]) + 1))
    assert all(set(p["account"]) == {"id"} and set(p["vatType"]) == {"id"} for p in sent.body["postings"])
    # The ledger's VAT per code is what the booking predicted.
    vat = {}
    for line in booked[0]["lines"]:
        if line["vat_code"] not in (None, "0"):
            vat[line["vat_code"]] = vat.get(line["vat_code"], 0) - line["vat_ore"]
    assert vat == dict(booking.vat_by_code)


def test_rounding_day_books_the_source_net_and_predicts_the_rounding(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target, case="rounding", day="2026-11-05")
    voucher = golden_voucher("rounding", "2026-11-05")
    ref = target.send(vendor, booking, booking.parts[0])
    postings = tripletex_sandbox.all_postings(ref["voucher_id"])
    for line in voucher.lines:
        if line.vat_code is not None:
            nets = [-p["net_ore"] for p in postings if p["account"] == int(line.account) and not p["system"]]
            assert nets == [line.net], line
    rounding = sum(-p["gross_ore"] for p in postings if p["account"] == 7740)
    assert rounding == booking.rounding != 0


def test_find_after_commit_then_drop_adopts_without_a_duplicate(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    tripletex_sandbox.faults.commit_then_drop(1, method="POST", path_contains="/ledger/voucher")
    with pytest.raises(LedgerAmbiguous):
        target.send(vendor, booking, booking.parts[0])
    found = target.find(vendor, booking, booking.parts[0], DAY)
    assert found == {"voucher_id": int(tripletex_sandbox.booked()[0]["id"]), "voucher_number": "1-2026"}
    assert len(_posts(tripletex_sandbox)) == 1 and len(tripletex_sandbox.booked()) == 1
    lookups = [r.path for r in tripletex_sandbox.requests if r.method == "GET" and "voucher" in r.path]
    assert lookups == ["/v2/ledger/voucher/>externalVoucherNumber"]


def test_find_falls_back_to_the_day_and_matches_the_key_in_the_description(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    body = dict(booking.parts[0].body)
    del body["externalVoucherNumber"]  # as if Tripletex had not kept it
    target.client.create_voucher(target.resolved(body))
    _, other = _booking(target, version=11)  # a key that contains "v1" must not match
    target.send(vendor, other, other.parts[0])
    found = target.find(vendor, booking, booking.parts[0], DAY)
    assert found is not None and found["voucher_number"] == "1-2026"
    searches = [r.query for r in tripletex_sandbox.requests if r.path == "/v2/ledger/voucher" and r.method == "GET"]
    assert searches and searches[0]["dateFrom"] == "2026-11-02" and searches[0]["dateTo"] == "2026-11-03"


def test_find_ignores_reversed_vouchers_and_reversals(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    ref = target.send(vendor, booking, booking.parts[0])
    target.reverse(vendor, ref, "Korrigering")
    assert target.find(vendor, booking, booking.parts[0], DAY) is None
    _, second = _booking(target, version=2)
    ref2 = target.send(vendor, second, second.parts[0])
    assert target.find(vendor, second, second.parts[0], DAY) == ref2
    booked = tripletex_sandbox.booked()
    assert [(v["reversed"], v["is_reversal"]) for v in booked] == [(True, False), (False, True), (False, False)]


def test_reverse_skips_a_voucher_already_reversed(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    ref = target.send(vendor, booking, booking.parts[0])
    target.reverse(vendor, ref, "Korrigering")
    target.reverse(vendor, ref, "Korrigering")
    reversals = [r for r in tripletex_sandbox.requests if r.path.endswith("/:reverse")]
    assert len(reversals) == 1 and reversals[0].query == {"date": "2026-11-02"}


def test_reverse_in_a_closed_period_is_refused_with_the_ledgers_reason(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    ref = target.send(vendor, booking, booking.parts[0])
    tripletex_sandbox.close_period(DAY)
    with pytest.raises(LedgerRefused) as refused:
        target.reverse(vendor, ref, "Korrigering")
    assert "Perioden 11-2026 er lukket" in refused.value.reason and refused.value.kind == "ValidationError"
    assert not tripletex_sandbox.booked()[0]["reversed"]


def test_attach_and_find_attachment(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    ref = target.send(vendor, booking, booking.parts[0])
    assert target.find_attachment(vendor, ref) is None
    where = target.attach(vendor, ref, "dagsoppgjor-2026-11-02.pdf", b"%PDF-1.4 report")
    assert where.startswith(f"voucher {ref['voucher_id']} attachment ")
    assert target.find_attachment(vendor, ref) == where
    assert tripletex_sandbox.attachment(ref["voucher_id"]) == b"%PDF-1.4 report"
    upload = [r for r in tripletex_sandbox.requests if r.path.endswith("/attachment")][0]
    assert upload.content_type.startswith("multipart/form-data") and b'name="file"' in upload.body


def test_a_burst_of_429_is_waited_out(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    target.resolved(booking.parts[0].body)  # reference data first, so the burst hits the POST
    tripletex_sandbox.faults.burst_429(2, retry_after=None)
    target.send(vendor, booking, booking.parts[0])
    assert [r.status for r in _posts(tripletex_sandbox)] == [429, 429, 201]
    assert len(tripletex_sandbox.booked()) == 1


def test_429_that_never_ends_is_unavailable(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    target.resolved(booking.parts[0].body)
    tripletex_sandbox.faults.burst_429(10, retry_after=None)
    with pytest.raises(LedgerUnavailable) as unavailable:
        target.send(vendor, booking, booking.parts[0])
    assert unavailable.value.kind == "RateLimited" and tripletex_sandbox.booked() == []


def test_rate_limit_headers_pace_the_client_without_429(tripletex_contract):
    with TripletexSandbox.start(max_seconds=60, rate_limit=3, rate_period=1.0) as sandbox:
        client = tripletex_client(sandbox.base_url, sandbox.consumer_token, sandbox.employee_token(0))
        client.transport.retry = FAST_RETRY
        for _ in range(5):
            client.vat_types()
        statuses = [r.status for r in sandbox.requests if r.path == "/v2/ledger/vatType"]
        assert statuses == [200] * 5
        tripletex_contract.assert_sandbox(sandbox)


def test_server_errors_are_ambiguous_on_post_and_retried_on_get(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    target.resolved(booking.parts[0].body)
    tripletex_sandbox.faults.error_rate(1.0, statuses=(503,))
    with pytest.raises(LedgerAmbiguous):
        target.send(vendor, booking, booking.parts[0])
    assert len(_posts(tripletex_sandbox)) == 1  # a POST is never sent twice
    with pytest.raises(LedgerUnavailable) as unavailable:
        target.find(vendor, booking, booking.parts[0], DAY)
    assert unavailable.value.kind == "ServerError" and not isinstance(unavailable.value, LedgerAmbiguous)


def test_validation_error_names_the_voucher_line(tripletex_sandbox, make_tripletex_target):
    tripletex_sandbox.lock_vat(3030, "3")
    target = make_tripletex_target()
    vendor, booking = _booking(target, case="rounding", day="2026-11-05")
    with pytest.raises(LedgerRefused) as refused:
        target.send(vendor, booking, booking.parts[0])
    reason = refused.value.reason
    assert "voucher line 2 (Salg: Salgsinntekt, næringsmidler 15 %, account 3030, VAT code 31)" in reason
    assert "postings.vatType: Kontoen 3030 er låst til mva-kode 3" in reason
    assert refused.value.kind == "ValidationError"


def test_unknown_department_is_refused_before_sending(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target, tripletex_vendor(department="99"))
    with pytest.raises(LedgerRefused) as refused:
        target.send(vendor, booking, booking.parts[0])
    assert "voucher line 1 (" in str(refused.value) and "department 99 does not exist" in str(refused.value)
    assert _posts(tripletex_sandbox) == []


def test_department_and_project_on_every_line_and_sub_ledger_customer(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target, tripletex_vendor(department="20", project="200"), case="every_payment_method",
                               day="2026-11-04")
    target.send(vendor, booking, booking.parts[0])
    lines = tripletex_sandbox.booked()[0]["lines"]
    assert {(l["department"], l["project"]) for l in lines} == {("20", "200")}
    sent = _posts(tripletex_sandbox)[0].body["postings"]
    rendered = booking.parts[0].body["postings"]
    customers = [(r["account"]["number"], s.get("customer")) for r, s in zip(rendered, sent) if "customer" in r]
    assert customers and all(number == 1500 and customer and set(customer) == {"id"} for number, customer in customers)
    assert not any("customer" in s or "supplier" in s for r, s in zip(rendered, sent) if r["account"]["number"] == 1920)


def test_reference_data_is_looked_up_once_per_target(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    vendor, booking = _booking(target)
    target.send(vendor, booking, booking.parts[0])
    _, second = _booking(target, version=2)
    target.send(vendor, second, second.parts[0])
    assert len([r for r in tripletex_sandbox.requests if r.path == "/v2/ledger/account"]) == 1
    assert len([r for r in tripletex_sandbox.requests if r.path == "/v2/token/session/:create"]) == 1


def test_missing_token_is_a_credential_refusal_naming_the_setting(tripletex_sandbox):
    target = TripletexTarget(lambda: tripletex_client(tripletex_sandbox.base_url, tripletex_sandbox.consumer_token, ""))
    vendor, booking = _booking(target)
    with pytest.raises(CredentialRefused) as refused:
        target.send(vendor, booking, booking.parts[0])
    assert "SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN" in str(refused.value)
    assert "CONSUMER_TOKEN" not in str(refused.value)
    named = TripletexTarget(lambda: tripletex_client(tripletex_sandbox.base_url, None, None,
                                                     credential_label="bergen-franchise"))
    with pytest.raises(CredentialRefused) as refused:
        named.identity()
    assert ("SETTLEMENT_TRIPLETEX_BERGEN_FRANCHISE_CONSUMER_TOKEN and "
            "SETTLEMENT_TRIPLETEX_BERGEN_FRANCHISE_EMPLOYEE_TOKEN") in str(refused.value)
    assert tripletex_sandbox.requests == []


def test_refused_tokens_are_a_credential_refusal(tripletex_sandbox):
    target = TripletexTarget(tripletex_client(tripletex_sandbox.base_url, tripletex_sandbox.consumer_token,
                                              "employee-revoked"))
    with pytest.raises(CredentialRefused) as refused:
        target.identity()
    assert "SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN" in str(refused.value) and "employee-revoked" not in str(refused.value)


def test_an_expired_session_is_renewed_once(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    assert target.identity()["company"] == "Bryggen Butikkdrift AS"
    tripletex_sandbox.expire_sessions()
    assert target.identity()["organization_number"] == "912345670"
    creates = [r for r in tripletex_sandbox.requests if r.path == "/v2/token/session/:create"]
    assert len(creates) == 2
    assert [r.status for r in tripletex_sandbox.requests if r.path.endswith("whoAmI")] == [200, 401, 200]


def test_tokens_never_reach_logs_or_the_request_hook(tripletex_sandbox, caplog):
    sent: list[SentRequest] = []
    client = tripletex_client(tripletex_sandbox.base_url, tripletex_sandbox.consumer_token,
                              tripletex_sandbox.employee_token(0), on_request=sent.append)
    target = TripletexTarget(client)
    with caplog.at_level(logging.DEBUG):
        vendor, booking = _booking(target)
        ref = target.send(vendor, booking, booking.parts[0])
        target.find(vendor, booking, booking.parts[0], DAY)
        target.attach(vendor, ref, "r.pdf", b"%PDF-1.4")
    session_token = client.credentials.session_token
    assert session_token and caplog.records
    text = caplog.text + repr(sent) + repr(client.credentials)
    for secret in (session_token, tripletex_sandbox.consumer_token, tripletex_sandbox.employee_token(0)):
        assert secret not in text
    assert any("/token/session/:create" in r.getMessage() or ":create" in r.getMessage() for r in caplog.records)
    assert {s.path for s in sent} >= {"/token/session/:create", "/ledger/voucher", "/ledger/account"}


def test_identity_and_two_companies_in_parallel_credentials(tripletex_sandbox, make_tripletex_target):
    first, second = make_tripletex_target(0), make_tripletex_target(1)
    assert first.identity()["company"] == "Bryggen Butikkdrift AS"
    assert second.identity() == {"employee": "Ola Nordmann", "employee_id": str(tripletex_sandbox.company(1).employee_id),
                                 "company": "Bergen Franchise AS", "company_id": str(tripletex_sandbox.company_ids[1]),
                                 "organization_number": "987654320"}
    vendor, booking = _booking(second)
    second.send(vendor, booking, booking.parts[0])
    assert tripletex_sandbox.booked(0) == [] and len(tripletex_sandbox.booked(1)) == 1


def test_check_names_what_would_refuse_the_vouchers(tripletex_sandbox, make_tripletex_target):
    target = make_tripletex_target()
    ledger = default_ledger()
    assert [p.message for p in target.check(tripletex_vendor(), ledger) if p.is_error] == []
    tripletex_sandbox.require(3000, department=True)
    tripletex_sandbox.lock_vat(1580, "3")
    tripletex_sandbox.deactivate_account(3090)
    tripletex_sandbox.close_period(date(2026, 11, 15))
    target = make_tripletex_target()  # reference data is read once per target
    errors = [p.message for p in target.check(tripletex_vendor(project="300"), ledger) if p.is_error]
    assert errors == [
        "Tripletex: project 300 of vendor bergen-bryggen does not exist",
        "Tripletex: account 1580 (key payment_card) is VAT-locked to code 3; its lines carry no VAT (code 0)",
        "Tripletex: account 3000 (key sales_high) requires a department: set department for vendor bergen-bryggen "
        "in vendors.toml",
        "Tripletex: account 3090 (key shipping) is inactive",
        "Tripletex: accounting period 11-2026 (2026-11-01 to 2026-12-01) is closed, but vendor bergen-bryggen settles "
        "from 2026-10-01: its days cannot be posted or corrected",
    ]
    warnings = [p.message for p in target.check(tripletex_vendor(), ledger) if not p.is_error]
    assert "Tripletex: 1920:10001 (key payment_bank) is booked on the plain account 1920 (a sub-account is Fiken's form)" in warnings


# --- the posting engine with the Tripletex target -------------------------------------------------


@pytest.fixture
def engine(tmp_path, make_tripletex_target):
    """The real engine (settle_day) on a real posting state, with the Tripletex target."""
    from datetime import datetime, timezone

    from settlement.posting.settle import PostingContext
    from settlement.store import open_engine
    from settlement.store.posting_state import PostingState

    target = make_tripletex_target()
    vouchers = {"voucher": golden_voucher("normal_day", "2026-11-02")}
    ctx = PostingContext(
        vouchers=lambda v, d: vouchers["voucher"], ledgers=lambda v: default_ledger(), targets=lambda v: target,
        report=lambda v, state, voucher, booking, at: b"%PDF-1.4 report of " + booking.key.encode(),
        state=PostingState(open_engine(f"sqlite:///{tmp_path / 'state.db'}")), report_dir=tmp_path / "reports",
        generated_at=datetime(2026, 11, 3, tzinfo=timezone.utc))
    return ctx, vouchers


def test_engine_posts_once_after_a_lost_answer_and_documents(tripletex_sandbox, engine):
    from settlement.posting.settle import settle_day

    ctx, _ = engine
    vendor = tripletex_vendor()
    tripletex_sandbox.faults.commit_then_drop(1, method="POST", path_contains="/ledger/voucher")
    first = settle_day(ctx, vendor, DAY)  # the lost answer is looked up and adopted in the same run
    assert first.status == "documented" and "voucher number 1-2026" in first.message
    booked = tripletex_sandbox.booked()
    assert len(booked) == 1 and booked[0]["attachments"] == 1
    assert len(_posts(tripletex_sandbox)) == 1
    before = len(tripletex_sandbox.requests)
    assert settle_day(ctx, vendor, DAY).status == "documented"
    assert len(tripletex_sandbox.requests) == before  # nothing asked on a settled day


def test_engine_corrects_by_reversal_and_holds_back_in_a_closed_period(tripletex_sandbox, engine):
    from settlement.posting.settle import settle_day

    ctx, vouchers = engine
    vendor = tripletex_vendor()
    assert settle_day(ctx, vendor, DAY).status == "documented"
    vouchers["voucher"] = golden_voucher("every_payment_method", "2026-11-04")
    vouchers["voucher"] = type(vouchers["voucher"])(vendor.id, DAY, vouchers["voucher"].lines)
    assert settle_day(ctx, vendor, DAY).status == "documented"
    booked = tripletex_sandbox.booked()
    assert [(v["reference"][-3:], v["reversed"], v["is_reversal"]) for v in booked] == [
        ("v1]", True, False), ("v1]", False, True), ("v2]", False, False)]
    vouchers["voucher"] = golden_voucher("normal_day", "2026-11-02")
    tripletex_sandbox.close_period(DAY)
    writes = [r for r in tripletex_sandbox.requests if r.method in ("POST", "PUT", "DELETE")]
    blocked = settle_day(ctx, vendor, DAY)
    assert blocked.status == "correction-blocked" and "accounting period" in blocked.message and "is closed" in blocked.message
    assert [r for r in tripletex_sandbox.requests if r.method in ("POST", "PUT", "DELETE")] == writes, "nothing sent"
