"""Login attempts limited per user name and per address, in bounded memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_FAILURES = 5  # failed logins allowed per key in WINDOW_SECONDS
WINDOW_SECONDS = 300.0
MAX_KEYS = 10_000  # keys remembered; the least recently failed is forgotten first


class LoginLimiter:
    """Counts failed logins per key ("user:anna", "addr:10.0.0.7") in a sliding window.

    Memory stays bounded however many names or addresses are tried: at most `max_keys` keys of at
    most `max_failures` timestamps each.
    """

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS, max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.window, self.max_keys, self.clock = max_failures, window, max_keys, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key, deque())
        while found and now - found[0] >= self.window:
            found.popleft()
        return found

    def blocked(self, *keys: str) -> bool:
        """Whether any of the keys has used up its failures in the window."""
        with self._lock:
            now = self.clock()
            return any(len(self._recent(key, now)) >= self.max_failures for key in keys)

    def failed(self, *keys: str) -> None:
        """Count one failed login against each key."""
        with self._lock:
            now = self.clock()
            for key in keys:
                found = self._recent(key, now)
                found.append(now)
                while len(found) > self.max_failures:
                    found.popleft()
                self._failures[key] = found
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def __len__(self) -> int:
        return len(self._failures)
