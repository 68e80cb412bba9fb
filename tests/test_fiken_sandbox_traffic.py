"""The sandbox's traffic rules and injected faults: one request at a time per token (else 429),
at most 4 requests per second, error rates, 429 bursts, latency and commit-then-drop."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox


@pytest.fixture
def sb():
    sandbox = FikenSandbox.start(port=0, max_seconds=120, rate_limit_per_second=None)
    yield sandbox
    sandbox.stop()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def in_parallel(calls) -> list:
    """Run the callables at the same moment in threads; their results in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i):
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_overlapping_requests_from_one_token_get_429(sb):
    sb.faults.latency(0.3)
    def get():
        return requests.get(sb.base_url + "/user", headers=auth(sb.personal_token), timeout=10).status_code
    statuses = in_parallel([get, get, get])
    assert sorted(statuses) == [200, 429, 429]
    # Both refused requests overlap the one being served (the quick 429s need not overlap each other).
    pairs = sb.overlaps()
    assert len(pairs) == 2
    for first, second in pairs:
        assert first.token == second.token == sb.personal_token
        assert sorted([first.status, second.status]) == [200, 429]


def test_different_tokens_may_overlap(sb):
    sb.faults.latency(0.3)
    statuses = in_parallel([
        lambda: requests.get(sb.base_url + "/user", headers=auth(sb.personal_token), timeout=10).status_code,
        lambda: requests.get(sb.base_url + "/user", headers=auth(sb.other_personal_token), timeout=10).status_code,
    ])
    assert statuses == [200, 200] and sb.overlaps() == []


def test_a_serial_client_on_keep_alive_is_never_concurrent(sb):
    with requests.Session() as session:
        session.headers.update(auth(sb.personal_token))
        statuses = {session.get(sb.base_url + "/user").status_code for _ in range(30)}
    assert statuses == {200} and sb.overlaps() == []


def test_more_than_four_requests_per_second_are_slowed():
    sandbox = FikenSandbox.start(port=0, max_seconds=60)  # default: 4 per second, slowed
    try:
        with requests.Session() as session:
            session.headers.update(auth(sandbox.personal_token))
            started = time.monotonic()
            assert {session.get(sandbox.base_url + "/user").status_code for _ in range(9)} == {200}
            elapsed = time.monotonic() - started
        assert elapsed >= 1.9, f"9 requests took only {elapsed:.2f} s; 4/s allows 8 in the first 2 windows"
    finally:
        sandbox.stop()


def test_rate_limit_can_answer_429_instead():
    sandbox = FikenSandbox.start(port=0, max_seconds=60, rate_limit_per_second=4, rate_limit_mode="429")
    try:
        with requests.Session() as session:
            session.headers.update(auth(sandbox.personal_token))
            replies = [session.get(sandbox.base_url + "/user") for _ in range(6)]
        assert [r.status_code for r in replies[:4]] == [200] * 4
        assert replies[4].status_code == 429 and replies[4].headers["Retry-After"] == "1"
    finally:
        sandbox.stop()


def test_burst_429_then_normal(sb):
    sb.faults.burst_429(2, retry_after=3)
    with requests.Session() as session:
        session.headers.update(auth(sb.personal_token))
        replies = [session.get(sb.base_url + "/user") for _ in range(3)]
    assert [r.status_code for r in replies] == [429, 429, 200]
    assert replies[0].headers["Retry-After"] == "3"


def test_error_rate_is_seeded_and_has_no_effect(sb):
    sb.faults.error_rate(0.5, statuses=(502, 503), seed=7)
    body = {"journalEntries": [{"description": "x", "date": "2026-03-02",
                                "lines": [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}]}]}
    with requests.Session() as session:
        session.headers.update(auth(sb.personal_token))
        statuses = [session.post(sb.base_url + "/companies/demo-as/generalJournalEntries", json=body).status_code
                    for _ in range(20)]
    assert set(statuses) <= {201, 502, 503} and (502 in statuses or 503 in statuses)
    assert 3 <= statuses.count(201) <= 17
    assert len(sb.journal_entries("demo-as")) == statuses.count(201)  # failed requests booked nothing
    sb.faults.clear()
    with requests.Session() as session:
        session.headers.update(auth(sb.personal_token))
        assert {session.get(sb.base_url + "/user").status_code for _ in range(10)} == {200}


def test_commit_then_drop_books_but_never_answers(sb):
    sb.faults.commit_then_drop(1, method="POST", path_contains="generalJournalEntries")
    body = {"journalEntries": [{"description": "Dagsoppgjør", "date": "2026-03-02",
                                "lines": [{"amount": 100, "debitAccount": "1901", "creditAccount": "1900"}]}]}
    with requests.Session() as session:
        session.headers.update(auth(sb.personal_token))
        assert session.get(sb.base_url + "/user").status_code == 200  # not matched: answered
        with pytest.raises(requests.ConnectionError):
            session.post(sb.base_url + "/companies/demo-as/generalJournalEntries", json=body)
        # The entry exists although the client never saw a 201: a lookup finds it.
        (entry,) = session.get(sb.base_url + "/companies/demo-as/journalEntries", params={"date": "2026-03-02"}).json()
        assert entry["description"].endswith("Dagsoppgjør")
        assert session.post(sb.base_url + "/companies/demo-as/generalJournalEntries", json=body).status_code == 201
    dropped = [r for r in sb.requests if r.dropped]
    assert len(dropped) == 1 and dropped[0].method == "POST" and dropped[0].status == 201
