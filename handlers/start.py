"""The main menu, /help (for staff, with the staff commands their role allows), and the hint
for anything no feature understood.

/start itself is the registration conversation's entry point (handlers/registration): it
greets registered members with this menu and everyone else with the consent text.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.access import Actor, allows
from handlers import callbacks
from handlers.commands import MEMBER_COMMANDS, STAFF_COMMANDS
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, edit_or_reply, esc, reply

FEATURE = "menu"


def main_menu(context: AppContext) -> InlineKeyboardMarkup:
    """The main menu, in the member's language; registered members see their own options."""
    tr = context.tr
    member = context.member

    def item(text: str, data: str) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(text, callback_data=data)]

    rows = []
    if member is not None and member.registered and member.member_type == "leaving":
        rows.append(item(tr.gettext("🧳 Before you leave"), callbacks.encode("pd")))
    if member is not None and member.registered:
        rows += [
            item(tr.gettext("👤 My profile"), callbacks.encode("reg", "profile")),
            item(tr.gettext("🏛 My consulate"), callbacks.encode("consulate")),
            item(tr.gettext("✉️ Ask the consulate"), callbacks.encode("ask")),
            item(
                tr.gettext("🔕 Pause announcements")
                if member.announcements
                else tr.gettext("🔔 Resume announcements"),
                callbacks.encode("subs", "stop" if member.announcements else "resume"),
            ),
            item(tr.gettext("📄 My data"), callbacks.encode("mydata")),
            item(tr.gettext("🗑 Delete my data"), callbacks.encode("delete")),
        ]
    else:
        rows.append(item(tr.gettext("📝 Register"), callbacks.encode("reg", "begin")))
    rows += [
        item(tr.gettext("🌐 Language"), callbacks.encode("lang")),
        item(tr.gettext("❓ Help"), callbacks.encode(FEATURE, "help")),
    ]
    return InlineKeyboardMarkup(rows)


def welcome_text(context: AppContext) -> str:
    """The government's name in the member's language as a heading, then the welcome (the
    name stands apart, so no language has to fit it into a sentence)."""
    tr = context.tr
    government = context.services.deployment.government_in(tr.language)
    welcome = tr.gettext(
        "Welcome! This is the official service for nationals living, working or studying "
        "abroad, and for those preparing to leave.\n\n"
        "Here you will be able to register with your consulate, receive announcements, "
        "answer short polls, and get guidance before you leave and on sending money home."
    )
    return f"<b>{esc(government)}</b>\n\n{welcome}"


def help_text(context: AppContext, actor: Actor) -> str:
    """The members' commands and the privacy promise; for staff, then the staff commands
    their role allows."""
    tr = context.tr
    lines = [
        tr.gettext("<b>What you can do here</b>"),
        "",
        *(f"/{command} - {tr.gettext(description)}" for command, description in MEMBER_COMMANDS),
        "",
        tr.gettext(
            "We never ask about your immigration or legal status. "
            "You decide what to share, and you can ask us to delete it at any time."
        ),
    ]
    staff = staff_commands(context, actor)
    if staff:
        lines += ["", tr.gettext("<b>For staff</b>"), *staff]
    return "\n".join(lines)


def staff_commands(context: AppContext, actor: Actor) -> list[str]:
    """The staff commands the actor's role allows, each with what it does (none for members)."""
    if actor.staff is None:
        return []
    needed = context.bot_data.access.commands
    return [
        f"/{command} - {context.tr.gettext(description)}"
        for command, description in STAFF_COMMANDS
        if command in needed and allows(actor, needed[command])
    ]


async def start(update: Update, context: AppContext) -> None:
    """Greet a registered member and show the main menu."""
    await reply(update, context, welcome_text(context), main_menu(context))


async def show_help(update: Update, context: AppContext) -> None:
    """Explain the commands (to staff, theirs too)."""
    await reply(update, context, help_text(context, await context.acting(update)))


async def menu_button(update: Update, context: AppContext) -> None:
    """Handle the main-menu buttons that are not a feature of their own."""
    query = update.callback_query
    assert query is not None
    chosen = callbacks.fields(query.data, FEATURE)
    action = MENU_ACTIONS.get(chosen[0]) if len(chosen) == 1 else None
    if action is None:
        await stale_button(update, context)
        return
    await query.answer()
    await action(update, context)


async def help_in_place(update: Update, context: AppContext) -> None:
    await edit_or_reply(update, context, help_text(context, await context.acting(update)))


MENU_ACTIONS = {"help": help_in_place}


async def unknown_command(update: Update, context: AppContext) -> None:
    """Answer a command the bot does not know."""
    text = context.tr.gettext("I don't know that command. Send /help to see what I can do.")
    await reply(update, context, text)


async def unknown_text(update: Update, context: AppContext) -> None:
    """Answer free text that no conversation is waiting for."""
    text = context.tr.gettext(
        "I didn't understand that. Choose from the menu below, or send /help."
    )
    await reply(update, context, text, main_menu(context))


async def stale_button(update: Update, context: AppContext) -> None:
    """Answer a button that no handler claims: old, or forged."""
    query = update.callback_query
    assert query is not None
    await alert(update, context, context.tr.gettext(STALE))


def register(application: App) -> None:
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CallbackQueryHandler(menu_button, pattern=callbacks.pattern(FEATURE)))


def register_fallbacks(application: App) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, unknown_text))
    application.add_handler(CallbackQueryHandler(stale_button))
