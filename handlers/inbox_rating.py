"""Members rate the answer to their question (1-5, optional): once a thread with an answer is
closed, a job asks its member once, in their language, with five buttons; a press records the
rating (bot/inbox/measures.py), which counts only in figures of k or more ratings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.access import Actor
from bot.inbox.measures import RATINGS
from bot.services import Services
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, edit_or_reply, esc

logger = logging.getLogger(__name__)

FEATURE = "rate"
PROMPT_INTERVAL_SECONDS = 300


def rating_markup(reference: str) -> InlineKeyboardMarkup:
    row = [callbacks.button(FEATURE, "⭐" * n, str(n), reference) for n in RATINGS]
    return InlineKeyboardMarkup([row[:3], row[3:]])


async def ask_for_ratings(context: AppContext) -> None:
    """The JobQueue callback."""
    await send_rating_prompts(context.bot, context.services, datetime.now(UTC))


async def send_rating_prompts(bot: Bot, services: Services, now: datetime) -> None:
    """Ask each member whose answered question was closed, once, how the answer was."""
    prompts = await services.inbox_measures.rating_prompts(Actor.system("inbox-ratings"), now)
    for prompt in prompts:
        tr = services.languages.translator(prompt.language)
        text = tr.format(
            "Your question %(reference)s is closed. How helpful was our answer? "
            "Choose from 1 to 5 stars; you need not answer.",
            reference=prompt.reference,
        )
        try:
            await bot.send_message(
                prompt.member_telegram_id,
                tr.direction(esc(text)),
                reply_markup=rating_markup(prompt.reference),
            )
        except TelegramError as exc:
            logger.info("Rating prompt for %s not sent: %r", prompt.reference, exc)


async def on_rating(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = callbacks.fields(query.data, FEATURE)
    tr = context.tr
    valid = len(fields) == 2 and fields[0].isdigit()
    if not valid or not await context.services.inbox_measures.rate(
        update.effective_user.id, fields[1], int(fields[0])
    ):
        await alert(update, context, tr.gettext(STALE))
        return
    await query.answer()
    await edit_or_reply(update, context, tr.gettext("Thank you for your rating."))


def register(application: App) -> None:
    application.add_handler(CallbackQueryHandler(on_rating, pattern=callbacks.pattern(FEATURE)))


def register_jobs(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_repeating(
        ask_for_ratings, interval=PROMPT_INTERVAL_SECONDS, first=90, name="inbox-ratings"
    )
