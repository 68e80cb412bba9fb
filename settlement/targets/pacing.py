"""Request gates: at most one request in flight per credential, and at most N starts per second.

Fiken allows a single concurrent request per credential and may slow clients above four requests per
second (fiken-api.md §7.1). Every request the client sends passes through `gate.slot()`, a context
manager held for the whole request. `RequestGate` is the interface; `LocalGate` serialises the
threads of one process. A gate shared across processes (for example one built on a PostgreSQL
advisory lock) only has to implement the same `slot()`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ContextManager, Protocol


class RequestGate(Protocol):
    """Admits one request at a time; `slot()` returns once the request may start."""

    def slot(self) -> ContextManager[None]:
        """Hold this while the request is in flight; leaving it lets the next request start."""
        ...


class LocalGate:
    """One lock plus a sliding-window pacer, shared by every thread that uses the same client.

    `per_second` starts are allowed in any window of one second: before a request starts, the gate
    waits until the start `per_second` requests ago is at least one second old. The clock and sleep
    are injectable so the pacing can be reasoned about without real time.
    """

    def __init__(
        self,
        per_second: int = 4,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self._lock = threading.Lock()
        self._starts: deque[float] = deque(maxlen=per_second)
        self._clock = clock
        self._sleep = sleep

    def delay(self, now: float) -> float:
        """Seconds to wait at `now` before another request may start (0 when it may start now)."""
        if len(self._starts) < self.per_second:
            return 0.0
        return max(0.0, self._starts[0] + 1.0 - now)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            # A few extra milliseconds keep the server-side view (arrival times) within the limit too.
            wait = self.delay(self._clock())
            if wait > 0:
                self._sleep(wait + 0.01)
            self._starts.append(self._clock())
            yield
