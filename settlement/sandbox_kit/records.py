"""What the sandbox remembers about every request it received, for tests to inspect afterwards."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class RecordedRequest:
    """One request as the sandbox saw it.

    path is the request path without the query (e.g. "/api/v2/companies/demo-as/accounts");
    body is a dict for JSON and form bodies, the raw bytes otherwise, None when empty; token is the
    bearer token sent (None without one); status is the status the sandbox answered or, for a dropped
    connection, the one it would have answered; arrived/finished are time.monotonic() values.
    request_id is the X-Request-ID header (our client always sends one, so it tells the client's
    requests from a test's hand-made ones); content_type is the request's Content-Type; response is
    the JSON body answered (None when empty or not JSON), for contract checks of the answers.
    """

    method: str
    path: str
    query: dict
    body: bytes | dict | None
    token: str | None
    status: int
    arrived: float
    finished: float
    dropped: bool = False  # True when a fault closed the connection without answering
    request_id: str | None = None
    content_type: str = ""
    response: Any = None


class RequestLog:
    """A thread-safe list of RecordedRequest in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, record: RecordedRequest) -> None:
        with self._lock:
            self._items.append(record)
            self._items.sort(key=lambda r: r.arrived)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def overlaps(self) -> list[tuple[RecordedRequest, RecordedRequest]]:
        """Pairs of requests sent with the same token whose [arrived, finished] intervals overlap."""
        items = [r for r in self.snapshot() if r.token]
        pairs = []
        for i, first in enumerate(items):
            for second in items[i + 1:]:
                if second.token == first.token and second.arrived < first.finished and first.arrived < second.finished:
                    pairs.append((first, second))
        return pairs
