"""Members' answers: poll_answer updates (segmented polls) and poll updates (anonymous polls)
become PollCounter calls. Nothing is said back: voting in Telegram is its own feedback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import PollAnswerHandler, PollHandler

from handlers.context import App, AppContext

logger = logging.getLogger(__name__)


async def record_answer(update: Update, context: AppContext) -> None:
    """Count, change or retract one member's answer."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an answer on behalf of a chat: never sent by this bot's private polls
    result = await context.services.polls.record_answer(
        update.update_id, answer.poll_id, answer.user.id, answer.option_ids
    )
    logger.debug("poll_answer %s: %s", update.update_id, result.outcome)


async def record_counts(update: Update, context: AppContext) -> None:
    """Store the latest counts of an anonymous poll."""
    poll = update.poll
    if poll is None:
        return
    result = await context.services.polls.record_counts(
        update.update_id,
        poll.id,
        [option.voter_count for option in poll.options],
        poll.total_voter_count,
        poll.is_closed,
    )
    logger.debug("poll %s: %s", update.update_id, result.outcome)


def register(application: App) -> None:
    application.add_handler(PollAnswerHandler(record_answer))
    application.add_handler(PollHandler(record_counts))
