"""/remit: what it costs to send money home, service by service, from the member's country.

``/remit`` asks for the amount (in the currency of the country the member lives in, or is
going to); ``/remit 150`` answers at once. A bad amount is explained and asked again. A small
persistent conversation remembers that the bot is waiting for an amount.

The answer is a short ranked list with a Details button. The button carries the amount and its
currency (``v1:remit:details:GBP:150``), so pressing it recomputes the comparison and needs
nothing remembered; data that is not a valid amount in the currency of the member's corridor
gets the stale-button answer.

Also here: the jobs that keep the exchange-rate cache fresh (once shortly after start, then
daily after the ECB publishes), since only this feature uses the rates.
"""

from __future__ import annotations

import enum
import logging
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Translator
from bot.remittance import Comparison, ComparisonRequest, parse_amount
from bot.remittance.corridor import CorridorProblem, SendingCorridor
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.persistence_flush import save_before_reply
from handlers.remit.answer import (
    amount_problem,
    answer_blocks,
    corridor_problem,
    details_blocks,
    has_details,
    question,
    split_messages,
)
from handlers.replies import STALE, alert, reply

logger = logging.getLogger(__name__)

CONVERSATION = "remit"
FEATURE = "remit"
DETAILS = "details"
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
    # Stored before the question is shown: a crash right after it keeps the wait.
    await save_before_reply(update, context, CONVERSATION, State.AMOUNT)
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
    comparison = await compare(context, corridor, parsed.value, corridor.currency)
    await save_before_reply(update, context, CONVERSATION, END)
    parts = split_messages(answer_blocks(tr, comparison, corridor))
    for text_part in parts[:-1]:
        await reply(update, context, text_part)
    await reply(update, context, parts[-1], details_button(tr, comparison))
    return END


async def compare(
    context: AppContext, corridor: SendingCorridor, amount: Decimal, currency: str
) -> Comparison:
    return await context.services.remittance.compare(
        ComparisonRequest(
            amount=amount,
            currency=currency,
            source_country=corridor.source_country,
            destination_country=corridor.destination_country,
            receive_currency=corridor.receive_currency,
        )
    )


def details_button(tr: Translator, comparison: Comparison) -> InlineKeyboardMarkup | None:
    """The button under a short list; None when the answer has no details."""
    if not has_details(comparison):
        return None
    request = comparison.request
    fields = (DETAILS, request.currency, format(request.amount, "f"))
    return InlineKeyboardMarkup([[callbacks.button(FEATURE, tr.gettext("Details"), *fields)]])


def details_request(data: str | None) -> tuple[Decimal, str] | None:
    """The amount and currency a Details button carries; None for anything else."""
    fields = callbacks.fields(data, FEATURE)
    if len(fields) != 3 or fields[0] != DETAILS:
        return None
    parsed = parse_amount(fields[2], "en")
    return (parsed.value, fields[1]) if parsed.value is not None else None


async def on_details(update: Update, context: AppContext) -> None:
    """The Details button: the whole comparison for the amount it carries, if that amount is
    in the currency of the member's corridor today (else the button is stale)."""
    query = update.callback_query
    assert query is not None and query.from_user is not None
    request = details_request(query.data)
    corridor = await context.services.sending_corridor(query.from_user.id)
    if request is None or isinstance(corridor, CorridorProblem) or request[1] != corridor.currency:
        await alert(update, context, context.tr.gettext(STALE))
        return
    await query.answer()
    comparison = await compare(context, corridor, *request)
    blocks = (details_blocks if has_details(comparison) else answer_blocks)(
        context.tr, comparison, corridor
    )
    for text_part in split_messages(blocks):
        await reply(update, context, text_part)


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
    application.add_handler(CallbackQueryHandler(on_details, pattern=callbacks.pattern(FEATURE)))
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_once(refresh_rates, when=RATES_FIRST_REFRESH_SECONDS, name="rates-first")
    job_queue.run_daily(refresh_rates, time=RATES_DAILY_AT, name="rates-daily")
