"""/console (staff): a link to sign in to the web console, good once, for a few minutes.

The link is sent without a preview, so Telegram does not fetch it; even if something does,
opening it only shows a "Sign in" button (console/pages/signin.py). The rules (who may ask,
how many links an hour) are in bot/signin.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler

from bot.access import Permission
from bot.signin import LINK_MINUTES, TooManyLinks
from handlers.context import App, AppContext
from handlers.replies import chat_id_of, reply


async def console_link(update: Update, context: AppContext) -> None:
    """Send a single-use sign-in link to the web console."""
    tr, services = context.tr, context.services
    actor = await context.acting(update)
    base = context.bot_data.console_url
    if base is None:
        await reply(update, context, tr.gettext("The console is not running right now."))
        return
    try:
        token = await services.signin.new_link_token(actor, datetime.now(UTC))
    except TooManyLinks:
        text = tr.gettext("You asked for several links within the hour: use the last one, or wait.")
        await reply(update, context, text)
        return
    text = tr.ngettext(
        'Your link to the console, good once, for %(minutes)s minute: <a href="%(url)s">'
        "open the console</a>. Do not forward it.",
        'Your link to the console, good once, for %(minutes)s minutes: <a href="%(url)s">'
        "open the console</a>. Do not forward it.",
        LINK_MINUTES,
    ) % {"minutes": tr.format_number(LINK_MINUTES), "url": f"{base}/login/{token}"}
    chat_id = chat_id_of(update)
    assert chat_id is not None
    await context.bot.send_message(
        chat_id,
        tr.direction(text),
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def register(application: App) -> None:
    application.bot_data.access.require(Permission.VIEW, commands=("console",))
    application.add_handler(CommandHandler("console", console_link))
