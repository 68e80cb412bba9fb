"""One APScheduler job per vendor, firing at the vendor's closing time (+ its settle_delay) in its
own time zone: the moment its business day closes (Vendor.closes_at), so that run settles the day.

Job defaults: `coalesce` (runs missed while the process was busy or suspended become one run),
`max_instances=1` (a vendor never runs twice at once), and a misfire grace
(SETTLEMENT_SERVE_MISFIRE_GRACE seconds) within which a late run still happens.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from settlement.serve.trigger import DailyTrigger
from settlement.domain.vendors import Vendor


def job_id(vendor_id: str) -> str:
    return f"vendor:{vendor_id}"


def build_scheduler(workers: int, misfire_grace: int) -> BackgroundScheduler:
    """workers: vendors run at the same time (SETTLEMENT_SERVE_WORKERS); misfire_grace: seconds a
    job may start late and still run (SETTLEMENT_SERVE_MISFIRE_GRACE)."""
    return BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace},
        timezone=timezone.utc,
    )


def sync_jobs(scheduler: BackgroundScheduler, vendors: dict[str, Vendor], run: Callable[[str], None]) -> list[str]:
    """Make the jobs match the vendors: new vendors get a job that also runs at once (their
    catch-up), changed closing times, settle delays or time zones are rescheduled, removed vendors lose theirs.
    Returns what changed, for the log."""
    changes = []
    existing = {job.id: job for job in scheduler.get_jobs()}
    for vendor in vendors.values():
        trigger = DailyTrigger(vendor.closing_time, vendor.tz, vendor.settle_delay)
        job = existing.pop(job_id(vendor.id), None)
        if job is None:
            scheduler.add_job(run, trigger, args=[vendor.id], id=job_id(vendor.id), name=f"settle {vendor.id}",
                              next_run_time=datetime.now(timezone.utc))
            changes.append(f"{vendor.id}: scheduled {trigger}, first run now")
        elif str(job.trigger) != str(trigger):
            before = str(job.trigger)  # the job object is updated in place
            scheduler.reschedule_job(job.id, trigger=trigger)
            changes.append(f"{vendor.id}: rescheduled from {before} to {trigger}")
    for job in existing.values():
        scheduler.remove_job(job.id)
        changes.append(f"{job.id.removeprefix('vendor:')}: no longer in the vendors file; job removed")
    return changes
