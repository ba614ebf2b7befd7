"""/start, /help and the main menu; and the hint for anything no feature understood."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import callbacks
from handlers.commands import MEMBER_COMMANDS
from handlers.context import App, AppContext
from handlers.replies import edit_or_reply, esc, reply

FEATURE = "menu"


def main_menu(context: AppContext) -> InlineKeyboardMarkup:
    """The main menu, in the member's language."""
    tr = context.tr
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("🌐 Language"), callback_data=callbacks.encode("lang")
                )
            ],
            [
                InlineKeyboardButton(
                    tr.gettext("❓ Help"), callback_data=callbacks.encode(FEATURE, "help")
                )
            ],
        ]
    )


def welcome_text(context: AppContext) -> str:
    tr = context.tr
    return tr.gettext(
        "Welcome! This is the official service of %(government)s for nationals living, "
        "working or studying abroad, and for those preparing to leave.\n\n"
        "Here you will be able to register with your consulate, receive announcements, "
        "answer short polls, and get guidance before you leave and on sending money home."
    ) % {"government": f"<b>{esc(context.services.deployment.government)}</b>"}


def help_text(context: AppContext) -> str:
    tr = context.tr
    return "\n".join(
        [
            tr.gettext("<b>What you can do here</b>"),
            "",
            *(
                f"/{command} - {tr.gettext(description)}"
                for command, description in MEMBER_COMMANDS
            ),
            "",
            tr.gettext(
                "We never ask about your immigration or legal status. "
                "You decide what to share, and you can ask us to delete it at any time."
            ),
        ]
    )


async def start(update: Update, context: AppContext) -> None:
    """Greet the user in their language and show the main menu."""
    await reply(update, context, welcome_text(context), main_menu(context))


async def show_help(update: Update, context: AppContext) -> None:
    """Explain the commands."""
    await reply(update, context, help_text(context))


async def menu_button(update: Update, context: AppContext) -> None:
    """Handle a main-menu button."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if callbacks.fields(query.data, FEATURE) == ["help"]:
        await edit_or_reply(update, context, help_text(context))
    else:
        await edit_or_reply(update, context, welcome_text(context), main_menu(context))


async def unknown_command(update: Update, context: AppContext) -> None:
    """Answer a command the bot does not know."""
    await reply(
        update,
        context,
        context.tr.gettext("I don't know that command. Send /help to see what I can do."),
    )


async def unknown_text(update: Update, context: AppContext) -> None:
    """Answer free text that no conversation is waiting for."""
    await reply(
        update,
        context,
        context.tr.gettext("I didn't understand that. Choose from the menu below, or send /help."),
        main_menu(context),
    )


async def stale_button(update: Update, context: AppContext) -> None:
    """Answer a button that no handler claims: old, or forged."""
    query = update.callback_query
    assert query is not None
    await query.answer(
        context.tr.gettext("This button is no longer valid. Send /start."), show_alert=True
    )


def register(application: App) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CallbackQueryHandler(menu_button, pattern=callbacks.pattern(FEATURE)))


def register_fallbacks(application: App) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, unknown_text))
    application.add_handler(CallbackQueryHandler(stale_button))
