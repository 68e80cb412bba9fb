"""Counters kept by `serve`, and the Prometheus text exposition of them (format version 0.0.4).

Events (Fiken requests, imports, postings, runs, reloads) are counted as they happen; the
per-vendor standing (last settled day, days waiting, blocked, missing and held days) is settlement.posting.status,
the same as `settlement status` shows, read when /metrics is asked for.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from datetime import date, datetime, timezone

from settlement.targets.fiken.transport import SentRequest
from settlement.posting.status import VendorStatus, vendor_statuses
from settlement.store.posting_state import PostingState
from settlement.domain.vendors import Vendor

# Upper bounds (seconds) of the Fiken latency histogram buckets.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def vendor_standings(vendors: list[Vendor], state: PostingState, now: datetime) -> list[VendorStatus]:
    """What the vendor gauges show: each vendor's status (settlement.posting.status)."""
    return vendor_statuses(state, vendors, now)


def _labels(**labels: object) -> str:
    def escape(value: object) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in labels.items()) + "}" if labels else ""


class Metrics:
    """Thread-safe event counters; `render()` writes them with the vendor standings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fiken_requests: Counter[tuple[str, str]] = Counter()
        self.fiken_buckets = [0] * len(LATENCY_BUCKETS)
        self.fiken_seconds = 0.0
        self.fiken_count = 0
        self.imports: Counter[tuple[str, str, str]] = Counter()
        self.postings: Counter[tuple[str, str]] = Counter()
        self.runs: Counter[tuple[str, str]] = Counter()
        self.reloads: Counter[str] = Counter()
        self.started = datetime.now(timezone.utc)

    def observe_fiken(self, sent: SentRequest) -> None:
        """The Fiken transport's `on_request` hook: one call per attempt."""
        with self._lock:
            self.fiken_requests[(sent.method, str(sent.status))] += 1
            index = bisect_left(LATENCY_BUCKETS, sent.seconds)
            if index < len(LATENCY_BUCKETS):
                self.fiken_buckets[index] += 1
            self.fiken_seconds += sent.seconds
            self.fiken_count += 1

    def count_import(self, vendor: str, source: str, outcome: str) -> None:
        with self._lock:
            self.imports[(vendor, source, outcome)] += 1

    def count_posting(self, vendor: str, status: str) -> None:
        with self._lock:
            self.postings[(vendor, status)] += 1

    def count_run(self, vendor: str, outcome: str) -> None:
        with self._lock:
            self.runs[(vendor, outcome)] += 1

    def count_reload(self, outcome: str) -> None:
        with self._lock:
            self.reloads[outcome] += 1

    def render(self, standings: list[VendorStatus]) -> str:
        out: list[str] = []

        def family(name: str, kind: str, help_text: str, samples: list[tuple[str, object]]) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")
            out.extend(f"{name}{labels} {value}" for labels, value in samples)

        family("settlement_vendor_last_settled_day_timestamp_seconds", "gauge",
               "Midnight UTC of the newest settled business day (0: none yet).",
               [(_labels(vendor=s.vendor), _midnight(s.last_settled)) for s in standings])
        family("settlement_vendor_days_waiting", "gauge", "Closed business days not yet settled.",
               [(_labels(vendor=s.vendor), len(s.waiting)) for s in standings])
        family("settlement_vendor_days_blocked", "gauge",
               "Days needing attention: blocked, refused by Fiken, interrupted while posting, or a correction that failed.",
               [(_labels(vendor=s.vendor), len(s.attention)) for s in standings])
        family("settlement_vendor_days_missing", "gauge",
               "Closed days the vendor was open with no sales data (waiting for the export or `day close`).",
               [(_labels(vendor=s.vendor), len(s.missing)) for s in standings])
        family("settlement_vendor_days_held", "gauge",
               "Posted days whose data changed, held for `settlement approve` (corrections = \"hold\").",
               [(_labels(vendor=s.vendor), len(s.held)) for s in standings])
        with self._lock:
            family("settlement_fiken_requests_total", "counter", "Requests sent to Fiken, by method and HTTP status.",
                   [(_labels(method=m, status=s), n) for (m, s), n in sorted(self.fiken_requests.items())])
            cumulative, buckets = 0, []
            for bound, count in zip(LATENCY_BUCKETS, self.fiken_buckets):
                cumulative += count
                buckets.append((_labels(le=bound), cumulative))
            out.append("# HELP settlement_fiken_request_seconds Time from sending a Fiken request to its answer.")
            out.append("# TYPE settlement_fiken_request_seconds histogram")
            out.extend(f"settlement_fiken_request_seconds_bucket{labels} {n}" for labels, n in buckets)
            out.append(f'settlement_fiken_request_seconds_bucket{{le="+Inf"}} {self.fiken_count}')
            out.append(f"settlement_fiken_request_seconds_sum {self.fiken_seconds:.6f}")
            out.append(f"settlement_fiken_request_seconds_count {self.fiken_count}")
            family("settlement_imports_total", "counter", "Source imports by vendor, source and outcome.",
                   [(_labels(vendor=v, source=s, outcome=o), n) for (v, s, o), n in sorted(self.imports.items())])
            family("settlement_postings_total", "counter", "Vendor-days settled by this process, by resulting status.",
                   [(_labels(vendor=v, status=s), n) for (v, s), n in sorted(self.postings.items())])
            family("settlement_vendor_runs_total", "counter", "Scheduled vendor runs, by outcome.",
                   [(_labels(vendor=v, outcome=o), n) for (v, o), n in sorted(self.runs.items())])
            family("settlement_reloads_total", "counter", "Configuration reloads, by outcome.",
                   [(_labels(outcome=o), n) for o, n in sorted(self.reloads.items())])
        family("settlement_start_time_seconds", "gauge", "When this process started (unix time).",
               [("", f"{self.started.timestamp():.3f}")])
        return "\n".join(out) + "\n"


def _midnight(day: date | None) -> int:
    if day is None:
        return 0
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
