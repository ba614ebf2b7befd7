"""Unfinished registrations are not kept for ever: one untouched for 30 days goes, with the
consent it began with.

From "I agree" until the member confirms, a registration is a 'visitor' row recording the
consent plus the answers so far in a draft (``Session``, kept in user_data and stored by the
persistence). Someone who walks away half-way should not leave their country, birth year or
even the fact that they started with the consulate indefinitely, so once a day:

- drafts unchanged for ``DRAFT_RETENTION`` are erased, with the registration step stored
  beside them (a /profile change left half-way too: the registration itself stays);
- visitor rows go whose draft was just erased, or whose row and stored answers are all older
  than ``DRAFT_RETENTION`` (consented, then nothing); their stored conversation state goes
  with them;

and a checkpoint takes all of it out of the database's write-ahead log too. A person who
comes back later starts again from consent (a conversation without its draft restarts, see
``Session.exists``). Registered members' rows are untouched: /delete erases those.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any

from telegram.ext import Application

from bot.persistence import DatabasePersistence
from bot.registration.consent import DRAFT_RETENTION
from bot.services import Services
from handlers.context import App, AppContext
from handlers.registration import CONVERSATION, SESSION

logger = logging.getLogger(__name__)

#: Any Application whose user_data are dicts (a JobQueue callback's context types it loosely).
AnyApplication = Application[Any, Any, dict[Any, Any], Any, Any, Any]

#: When the daily sweep runs (a quiet hour for most consulates).
SWEEP_AT = time(3, 17, tzinfo=UTC)


async def erase_abandoned_registrations(application: AnyApplication, now: datetime) -> int:
    """Erase registrations (and /profile changes) unchanged since ``now - DRAFT_RETENTION``;
    return how many people's."""
    cutoff = now - DRAFT_RETENTION
    drafts = await erase_stale_drafts(application, cutoff)
    services: Services = application.bot_data.services
    visitors = await services.registration.erase_abandoned(cutoff, also=drafts)
    return len(drafts | visitors)


async def erase_stale_drafts(application: AnyApplication, cutoff: datetime) -> set[int]:
    """Erase the registration drafts unchanged since ``cutoff``; return whose."""
    persistence = application.persistence
    if not isinstance(persistence, DatabasePersistence):
        return set()
    erased = set()
    for user_id in await persistence.unchanged_since(cutoff):
        data = application.user_data.get(user_id)
        if data is None or SESSION not in data:
            continue  # only other features' drafts (staff wizards): not ours to erase
        del data[SESSION]
        if not data:
            application.drop_user_data(user_id)
        await persistence.drop_conversations_of(user_id, CONVERSATION)
        erased.add(user_id)
    if erased:
        await application.update_persistence()
        await persistence.database.checkpoint_after_erasure()
    return erased


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: erase by the real clock."""
    erased = await erase_abandoned_registrations(context.application, datetime.now(UTC))
    if erased:
        logger.info("erased %d unfinished registrations (unchanged for 30 days)", erased)


def register(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_daily(sweep, time=SWEEP_AT, name="registration-draft-expiry")
