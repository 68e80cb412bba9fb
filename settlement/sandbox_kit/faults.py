"""Fault injection: errors, 429 bursts, latency and "commit then drop" on API requests.

Faults apply to /api/v2 requests only (not to the OAuth endpoints). Each armed fault is consumed by
the requests it matches, checked in this order: burst_429, error_rate, then latency (always) and
commit_then_drop (after the request took effect).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

MAX_LATENCY_SECONDS = 30.0  # keeps every request handler bounded


@dataclass
class _Drop:
    remaining: int
    method: str | None
    path_contains: str | None

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method.upper() == method)
                and (self.path_contains is None or self.path_contains in path))


class Faults:
    """The armed faults of one sandbox. All methods are thread-safe and return self for chaining."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> "Faults":
        """Disarm every fault."""
        with getattr(self, "_lock", threading.Lock()):
            self._rate = 0.0
            self._statuses: tuple[int, ...] = (500, 502, 503)
            self._random = random.Random(0)
            self._burst = 0
            self._retry_after: int | None = None
            self._latency = 0.0
            self._drops: list[_Drop] = []
        return self

    def error_rate(self, rate: float, statuses: tuple[int, ...] = (500, 502, 503), seed: int | None = 0) -> "Faults":
        """Answer this fraction of requests (0..1) with one of `statuses`, without acting on them."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._rate, self._statuses, self._random = rate, tuple(statuses), random.Random(seed)
        return self

    def burst_429(self, n: int, retry_after: int | None = 1) -> "Faults":
        """Answer the next n requests with 429 (and `Retry-After: retry_after` unless None)."""
        with self._lock:
            self._burst, self._retry_after = n, retry_after
        return self

    def latency(self, seconds: float) -> "Faults":
        """Hold every request this long before acting on it (capped at 30 s)."""
        with self._lock:
            self._latency = min(max(seconds, 0.0), MAX_LATENCY_SECONDS)
        return self

    def commit_then_drop(self, n: int = 1, method: str | None = None, path_contains: str | None = None) -> "Faults":
        """For the next n matching requests: act on them, then close the connection before answering."""
        with self._lock:
            self._drops.append(_Drop(n, method, path_contains))
        return self

    # --- used by the server -------------------------------------------------------------------

    def take_early_failure(self) -> tuple[int, dict[str, str]] | None:
        """The status (and headers) to answer instead of acting, or None to go on."""
        with self._lock:
            if self._burst > 0:
                self._burst -= 1
                headers = {} if self._retry_after is None else {"Retry-After": str(self._retry_after)}
                return 429, headers
            if self._rate > 0 and self._random.random() < self._rate:
                return self._random.choice(self._statuses), {}
        return None

    def before_acting(self) -> tuple[int, dict[str, str]] | None:
        """What a sandbox calls before acting on a request: the injected (status, headers) to answer
        instead, or None once the request was held for the armed latency."""
        early = self.take_early_failure()
        if early:
            return early
        latency = self.current_latency()
        if latency:
            time.sleep(latency)
        return None

    def current_latency(self) -> float:
        with self._lock:
            return self._latency

    def take_drop(self, method: str, path: str) -> bool:
        """True when this request's answer must be dropped (consumes one armed drop)."""
        with self._lock:
            for drop in self._drops:
                if drop.remaining > 0 and drop.matches(method, path):
                    drop.remaining -= 1
                    return True
        return False
