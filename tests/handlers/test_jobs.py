"""Scheduled jobs by role: a process keeps only its roles' jobs, each behind its lease, and every
job the handlers schedule has a role."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import build_application
from bot.roles import ALL_ROLES, ENGINE_LEASED_JOBS, JOB_ROLES, Role
from bot.services import Services
from handlers.context import App
from handlers.jobs import lease_seconds
from sandbox import Sandbox


def job_names(application: App) -> set[str]:
    assert application.job_queue is not None
    return {job.name or "" for job in application.job_queue.jobs()}


def of_role(role: Role) -> set[str]:
    return {name for name, owner in JOB_ROLES.items() if owner is role}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (ALL_ROLES, set(JOB_ROLES)),
        (frozenset({Role.BOT}), of_role(Role.BOT)),
        (frozenset({Role.ENGINE}), {"broadcast-sweep", "poll-close"}),
        (frozenset({Role.CONSOLE}), set()),
        (frozenset({Role.ENGINE, Role.CONSOLE}), of_role(Role.ENGINE)),
    ],
)
async def test_a_process_keeps_the_jobs_of_its_roles(
    services: Services, sandbox: Sandbox, roles: frozenset[Role], expected: set[str]
) -> None:
    application = build_application(services, sandbox.token, sandbox.bot_api_base_url, roles=roles)
    assert job_names(application) == expected


async def test_every_job_but_the_sweep_runs_behind_its_lease(
    services: Services, sandbox: Sandbox
) -> None:
    application = build_application(services, sandbox.token, sandbox.bot_api_base_url)
    assert application.job_queue is not None
    wrapped = {
        job.name
        for job in application.job_queue.jobs()
        if getattr(job.callback, "__name__", "") == "run_if_held"
    }
    assert wrapped == set(JOB_ROLES) - ENGINE_LEASED_JOBS


def test_a_lease_outlasts_its_holders_next_run() -> None:
    assert lease_seconds(IntervalTrigger(seconds=60)) == 90
    now = datetime.now(UTC)
    assert lease_seconds(DateTrigger(now + timedelta(seconds=5))) == 3600
    daily = CronTrigger(hour=time(3, 17).hour, minute=17, timezone=UTC)
    assert lease_seconds(daily) == 12 * 3600
