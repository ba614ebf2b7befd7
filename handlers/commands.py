"""The bot's commands: the menu shown in each member's language, and the staff commands /help
lists for staff."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import N_, Translator
from handlers.context import App

# (command, description) in the order the menu shows them.
MEMBER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu, or register")),
    ("profile", N_("See or change your answers")),
    ("consulate", N_("Your consulate: address, hours, phones")),
    ("ask", N_("Ask your consulate a question")),
    ("predeparture", N_("Guidance and a checklist before you leave")),
    ("remit", N_("Compare the cost of sending money home")),
    ("stop", N_("Pause announcements")),
    ("resume", N_("Resume announcements")),
    ("mydata", N_("Everything we hold about you")),
    ("delete", N_("Erase your data")),
    ("language", N_("Change language")),
    ("help", N_("What this bot can do")),
)


# (command, description) of the staff commands, in the order /help lists them; the permission
# each needs is the one its feature declares to the gatekeeper (handlers/access.py).
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("announce", N_("Compose an announcement")),
    ("broadcasts", N_("Recent broadcasts: approve, pause, cancel, progress")),
    ("poll", N_("Ask a quick poll, or build one step by step")),
    ("results", N_("Poll results")),
    ("closepoll", N_("Close a poll now")),
    ("staff", N_("List, add or remove staff")),
    ("audit", N_("The latest staff actions")),
    ("console", N_("A link to sign in to the staff web console")),
    ("inbox", N_("Members' questions to your consulates: read, answer, close")),
)


def localised_commands(tr: Translator) -> list[BotCommand]:
    return [
        BotCommand(command, tr.gettext(description)) for command, description in MEMBER_COMMANDS
    ]


async def publish_command_menus(application: App) -> None:
    """Set the command menu for every enabled language (clients pick by their language)."""
    languages = application.bot_data.services.languages
    default = languages.translator(languages.default)
    await application.bot.set_my_commands(localised_commands(default))
    for code in languages.enabled:
        if len(code) == 2:  # Telegram only accepts two-letter language codes here
            commands = localised_commands(languages.translator(code))
            await application.bot.set_my_commands(commands, language_code=code)


async def publish_chat_command_menu(bot: Bot, chat_id: int, tr: Translator) -> None:
    """Re-localise one member's command menu after they choose a language."""
    await bot.set_my_commands(localised_commands(tr), scope=BotCommandScopeChat(chat_id))
