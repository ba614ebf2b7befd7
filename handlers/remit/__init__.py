"""/remit: what it costs to send money home, service by service, from the member's country.

``/remit`` asks for the amount (in the currency of the country the member lives in, or is
going to); ``/remit 150`` answers at once. A bad amount is explained and asked again. A small
persistent conversation remembers that the bot is waiting for an amount.

Also here: the jobs that keep the exchange-rate cache fresh (once shortly after start, then
daily after the ECB publishes), since only this feature uses the rates.
"""

from __future__ import annotations

import enum
import logging
from datetime import time
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.remittance import ComparisonRequest, parse_amount
from bot.remittance.corridor import CorridorProblem, SendingCorridor
from handlers.context import App, AppContext
from handlers.remit.answer import (
    amount_problem,
    answer_blocks,
    corridor_problem,
    question,
    split_messages,
)
from handlers.replies import reply

logger = logging.getLogger(__name__)

CONVERSATION = "remit"
END = ConversationHandler.END
# The ECB publishes around 16:00 Frankfurt time on working days.
RATES_DAILY_AT = time(16, 30, tzinfo=ZoneInfo("Europe/Berlin"))
RATES_FIRST_REFRESH_SECONDS = 5


class State(enum.IntEnum):
    AMOUNT = 1


async def start_remit(update: Update, context: AppContext) -> object:
    """/remit or /remit <amount>: check the member has a corridor, then ask or answer."""
    corridor = await corridor_for(update, context)
    if corridor is None:
        return END
    typed = " ".join(context.args or [])
    if typed.strip():
        return await answer_amount(update, context, corridor, typed)
    await reply(update, context, question(context.tr, corridor))
    return State.AMOUNT


async def on_amount(update: Update, context: AppContext) -> object:
    """The amount typed after the question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    corridor = await corridor_for(update, context)
    if corridor is None:
        return END
    return await answer_amount(update, context, corridor, message.text)


async def corridor_for(update: Update, context: AppContext) -> SendingCorridor | None:
    """The member's corridor; None after telling them why there is none."""
    user = update.effective_user
    assert user is not None
    corridor = await context.services.sending_corridor(user.id)
    if isinstance(corridor, CorridorProblem):
        home = context.services.deployment.home_country
        await reply(update, context, corridor_problem(context.tr, corridor, home))
        return None
    return corridor


async def answer_amount(
    update: Update, context: AppContext, corridor: SendingCorridor, text: str
) -> object:
    """Compare for a typed amount, or explain what is wrong with it and ask again."""
    tr = context.tr
    parsed = parse_amount(text, tr.language)
    if parsed.value is None:
        assert parsed.problem is not None
        explanation = amount_problem(tr, parsed.problem)
        await reply(update, context, f"{explanation}\n\n{question(tr, corridor)}")
        return State.AMOUNT
    comparison = await context.services.remittance.compare(
        ComparisonRequest(
            amount=parsed.value,
            currency=corridor.currency,
            source_country=corridor.source_country,
            destination_country=corridor.destination_country,
            receive_currency=corridor.receive_currency,
        )
    )
    for text_part in split_messages(answer_blocks(tr, comparison, corridor)):
        await reply(update, context, text_part)
    return END


async def cancel(update: Update, context: AppContext) -> object:
    """/cancel while the bot waits for an amount."""
    await reply(update, context, context.tr.gettext("OK."))
    return END


async def refresh_rates(context: AppContext) -> None:
    """The JobQueue callback: fetch the day's exchange rates (a failure keeps the cache)."""
    result = await context.services.refresh_rates()
    logger.info("Exchange rates refresh: %s (%s)", result.outcome, result.rate_date)


def conversation() -> ConversationHandler[AppContext]:
    private = filters.ChatType.PRIVATE
    return ConversationHandler(
        entry_points=[CommandHandler("remit", start_remit, filters=private)],
        states={
            State.AMOUNT: [MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_amount)]
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        name=CONVERSATION,
        persistent=True,
    )


def register(application: App) -> None:
    application.add_handler(conversation())
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_once(refresh_rates, when=RATES_FIRST_REFRESH_SECONDS, name="rates-first")
    job_queue.run_daily(refresh_rates, time=RATES_DAILY_AT, name="rates-daily")
