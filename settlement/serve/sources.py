"""Bringing a vendor's sources up to date before its days are settled: WooCommerce, drop folder."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from settlement.wiring import App
from settlement.serve.dropfolder import IMPORTED, REJECTED, WAITING, DroppedFile, process_drop_folder
from settlement.serve.metrics import Metrics
from settlement.sources.woocommerce.client import WooError
from settlement.sources.woocommerce.sync import pull_webshop
from settlement.domain.vendors import Vendor

log = logging.getLogger("settlement.serve")
# A run waits at most this many settle periods for drop-folder files still being written.
WAIT_SETTLE_PERIODS = 10


def sync_sources(app: App, vendor: Vendor, metrics: Metrics, stopping: threading.Event | None = None) -> bool:
    """Pull the webshop and import the drop folder. False when the webshop could not be read or a
    drop-folder file is still being written: settling now would post days without those sales, so
    they wait for the next run. `stopping` cuts short the wait for files being written."""
    complete = True
    if vendor.woocommerce is not None:
        complete = _pull_woocommerce(app, vendor, metrics)
    if vendor.drop_folder:
        complete = _read_drop_folder(app, vendor, Path(vendor.drop_folder), metrics, stopping) and complete
    return complete


def _pull_woocommerce(app: App, vendor: Vendor, metrics: Metrics) -> bool:
    extra = {"vendor": vendor.id}
    try:
        outcome = pull_webshop(app.engine, vendor, max_day_ore=app.max_day_ore)
    except WooError as exc:
        log.error("WooCommerce not read: %s; this vendor's days wait for the next run", exc, extra=extra)
        metrics.count_import(vendor.id, "woocommerce", "failed")
        return False
    if not outcome.stored:
        for problem in outcome.problems:
            log.error("WooCommerce: %s", problem, extra=extra)
        log.error("WooCommerce: nothing imported (%d problem(s)); this vendor's days wait for the next run",
                  outcome.errors, extra=extra)
        metrics.count_import(vendor.id, "woocommerce", "failed")
        return False
    sync = outcome.webshop
    days = ", ".join(d.isoformat() for d in sorted(outcome.days)) or "none"
    log.info("WooCommerce: read %d order(s), booked %d order(s) and %d refund(s); business days: %s",
             sync.orders_read, sync.orders_booked, sync.refunds_booked, days, extra=extra)
    metrics.count_import(vendor.id, "woocommerce", "imported")
    return True


def _read_drop_folder(app: App, vendor: Vendor, folder: Path, metrics: Metrics,
                      stopping: threading.Event | None = None) -> bool:
    """Import the folder's complete files; wait (up to WAIT_SETTLE_PERIODS settle periods) for the
    ones still being written. False when some are still not complete then."""
    settle = app.settings.drop_settle_seconds
    deadline = time.monotonic() + WAIT_SETTLE_PERIODS * settle
    stopping = stopping or threading.Event()
    announced: set[str] = set()
    while True:
        waiting = []
        for dropped in process_drop_folder(app, vendor, folder, settle):
            if dropped.outcome == WAITING:
                waiting.append(dropped)
            else:
                _log_dropped(vendor, dropped, metrics)
        if not waiting:
            return True
        pauses = [w.ready_in for w in waiting if w.ready_in is not None]
        left = deadline - time.monotonic()
        if not pauses or left <= 0 or stopping.is_set():
            break
        for dropped in waiting:
            if dropped.name not in announced:
                announced.add(dropped.name)
                log.info("drop folder: waiting: %s", dropped.detail,
                         extra={"vendor": vendor.id, "file": dropped.name})
        if stopping.wait(min(max(min(pauses), 0.05), left)):
            break
    for dropped in waiting:
        log.error("drop folder: not taken: %s; this vendor's days wait for the next run", dropped.detail,
                  extra={"vendor": vendor.id, "file": dropped.name})
    return False


def _log_dropped(vendor: Vendor, dropped: DroppedFile, metrics: Metrics) -> None:
    extra = {"vendor": vendor.id, "file": dropped.name}
    metrics.count_import(vendor.id, dropped.source, dropped.outcome)
    if dropped.outcome == REJECTED:
        log.error("drop folder: not imported (%s); moved to %s with the reasons beside it",
                  dropped.detail, dropped.moved_to, extra=extra)
        return
    for problem in dropped.problems:  # warnings only: with an error nothing was imported
        log.warning("drop folder: %s", problem, extra=extra)
    days = ", ".join(d.isoformat() for d in sorted(dropped.days)) or "none"
    verb = "imported" if dropped.outcome == IMPORTED else "skipped"
    log.info("drop folder: %s %s: %s; business days: %s; moved to %s",
             verb, dropped.source, dropped.detail, days, dropped.moved_to, extra=extra)
