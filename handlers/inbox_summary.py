"""The weekly summary of the inbox to each consulate's admins, in their language: per consulate
of their remit, last week's questions answered, first-answer time (median, 9 in 10) and the
members' rating, and the questions open now, all under the disclosure rule
(bot/inbox/measures.py, the same figures as ``main.py stats`` and the console)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from telegram import Bot
from telegram.error import TelegramError

from bot.access import Actor, Role
from bot.inbox.measures import WEEK
from bot.inbox.words import measures_lines
from bot.services import Services
from handlers.broadcasts import translator_for
from handlers.context import App, AppContext
from handlers.replies import esc

logger = logging.getLogger(__name__)

#: Mondays (python-telegram-bot counts days from Sunday = 0), early in the morning.
SUMMARY_DAYS = (1,)
SUMMARY_AT = time(6, 15, tzinfo=UTC)


async def weekly_summary(context: AppContext) -> None:
    """The JobQueue callback."""
    await send_summaries(context.bot, context.services, datetime.now(UTC))


async def send_summaries(bot: Bot, services: Services, now: datetime) -> int:
    """Send each admin the summary of their consulates; return how many were sent."""
    sent = 0
    for admin in await services.staff.everyone():
        if admin.role is not Role.ADMIN:
            continue
        actor = Actor.in_chat(admin.telegram_user_id, admin)
        measures = await services.inbox_measures.measures(actor, since=now - WEEK)
        tr = await translator_for(services, admin.telegram_user_id)
        title = tr.gettext("The inbox last week")
        lines = [f"<b>{esc(title)}</b>"]
        for row in measures:
            lines += ["", *(esc(line) for line in measures_lines(tr, services.deployment, row))]
        try:
            await bot.send_message(admin.telegram_user_id, tr.direction("\n".join(lines)))
        except TelegramError as exc:
            logger.warning("Inbox summary to an admin not sent: %r", exc)
            continue
        sent += 1
    return sent


def register_jobs(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_daily(
        weekly_summary, time=SUMMARY_AT, days=SUMMARY_DAYS, name="inbox-weekly-summary"
    )
