"""Unconfirmed registrations are not kept for ever: answers left untouched for 30 days go.

Until a member confirms, their answers live in a draft (``Session``, kept in user_data and
stored by the persistence). Someone who walks away half-way should not leave their country,
city or birth year with the consulate indefinitely, so once a day the drafts unchanged for
``DRAFT_RETENTION`` are erased, with the registration step stored beside them, and a
checkpoint takes them out of the database's write-ahead log too. A person who comes back
later starts again from consent (a conversation without its draft restarts, see
``Session.exists``). Confirmed registrations are untouched: they live in the members table.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram.ext import Application

from bot.persistence import SQLitePersistence
from handlers.context import App, AppContext
from handlers.registration import CONVERSATION, SESSION

logger = logging.getLogger(__name__)

#: Any Application whose user_data are dicts (a JobQueue callback's context types it loosely).
AnyApplication = Application[Any, Any, dict[Any, Any], Any, Any, Any]

DRAFT_RETENTION = timedelta(days=30)
#: When the daily sweep runs (a quiet hour for most consulates).
SWEEP_AT = time(3, 17, tzinfo=UTC)


async def erase_stale_drafts(application: AnyApplication, now: datetime) -> int:
    """Erase registration drafts unchanged since ``now - DRAFT_RETENTION``; return how many."""
    persistence = application.persistence
    if not isinstance(persistence, SQLitePersistence):
        return 0
    erased = 0
    for user_id in await persistence.unchanged_since(now - DRAFT_RETENTION):
        data = application.user_data.get(user_id)
        if data is None or SESSION not in data:
            continue  # only other features' drafts (staff wizards): not ours to erase
        del data[SESSION]
        if not data:
            application.drop_user_data(user_id)
        await persistence.drop_conversations_of(user_id, CONVERSATION)
        erased += 1
    if erased:
        await application.update_persistence()
        await persistence.database.checkpoint_after_erasure()
    return erased


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: erase by the real clock."""
    erased = await erase_stale_drafts(context.application, datetime.now(UTC))
    if erased:
        logger.info("erased %d unconfirmed registration drafts (unchanged for 30 days)", erased)


def register(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_daily(sweep, time=SWEEP_AT, name="registration-draft-expiry")
