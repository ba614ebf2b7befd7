"""Sending and editing messages in the member's language and text direction.

Every message goes out as HTML, so any value put into a translated template must pass
through ``html.escape`` (``esc`` below) first. Every text is laid out for the reader's
language on the way out (``Translator.direction``: right to left with its commands upright).
"""

from __future__ import annotations

import html

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.i18n import N_, Translator
from handlers.context import AppContext

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
#: The one answer to anyone asking for a staff power they do not hold, whatever the reason.
REFUSAL = N_("This is only for consular staff.")
#: The answer to a button no handler may act on any more (old, or forged).
STALE = N_("This button is no longer valid. Send /start.")


def back_label(tr: Translator) -> str:
    """ "⬅️ Back", the arrow pointing the way the language reads (➡️ in Arabic)."""
    return f"{tr.back_arrow} {tr.gettext('Back')}"


def esc(value: object) -> str:
    """Escape a value for an HTML message."""
    return html.escape(str(value), quote=False)


def chat_id_of(update: Update) -> int | None:
    """Where to answer: the update's chat, else the person's private chat (a press on a
    message too old for Telegram to include, or a forged one, comes without a chat)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


async def reply(
    update: Update, context: AppContext, text: str, markup: Markup | None = None
) -> Message | None:
    """Send ``text`` to the update's chat, laid out in the member's text direction."""
    chat_id = chat_id_of(update)
    if chat_id is None:
        return None
    return await context.bot.send_message(
        chat_id=chat_id,
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


async def alert(update: Update, context: AppContext, text: str) -> None:
    """Answer the button press with an alert, laid out in the person's text direction."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.tr.direction(text), show_alert=True)


async def refuse(update: Update, context: AppContext) -> None:
    """The one short refusal, in the person's language (an alert on a button)."""
    text = context.tr.gettext(REFUSAL)
    if update.callback_query is not None:
        await alert(update, context, text)
    else:
        await reply(update, context, text)
