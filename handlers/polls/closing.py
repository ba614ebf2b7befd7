"""Closing polls: what follows /closepoll and the closing-time job alike. Every recipient's
Telegram poll is stopped and, when the poll shares its results, each participant is sent the
totals in their own language.

The job runs every half minute and closes the open polls whose ``closes_at`` has passed
(``PollService.close_due``); it takes ``now`` as a parameter (``close_due_polls``) so tests
drive it with a clock of their choosing.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.services import Services
from handlers.context import App, AppContext
from handlers.polls.texts import summary_text
from polls.service import ClosedPoll

logger = logging.getLogger(__name__)

CLOSE_INTERVAL_SECONDS = 30
FIRST_CLOSE_SECONDS = 10


async def finish_closing(bot: Bot, services: Services, closed: ClosedPoll) -> None:
    """Stop every recipient's Telegram poll and share the results with the participants."""
    for chat_id, message_id in closed.messages:
        with contextlib.suppress(TelegramError):
            await bot.stop_poll(chat_id, message_id)
    for participant in closed.participants:
        await share_results(
            bot, services, closed.poll_id, participant.telegram_user_id, participant.language
        )


async def share_results(
    bot: Bot, services: Services, poll_id: int, telegram_user_id: int, language: str | None
) -> None:
    """Close the loop: send one participant the totals in their language."""
    languages = services.languages
    tr = languages.translator(language if language in languages.enabled else languages.default)
    report = await services.polls.shared_report(poll_id, tr.language)
    lines = [tr.gettext("Thank you for answering. The results:"), summary_text(tr, report)]
    with contextlib.suppress(TelegramError):
        await bot.send_message(
            telegram_user_id, tr.direction("\n".join(lines)), parse_mode=ParseMode.HTML
        )


async def close_due_polls(bot: Bot, services: Services, now: datetime) -> list[int]:
    """Close the polls whose closing time has passed at ``now``; return their ids."""
    closed = await services.polls.close_due(now)
    for poll in closed:
        logger.info("Poll %d closed at its closing time", poll.poll_id)
        await finish_closing(bot, services, poll)
    return [poll.poll_id for poll in closed]


async def close_job(context: AppContext) -> None:
    """The JobQueue callback: close what is due by the real clock."""
    await close_due_polls(context.bot, context.services, datetime.now(UTC))


def register(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_repeating(
        close_job, interval=CLOSE_INTERVAL_SECONDS, first=FIRST_CLOSE_SECONDS, name="poll-close"
    )
