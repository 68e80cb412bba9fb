"""Tripletex's rate limit: N requests per period for each employee and API consumer; the state is
sent as X-Rate-Limit-Limit / -Remaining / -Reset (seconds left in the period), and once the limit is
hit every request is answered 429 for the rest of the period (spec info text). The numbers are not
published: the sandbox's are settings.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Window:
    started: float
    used: int = 0


class RateLimiter:
    """limit: requests per period (None: unlimited, headers still sent); period: seconds.
    omit_reset_on_429: leave X-Rate-Limit-Reset out of 429 answers, as reported live (ISSUE#103)."""

    def __init__(self, limit: int | None, period: float, omit_reset_on_429: bool = True) -> None:
        self.limit, self.period, self.omit_reset_on_429 = limit, period, omit_reset_on_429
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def take(self, who: str) -> tuple[bool, dict[str, str]]:
        """(allowed, headers) for one request of `who` now."""
        with self._lock:
            now = time.monotonic()
            window = self._windows.get(who)
            if window is None or now - window.started >= self.period:
                window = self._windows[who] = _Window(now)
            window.used += 1
            limit = self.limit if self.limit is not None else 1_000_000
            allowed = window.used <= limit
            reset = max(1, math.ceil(window.started + self.period - now))
            headers = {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Remaining": str(max(0, limit - window.used))}
            if allowed or not self.omit_reset_on_429:
                headers["X-Rate-Limit-Reset"] = str(reset)
            return allowed, headers
