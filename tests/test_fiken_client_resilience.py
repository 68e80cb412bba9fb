"""The client under load and faults: one request in flight, at most 4 per second, retries of 429 and
5xx with backoff, and non-idempotent POSTs that are never blindly repeated."""

from __future__ import annotations

import threading
import time

import pytest

from settlement.targets.fiken import AmbiguousResult, FikenConnectionError, ServerError
from settlement.targets.pacing import LocalGate
from settlement.targets.retry import RetryPolicy

MARK = "[settlement:oslo-sentrum:2026-11-03:v1]"
BODY = {
    "description": f"Dagsoppgjør {MARK}",
    "journalEntries": [{
        "description": f"Dagsoppgjør {MARK}", "date": "2026-11-03",
        "lines": [{"amount": 5000, "debitAccount": "1900", "creditAccount": "1920:10001"}],
    }],
}


def run_in_threads(count: int, work) -> list[BaseException]:
    failures: list[BaseException] = []

    def guarded():
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            failures.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def recorded_after_work(sandbox, count: int, seconds: float = 3.0) -> list:
    """The sandbox records a request when it has finished with it, which after a client-side
    timeout is later than the client gave up; wait (bounded) until `count` are recorded."""
    deadline = time.monotonic() + seconds
    while len(sandbox.requests) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return sandbox.requests


def max_in_any_second(arrivals: list[float]) -> int:
    arrivals = sorted(arrivals)
    # 20 ms of slack for the gap between the client's start and the server's arrival stamp.
    return max(sum(1 for t in arrivals[i:] if t < start + 0.98) for i, start in enumerate(arrivals))


def test_four_threads_sharing_a_client_never_overlap_and_stay_within_four_per_second(fiken_sandbox, make_client):
    fiken_sandbox.faults.latency(0.05)
    client = make_client()
    failures = run_in_threads(4, lambda: [client.user() for _ in range(3)])
    assert failures == []
    recorded = fiken_sandbox.requests
    assert len(recorded) == 12
    assert fiken_sandbox.overlaps() == []
    assert max_in_any_second([r.arrived for r in recorded]) <= 4


def test_clients_sharing_one_gate_do_not_overlap_and_separate_gates_do_collide(fiken_sandbox, make_client):
    """The gate is what serialises: without a shared gate the sandbox sees concurrent requests."""
    fiken_sandbox.faults.latency(0.2)
    shared = LocalGate(per_second=50)
    first, second = make_client(gate=shared), make_client(gate=shared)
    assert run_in_threads(2, lambda: [c.user() for c in (first, second)]) == []
    assert fiken_sandbox.overlaps() == []
    assert all(r.status == 200 for r in fiken_sandbox.requests)

    once = RetryPolicy(attempts=1)
    third = make_client(gate=LocalGate(per_second=50), retry=once)
    fourth = make_client(gate=LocalGate(per_second=50), retry=once)
    barrier = threading.Barrier(2)

    def together(client):
        barrier.wait()
        client.user()

    clients = iter([third, fourth])
    lock = threading.Lock()

    def next_client_together():
        with lock:
            client = next(clients)
        together(client)

    failures = run_in_threads(2, next_client_together)
    # Fiken (and the sandbox) answer 429 to the request that arrives while another is in flight.
    assert [r.status for r in fiken_sandbox.requests[-2:]].count(429) == 1
    assert len(failures) == 1


def test_server_errors_on_reads_are_retried_until_they_succeed(fiken_sandbox, make_client):
    # Seed 3 starts with four failures in a row, so a request needs several retries.
    fiken_sandbox.faults.error_rate(0.5, statuses=(500, 502, 503), seed=3)
    client = make_client(retry=RetryPolicy(attempts=8, base_seconds=0.01, cap_seconds=0.05))
    for _ in range(6):
        assert client.user().email
    statuses = [r.status for r in fiken_sandbox.requests]
    assert all(s >= 500 for s in statuses[:4]) and statuses[4] == 200
    assert statuses.count(200) == 6


def test_reads_give_up_with_server_error_after_the_attempts(fiken_sandbox, make_client):
    fiken_sandbox.faults.error_rate(1.0, statuses=(503,))
    with pytest.raises(ServerError) as caught:
        make_client(retry=RetryPolicy(attempts=3, base_seconds=0.01, cap_seconds=0.02)).user()
    assert caught.value.status == 503
    assert len(fiken_sandbox.requests) == 3


