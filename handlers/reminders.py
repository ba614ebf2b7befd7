"""Departure reminders: a JobQueue sweep every minute sends the reminders that are due (30, 7
and 1 days before a member leaves), each in the member's language, and marks them sent.

The sweep takes ``now`` as an argument, so tests drive it with a clock of their choosing. A
member who blocked the bot is marked unreachable and the reminder counts as sent; a network
problem leaves it for the next sweep.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.guidance.departures import DueDeparture
from bot.i18n import Translator
from bot.services import Services
from handlers import guidance
from handlers.context import App, AppContext

logger = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 60
FIRST_SWEEP_SECONDS = 5  # after start: catches up on what fell due while the bot was down


class MessageSender(Protocol):
    """What the sweep needs of a bot: python-telegram-bot's Bot, or a test's stand-in."""

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> object: ...


def reminder_text(tr: Translator, due: DueDeparture, done: int, total: int) -> str:
    """The reminder in the member's language: days left, the date, the checklist's progress."""
    departure = tr.format_date(due.reminder.departure_date, "long")
    if due.days_left == 0:
        first = tr.format("Your departure is today, %(date)s.", date=departure)
    else:
        first = tr.nformat(
            "Your departure is in %(days)s day, on %(date)s.",
            "Your departure is in %(days)s days, on %(date)s.",
            due.days_left,
            days=tr.format_number(due.days_left),
            date=departure,
        )
    return "\n\n".join(
        [
            f"<b>{first}</b>",
            tr.gettext(
                "Read the guidance for before you leave with /predeparture, and finish the "
                "items still open on your checklist."
            ),
            tr.format(
                "Your checklist: %(done)s of %(total)s done.",
                done=tr.format_number(done),
                total=tr.format_number(total),
            ),
        ]
    )


def reminder_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[guidance.guidance_button(tr)], [guidance.checklist_button(tr)]])


async def send_reminder(bot: MessageSender, services: Services, due: DueDeparture) -> bool:
    """Send one reminder; True when it is settled (delivered, or never deliverable)."""
    reminder = due.reminder
    tr = services.languages.translator(reminder.language or services.languages.default)
    ticked = await services.checklist.ticked(reminder.member_id)
    text = reminder_text(tr, due, len(ticked), len(services.checklist.item_ids))
    try:
        await bot.send_message(
            reminder.telegram_user_id,
            tr.direction(text),
            parse_mode=ParseMode.HTML,
            reply_markup=reminder_markup(tr),
        )
    except Forbidden:
        await services.members.record_reachability(reminder.telegram_user_id, False)
        return True
    except BadRequest as exc:  # e.g. the chat is gone: retrying will not help
        logger.warning("Departure reminder for member %s refused: %s", reminder.member_id, exc)
        return True
    except TelegramError as exc:  # network trouble, flood control: try at the next sweep
        logger.warning("Departure reminder for member %s not sent: %r", reminder.member_id, exc)
        return False
    return True


async def send_due_reminders(bot: MessageSender, services: Services, now: datetime) -> int:
    """Send the reminders due at ``now`` (one batch) and mark them sent; return how many."""
    settled = 0
    for due in await services.departures.due(now):
        if await send_reminder(bot, services, due):
            await services.reminders.mark_sent(due.reminder, now)
            settled += 1
    return settled


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: send what is due by the real clock."""
    await send_due_reminders(context.bot, context.services, datetime.now(UTC))


def register(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_repeating(
        sweep,
        interval=SWEEP_INTERVAL_SECONDS,
        first=FIRST_SWEEP_SECONDS,
        name="departure-reminders",
    )
