"""What `serve` does: hold the running configuration, run a vendor (sync, then catch-up), reload.

The configuration in use is replaced only by one that loaded without errors; a refused reload
logs every problem and leaves everything as it was. Each vendor's run catches its own exceptions,
so a failing vendor never stops the others. When stopping, the day being posted is finished and
recorded; later days wait for the next start.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.engine import Engine

from settlement.wiring import App, on_engine, payouts_after_days, send_run_alerts
from settlement.targets.fiken.errors import FikenError
from settlement.posting.catchup import catch_up
from settlement.posting.claims import claim_holder
from settlement.domain.keys import settlement_key
from settlement.posting.settle import Outcome, PostingContext, no_claim
from settlement.domain.posting_rules import NEEDS_ATTENTION
from settlement.store.posting_state import PostingState
from settlement.serve.metrics import Metrics, vendor_standings
from settlement.serve.sources import sync_sources

log = logging.getLogger("settlement.serve")
CLAIM_RETRY_SECONDS = 30  # a vendor another replica is working on is tried again this much later


class Stopping(Exception):
    """Raised between two days of a catch-up once the process has been asked to stop."""


class Service:
    """The running configuration, the shared Fiken client (via the posting context) and metrics."""

    def __init__(self, load_app: Callable[[], App], open_engine: Callable[[], Engine], metrics: Metrics):
        """load_app: reads the configuration anew (each reload); open_engine: the process's database."""
        self._load_app, self._open_engine, self.metrics = load_app, open_engine, metrics
        self.app: App | None = None
        self.config_problems: list[str] = []
        self.last_reload: str = ""
        self.load_failed = False  # the first load failed on the infrastructure (database down)
        self.stopping = threading.Event()
        self.scheduler = None  # set by the serve command once the scheduler runs
        self._engine: Engine | None = None
        self._context: PostingContext | None = None
        self._context_error = ""
        self._credential_errors: dict[str, str] = {}  # credential label → why it cannot be used
        self._lock = threading.RLock()
        self._running: set[str] = set()

    # --- configuration -------------------------------------------------------------------------
    def engine(self) -> Engine:
        """One engine for the process, kept across reloads."""
        with self._lock:
            if self._engine is None:
                self._engine = self._open_engine()
            return self._engine

    def _load(self) -> tuple[App | None, list[str]]:
        app = self._load_app()
        errors = [str(p) for p in app.problems if p.is_error]
        if errors:
            return None, errors
        return on_engine(app, self.engine()), []  # the database is opened once the configuration is valid

    def reload(self, first: bool = False) -> bool:
        """Load vendors.toml and chart_of_accounts/; use them only if valid. True when applied."""
        from settlement.serve.scheduler import sync_jobs

        with self._lock:
            try:
                app, errors = self._load()
            except Exception as exc:  # the database cannot be opened: an infrastructure failure
                log.error("configuration not %s: %s: %s", "loaded" if first else "reloaded", type(exc).__name__, exc)
                self.load_failed = self.app is None  # the serve loop tries again by itself
                self.metrics.count_reload("failed")
                return False
            self.load_failed = False
            if errors:
                what = "configuration has errors; not settling anything until it is fixed and reloaded" if first \
                    else "reload refused: the running configuration stays"
                for problem in errors:
                    log.error("configuration: %s", problem)
                log.error("%s (%d error(s))", what, len(errors))
                self.last_reload = f"refused at {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC: {len(errors)} error(s)"
                if self.app is None:
                    self.config_problems = errors
                self.metrics.count_reload("refused")
                return False
            self.app, self.config_problems = app, []
            self.last_reload = f"applied at {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
            self.metrics.count_reload("applied")
            changes = sync_jobs(self.scheduler, app.vendors, self.run_vendor) if self.scheduler is not None else []
            log.info("configuration %s: %d vendor(s)", "loaded" if first else "reloaded", len(app.vendors))
            for change in changes:
                log.info("schedule: %s", change)
            return True

    # --- posting -------------------------------------------------------------------------------
    def posting_context(self, app: App) -> PostingContext:
        """The posting context for this run: one Fiken client (and request gate) for the process."""
        from settlement.wiring import posting_context

        with self._lock:
            if self._context is None:
                try:
                    # Every ledger request is counted for /metrics.
                    self._context = posting_context(app, on_request=self.metrics.observe_fiken)
                except Exception as exc:
                    self._context_error = f"Fiken client: {exc}"
                    raise
                self._context_error = ""
            # The configuration may have been reloaded; the targets (client, gate) stay the process's.
            return posting_context(app, targets=self._context.targets, state=PostingState(self.engine()))

    def run_vendor(self, vendor_id: str) -> None:
        """One scheduled run: sync the vendor's sources, then settle its closed days oldest first.

        The whole run holds the vendor's claim, so replicas sharing a database (or processes sharing
        a SQLite file, such as a manual `catch-up`) never import the same drop folder or post the
        same day at once. A vendor claimed elsewhere is tried again in CLAIM_RETRY_SECONDS: the
        other process may die before it is done.
        """
        app = self.app
        vendor = app.vendors.get(vendor_id) if app else None
        if vendor is None or self.stopping.is_set() or not self._begin(vendor_id):
            return
        extra = {"vendor": vendor_id}
        try:
            ctx = self.posting_context(app)
            if not self._credential_usable(app, vendor, extra):
                send_run_alerts(app, [vendor])
                return
            with ctx.claim(vendor_id) as claimed:
                if not claimed:
                    self.metrics.count_run(vendor_id, "claimed_elsewhere")
                    log.info("being settled by %s; trying again in %d s", claim_holder(ctx.claim, vendor_id),
                             CLAIM_RETRY_SECONDS, extra=extra)
                    self._retry_later(vendor_id)
                    return
                if not sync_sources(app, vendor, self.metrics, self.stopping):
                    self.metrics.count_run(vendor_id, "sources_incomplete")
                    return
                if self.stopping.is_set():
                    return
                ctx = dataclasses.replace(ctx, claim=no_claim)  # held for the whole run already
                outcomes = catch_up(ctx, [vendor], datetime.now(timezone.utc), on_outcome=self._settled,
                                    stop=self.stopping.is_set)
                if self.stopping.is_set():
                    raise Stopping
                payouts_after_days(app, [vendor], targets=ctx.targets, log=log)  # the providers' payouts
            send_run_alerts(app, [vendor], outcomes)  # once per condition across replicas (the store)
            stopped = [o for o in outcomes if o.stops_vendor]
            self.metrics.count_run(vendor_id, "stopped" if stopped else "ok")
            log.info("run done: %d day(s) checked%s", len(outcomes),
                     f"; stopped at {stopped[0].day} ({stopped[0].status}), later days wait" if stopped else "", extra=extra)
        except Stopping:
            self.metrics.count_run(vendor_id, "interrupted")
            log.info("stopping: the day in flight is recorded; later days wait for the next start", extra=extra)
        except FikenError as exc:  # no credential, Fiken unreachable: said in one line, no traceback
            self.metrics.count_run(vendor_id, "error")
            log.error("run failed: %s: %s; the other vendors go on", type(exc).__name__, exc, extra=extra)
        except Exception:
            self.metrics.count_run(vendor_id, "error")
            log.exception("run failed; the other vendors go on", extra=extra)
        finally:
            self._end(vendor_id)

    def _credential_usable(self, app: App, vendor, extra: dict) -> bool:
        """Whether the vendor's ledger credential can be used (checked without a request); if not,
        the run is said failed in one line and /readyz names the credential until it works again."""
        from settlement.wiring import credential_label, credential_problems

        problem = credential_problems(app, [vendor]).get(vendor.id)
        label = credential_label(vendor)
        with self._lock:
            if problem is None:
                self._credential_errors.pop(label, None)
                return True
            self._credential_errors[label] = f"{label}: {problem}"
        self.metrics.count_run(vendor.id, "error")
        log.error("run failed: %s; the other vendors go on", problem.reason, extra=extra)
        return False

    def _begin(self, vendor_id: str) -> bool:
        """Mark the vendor as running in this process; False if it already is (a retry meeting
        the scheduled run)."""
        with self._lock:
            if vendor_id in self._running:
                return False
            self._running.add(vendor_id)
            return True

    def _end(self, vendor_id: str) -> None:
        with self._lock:
            self._running.discard(vendor_id)

    def _retry_later(self, vendor_id: str) -> None:
        if self.scheduler is None or self.stopping.is_set():
            return
        self.scheduler.add_job(self.run_vendor, "date", args=[vendor_id], id=f"retry:{vendor_id}", replace_existing=True,
                               run_date=datetime.now(timezone.utc) + timedelta(seconds=CLAIM_RETRY_SECONDS))

    def _settled(self, outcome: Outcome) -> None:
        if outcome.message == "already settled":
            # Nothing was done for this day: no log line, no count (a run over a long history
            # would otherwise log every settled day since enabled_since).
            if self.stopping.is_set():
                raise Stopping
            return
        state = PostingState(self.engine()).get(outcome.vendor, outcome.day)
        # Days with nothing posted (empty, blocked) are named by the key their posting would carry.
        key = state.settlement_key or settlement_key(outcome.vendor, outcome.day, state.version)
        extra = {"vendor": outcome.vendor, "day": outcome.day.isoformat(), "key": key}
        level = logging.WARNING if outcome.status in NEEDS_ATTENTION or outcome.stops_vendor else logging.INFO
        log.log(level, "%s%s", outcome.status, f" ({outcome.message})" if outcome.message else "", extra=extra)
        self.metrics.count_posting(outcome.vendor, outcome.status)
        if self.stopping.is_set():
            raise Stopping

    def reload_generation(self) -> int | None:
        """How many reloads were asked through the database (settlement reload); None when it
        cannot be read now (the loop tries again)."""
        from settlement.store.reload_requests import current_generation

        try:
            return current_generation(self.engine())
        except Exception as exc:  # noqa: BLE001: the database briefly away; readiness says so
            log.debug("reload requests not read: %s", exc)
            return None

    # --- probes --------------------------------------------------------------------------------
    def not_ready(self) -> list[str]:
        """Why the service cannot do its work now (empty: ready)."""
        reasons = [f"configuration: {p}" for p in self.config_problems]
        if self.app is None and not reasons:
            reasons.append("configuration: not loaded")
        try:
            with self.engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means not ready
            reasons.append(f"database: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        if self._context_error:
            reasons.append(self._context_error)
        with self._lock:
            reasons += sorted(self._credential_errors.values())
        return reasons

    def metrics_text(self) -> str:
        app = self.app
        standings = vendor_standings(list(app.vendors.values()), PostingState(self.engine()), datetime.now(timezone.utc)) if app else []
        return self.metrics.render(standings)
