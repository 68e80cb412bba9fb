"""When and how long to wait before trying a request again.

What is safe to retry (fiken-api.md §7; decided here, documented in docs/fiken.md):
- Nothing reached Fiken (connection refused, DNS, connect timeout): any method may be retried.
- 429: Fiken turned the request away before doing anything, so any method may be retried,
  after `Retry-After` when Fiken sends it.
- 5xx, read timeout, connection dropped after sending: retried for GET only. For POST/PATCH Fiken
  may already have booked it, and it documents no idempotency key, so the client raises
  AmbiguousResult instead of guessing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped; `attempts` counts the first try too."""

    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    # A Retry-After longer than this is not waited for; the error is raised instead.
    max_retry_after: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)

    def wait_for_429(self, attempt: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait after a 429, or None when Retry-After asks for longer than we wait."""
        if retry_after is None:
            return self.backoff(attempt, rng)
        if retry_after > self.max_retry_after:
            return None
        # A little jitter on top, so threads or processes told the same time do not return together.
        return retry_after + rng.uniform(0, self.base_seconds / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(0.0, seconds)
