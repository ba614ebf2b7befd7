"""The daily job that erases rows whose time is up (bot/retention.py says which, and when)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from handlers.context import App, AppContext

#: When the daily sweep runs (a quiet hour for most consulates), after the drafts' sweep.
SWEEP_AT = time(3, 37, tzinfo=UTC)


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: erase by the real clock."""
    await context.services.retention.erase_expired(datetime.now(UTC))


def register(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_daily(sweep, time=SWEEP_AT, name="retention")
