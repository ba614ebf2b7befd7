"""Scheduled jobs across processes: each named job runs only in the processes that have its
role, and in one of them at a time, behind the job's lease (the table and the reasons are in
bot/roles.py).

A lease lasts long enough for its holder to keep it from one run to the next: one and a half
intervals for a repeating job (processes started at different moments fire at different
moments, so the holder must outlast its own interval), half a day for a job at a time of day
(every process fires it at the same moment; the next day's run is free again), an hour for a
job that runs once after start.
"""

from __future__ import annotations

from typing import Any

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.roles import ENGINE_LEASED_JOBS, JOB_ROLES, Role, leased
from bot.storage.leases import Holder, Lease
from handlers.context import App

REPEATING_LEASE_INTERVALS = 1.5
TIME_OF_DAY_LEASE_SECONDS = 12 * 3600.0
ONCE_LEASE_SECONDS = 3600.0


def lease_seconds(trigger: Any) -> float:
    """How long one run of a job with this APScheduler trigger holds its lease."""
    if isinstance(trigger, IntervalTrigger):
        return REPEATING_LEASE_INTERVALS * float(trigger.interval.total_seconds())
    if isinstance(trigger, DateTrigger):
        return ONCE_LEASE_SECONDS
    return TIME_OF_DAY_LEASE_SECONDS


def assign_jobs(application: App, roles: frozenset[Role]) -> None:
    """Drop the jobs of roles this process lacks; put the others behind their leases.

    Call after every handler registered its jobs, before the application starts."""
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    database = application.bot_data.services.database
    holder = Holder.me()  # one holder for all of this process's job leases
    for job in job_queue.jobs():
        role = JOB_ROLES.get(job.name or "")
        if role is None:
            raise RuntimeError(f"job {job.name!r} has no role: add it to bot/roles.py JOB_ROLES")
        if role not in roles:
            job.schedule_removal()
        elif job.name not in ENGINE_LEASED_JOBS:
            seconds = lease_seconds(job.job.trigger)
            lease = Lease(database, f"job:{job.name}", seconds, holder=holder)
            job.callback = leased(lease, job.callback)