def test_429_is_retried_after_retry_after_even_for_a_post(fiken_sandbox, make_client):
    fiken_sandbox.faults.burst_429(2, retry_after=1)
    client = make_client()
    transaction_id = client.create_general_journal_entry("demo-as", BODY)
    posts = [r for r in fiken_sandbox.requests if r.method == "POST"]
    assert [r.status for r in posts] == [429, 429, 201]
    assert posts[1].arrived - posts[0].arrived >= 1.0 and posts[2].arrived - posts[1].arrived >= 1.0
    assert [t["transactionId"] for t in fiken_sandbox.transactions("demo-as")] == [transaction_id]


def test_server_error_on_a_post_is_ambiguous_and_not_retried(fiken_sandbox, make_client):
    fiken_sandbox.faults.error_rate(1.0, statuses=(500,))
    with pytest.raises(AmbiguousResult) as caught:
        make_client().create_general_journal_entry("demo-as", BODY)
    assert caught.value.status == 500
    assert len([r for r in fiken_sandbox.requests if r.method == "POST"]) == 1


def test_post_whose_answer_is_lost_after_commit_raises_ambiguous_result_and_is_not_retried(fiken_sandbox, make_client):
    fiken_sandbox.faults.commit_then_drop(1, method="POST", path_contains="generalJournalEntries")
    client = make_client()
    with pytest.raises(AmbiguousResult) as caught:
        client.create_general_journal_entry("demo-as", BODY)
    assert "check in Fiken" in str(caught.value)
    assert len([r for r in fiken_sandbox.requests if r.method == "POST"]) == 1
    # Fiken did book it: the marker finds it, which is how a caller resolves the ambiguity.
    booked = fiken_sandbox.journal_entries("demo-as")
    assert len(booked) == 1 and MARK in booked[0]["description"]
    assert [e["journalEntryId"] for e in client.journal_entries("demo-as")] == [booked[0]["journalEntryId"]]


def test_read_whose_answer_is_lost_is_simply_retried(fiken_sandbox, make_client):
    fiken_sandbox.faults.commit_then_drop(1, method="GET", path_contains="/user")
    assert make_client().user().email
    assert [r.dropped for r in fiken_sandbox.requests] == [True, False]


def test_read_timeout_on_a_post_is_ambiguous_and_not_retried(fiken_sandbox, make_client):
    fiken_sandbox.faults.latency(0.5)
    client = make_client(read_timeout=0.2)
    with pytest.raises(AmbiguousResult) as caught:
        client.create_general_journal_entry("demo-as", BODY)
    assert "read timeout" in str(caught.value)
    assert [r.method for r in recorded_after_work(fiken_sandbox, 1)] == ["POST"]
    assert len(fiken_sandbox.journal_entries("demo-as")) == 1  # Fiken did book it


def test_read_timeout_on_a_get_is_retried_then_reported(fiken_sandbox, make_client):
    fiken_sandbox.faults.latency(0.4)
    # Backoff longer than the server's remaining work, so the retry does not collide with it.
    client = make_client(read_timeout=0.15, retry=RetryPolicy(attempts=2, base_seconds=0.8, cap_seconds=0.8))
    with pytest.raises(FikenConnectionError) as caught:
        client.user()
    assert "timed out" in str(caught.value)
    assert [r.method for r in recorded_after_work(fiken_sandbox, 2)] == ["GET", "GET"]


def test_threads_under_5xx_429_and_latency_all_succeed_without_ever_overlapping(fiken_sandbox, make_client):
    # Seed 26 at rate 0.4 draws each of 500, 502 and 503 before the fourth success.
    fiken_sandbox.faults.error_rate(0.4, statuses=(500, 502, 503), seed=26).latency(0.02).burst_429(2, retry_after=0)
    client = make_client(retry=RetryPolicy(attempts=10, base_seconds=0.01, cap_seconds=0.05))
    assert run_in_threads(4, lambda: client.user()) == []
    statuses = [r.status for r in fiken_sandbox.requests]
    assert sorted(set(statuses)) == [200, 429, 500, 502, 503] and statuses.count(200) == 4
    assert fiken_sandbox.overlaps() == []
    assert max_in_any_second([r.arrived for r in fiken_sandbox.requests]) <= 4
