"""Sending and editing messages in the member's language and text direction.

Every message goes out as HTML, so any value put into a translated template must pass
through ``html.escape`` (``esc`` below) first.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.context import AppContext

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def esc(value: object) -> str:
    """Escape a value for an HTML message."""
    return html.escape(str(value), quote=False)


async def reply(
    update: Update, context: AppContext, text: str, markup: Markup | None = None
) -> Message | None:
    """Send ``text`` to the update's chat, laid out in the member's text direction."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat_id=chat.id,
        text=context.tr.direction(text),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )


async def edit_or_reply(
    update: Update, context: AppContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message a button was pressed on; send a new one if that is impossible."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                context.tr.direction(text), parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
    await reply(update, context, text, markup)
