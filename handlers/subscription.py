"""/stop and /resume: a registered member pauses or resumes announcements (and with them
the departure reminders, which are planned again on /resume)."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers import callbacks
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, reply

FEATURE = "subs"


async def set_announcements(update: Update, context: AppContext, wanted: bool) -> None:
    user = update.effective_user
    assert user is not None
    member = context.member
    if member is None or not member.registered:
        text = context.tr.gettext("You are not registered yet. Send /start to register.")
    elif await context.services.members.set_announcements(user.id, wanted):
        await follow_with_reminders(context, user.id, wanted)
        text = (
            context.tr.gettext("Announcements are on again. Send /stop to pause them.")
            if wanted
            else context.tr.gettext(
                "Announcements are paused. You will get none until you send /resume. "
                "Your registration is kept."
            )
        )
    else:
        text = context.tr.gettext("You are not registered yet. Send /start to register.")
    await reply(update, context, text)


async def follow_with_reminders(context: AppContext, telegram_user_id: int, wanted: bool) -> None:
    """Departure reminders stop with announcements and are planned again when they resume."""
    if wanted:
        await context.services.departures.plan(telegram_user_id, datetime.now(UTC))
    else:
        await context.services.departures.cancel(telegram_user_id)


async def stop(update: Update, context: AppContext) -> None:
    """Pause announcements."""
    await set_announcements(update, context, False)


async def resume(update: Update, context: AppContext) -> None:
    """Resume announcements."""
    await set_announcements(update, context, True)


async def menu_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    choice = callbacks.fields(query.data, FEATURE)
    if choice not in (["stop"], ["resume"]):
        await alert(update, context, context.tr.gettext(STALE))
        return
    await query.answer()
    await set_announcements(update, context, choice == ["resume"])


def register(application: App) -> None:
    application.add_handler(CommandHandler("stop", stop))
    application.add_handler(CommandHandler("resume", resume))
    application.add_handler(CallbackQueryHandler(menu_button, pattern=callbacks.pattern(FEATURE)))
