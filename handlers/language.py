"""/language: choose the language the bot answers in.

A member's choice is stored in their row. Someone who has not consented to register has no
row, and none is made for them: their choice stays in user_data, which the persistence keeps
in memory only for people the database does not name (bot/persistence.py). It lasts until
they consent (then it goes into their new row), decline, or the bot restarts.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import callbacks
from handlers.commands import publish_chat_command_menu
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, edit_or_reply, esc, reply

FEATURE = "lang"
#: user_data key of the language chosen by someone not yet registered (memory only).
UNSAVED_CHOICE = "language"


def unsaved_choice(context: AppContext) -> str | None:
    """The language a person without a member row chose, if any."""
    chosen = (context.user_data or {}).get(UNSAVED_CHOICE)
    return chosen if isinstance(chosen, str) else None


def forget_unsaved_choice(context: AppContext) -> None:
    """Drop the remembered choice: stored in the person's row now, or declined with the rest."""
    if context.user_data is not None:
        context.user_data.pop(UNSAVED_CHOICE, None)


def language_keyboard(context: AppContext) -> InlineKeyboardMarkup:
    """One button per enabled language, each written in that language."""
    tr = context.tr
    rows = [
        [
            InlineKeyboardButton(
                tr.language_name(code), callback_data=callbacks.encode(FEATURE, code)
            )
        ]
        for code in context.services.languages.enabled
    ]
    return InlineKeyboardMarkup(rows)


async def ask_language(update: Update, context: AppContext) -> None:
    """Offer the enabled languages."""
    text = context.tr.gettext("Choose your language:")
    if update.callback_query:
        await update.callback_query.answer()
        await edit_or_reply(update, context, text, language_keyboard(context))
    else:
        await reply(update, context, text, language_keyboard(context))


async def set_language(update: Update, context: AppContext) -> None:
    """Keep the chosen language (in the member's row, else in memory) and confirm in it."""
    query = update.callback_query
    assert query is not None and query.from_user is not None
    chosen = callbacks.fields(query.data, FEATURE)
    services = context.services
    if len(chosen) != 1 or chosen[0] not in services.languages.enabled:
        await alert(update, context, context.tr.gettext(STALE))
        return
    if await services.members.choose_language(query.from_user.id, chosen[0]):
        forget_unsaved_choice(context)
    elif context.user_data is not None:
        context.user_data[UNSAVED_CHOICE] = chosen[0]
    context.tr = services.languages.translator(chosen[0])
    await query.answer()
    text = context.tr.gettext("I will now answer in %(language)s.") % {
        "language": esc(context.tr.language_name(chosen[0]))
    }
    await edit_or_reply(update, context, text)
    if update.effective_chat:
        await publish_chat_command_menu(context.bot, update.effective_chat.id, context.tr)


def register(application: App) -> None:
    application.add_handler(CommandHandler("language", ask_language))
    application.add_handler(
        CallbackQueryHandler(ask_language, pattern=callbacks.exact(callbacks.encode(FEATURE)))
    )
    application.add_handler(CallbackQueryHandler(set_language, pattern=callbacks.pattern(FEATURE)))
