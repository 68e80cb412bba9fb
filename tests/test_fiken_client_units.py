"""The Fiken client's pure parts: pagination, pacing arithmetic, Retry-After, redaction, markers,
and the judgements behind test-connection."""

from __future__ import annotations

import logging
import random
from datetime import date, datetime, timezone

import pytest

from settlement.domain.chart import LedgerRow
from settlement.targets.fiken.connection_check import (
    Status,
    accounts_check,
    foreign_bookings,
    foreign_check,
    missing_accounts,
    start_date_check,
)
from settlement.targets.fiken.markers import is_ours
from settlement.targets.pacing import LocalGate
from settlement.targets.fiken.pagination import Page, iterate_pages
from settlement.targets.fiken.redaction import RedactingFilter, redact
from settlement.targets.retry import RetryPolicy, parse_retry_after


def test_pages_are_walked_from_page_zero_to_the_reported_page_count():
    asked = []

    def fetch(page, size):
        asked.append((page, size))
        items = list(range(page * size, min(page * size + size, 23)))
        return Page(items, page_count=3, result_count=23)

    assert list(iterate_pages(fetch, 10)) == list(range(23))
    assert asked == [(0, 10), (1, 10), (2, 10)]


def test_without_paging_headers_a_short_page_ends_the_walk():
    def fetch(page, size):
        return Page([page] * (size if page < 2 else 1), None, None)

    assert list(iterate_pages(fetch, 5)) == [0] * 5 + [1] * 5 + [2]


def test_page_size_above_fikens_maximum_is_refused():
    with pytest.raises(ValueError):
        list(iterate_pages(lambda p, s: Page([], 1, 0), 101))


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_gate_lets_four_requests_start_in_a_second_and_makes_the_fifth_wait():
    clock = FakeClock()
    gate = LocalGate(4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(9):
        with gate.slot():
            starts.append(clock.now)
        clock.now += 0.01  # each request takes 10 ms
    for i in range(4, len(starts)):
        assert starts[i] - starts[i - 4] >= 1.0
    assert clock.slept  # the fifth one had to wait


def test_retry_after_in_seconds_and_as_http_date():
    assert parse_retry_after("3") == 3.0
    now = datetime(2026, 11, 2, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Mon, 02 Nov 2026 12:00:07 GMT", now) == 7.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(attempts=10, base_seconds=1.0, cap_seconds=8.0)
    rng = random.Random(1)
    waits = [policy.backoff(n, rng) for n in range(1, 7)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(8.0, 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert policy.wait_for_429(1, 2.0, rng) >= 2.0
    assert policy.wait_for_429(1, 500.0, rng) is None  # longer than we are willing to wait


def test_redaction_removes_bearer_basic_and_token_fields():
    text = ("headers {'Authorization': 'Bearer abc.def', 'X': 'Basic Zm9vOmJhcg=='} body "
            'grant_type=authorization_code&code=XYZ123&state=s {"access_token": "tok1", "refresh_token": "ref2"}')
    cleaned = redact(text)
    for secret in ("abc.def", "Zm9vOmJhcg==", "XYZ123", "tok1", "ref2"):
        assert secret not in cleaned
    assert "grant_type=authorization_code" in cleaned and "state=s" in cleaned


def test_redacting_filter_rewrites_records_with_arguments():
    record = logging.LogRecord("requests_oauthlib", logging.DEBUG, __file__, 1,
                               "Obtained token %s.", ({"access_token": "secret-1"},), None)
    RedactingFilter().filter(record)
    assert "secret-1" not in record.getMessage()


def test_marker_recognises_settlement_keys_only():
    assert is_ours("Fri postering registrert via API: Kasse [settlement:oslo-sentrum:2026-11-02:v1]")
    assert is_ours("[settlement:oslo-sentrum:2026-11-02:v1]")
    assert not is_ours("Kasseoppgjør 2. november")
    assert not is_ours(None) and not is_ours("")


LEDGER = {
    "payment_cash": LedgerRow("payment_cash", "1900", "Kontanter", "chart/default_ledger.csv", 14),
    "payment_bank": LedgerRow("payment_bank", "1920:10001", "Bank", "chart/default_ledger.csv", 19),
    "sales_high": LedgerRow("sales_high", "3000", "Salg", "chart/vendors/oslo.csv", 2, overridden=True),
}


def test_missing_accounts_names_key_and_file_line():
    assert missing_accounts(LEDGER, ["1900", "3000", "1920"]) == [LEDGER["payment_bank"]]
    result = accounts_check(LEDGER, ["1900", "3000"])
    assert result.status is Status.FAILED
    assert result.details == ("missing account 1920:10001 (ledger key payment_bank, chart/default_ledger.csv:19)",)
    assert accounts_check(LEDGER, ["1900", "3000", "1920:10001"]).status is Status.OK


def test_start_date_before_accounting_start_fails():
    assert start_date_check(date(2025, 12, 31), date(2026, 1, 1)).status is Status.FAILED
    assert start_date_check(date(2026, 1, 1), date(2026, 1, 1)).status is Status.OK


def test_foreign_bookings_exclude_ours_and_count_a_sales_entries_with_the_sale():
    entries = [
        {"journalEntryId": 1, "transactionId": 10, "description": "Fri postering registrert via API: x [settlement:a:2026-11-02:v1]"},
        {"journalEntryId": 2, "transactionId": 20, "description": "Salg 2026-11-02"},  # behind our sale
        {"journalEntryId": 3, "transactionId": 30, "description": "Husleie"},
        {"journalEntryId": 4, "transactionId": 40, "description": "Salg F-17"},  # reported as sale F-17
    ]
    sales = [
        {"saleId": 5, "transactionId": 20, "saleNumber": "[settlement:a:2026-11-02:v1]"},
        {"saleId": 6, "transactionId": 40, "saleNumber": "F-17"},
        {"saleId": 7, "transactionId": 50, "saleNumber": "F-18", "deleted": True},
    ]
    foreign_entries, foreign_sales = foreign_bookings(entries, sales)
    assert [e["journalEntryId"] for e in foreign_entries] == [3]
    assert [s["saleId"] for s in foreign_sales] == [6]
    assert foreign_check(date(2026, 11, 1), entries, sales).status is Status.WARNING
    assert foreign_check(date(2026, 11, 1), entries[:1], sales[:1]).status is Status.OK
