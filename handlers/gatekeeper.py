"""Runs before every other handler: finds the member and the language to answer in, and
refuses staff commands and buttons to anyone without the permission they need."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers.context import App, AppContext
from handlers.replies import reply

logger = logging.getLogger(__name__)


async def identify(update: Update, context: AppContext) -> None:
    """Load the member (if any) and pick their language for this update."""
    user = update.effective_user
    if user is None:
        return
    members = context.services.members
    context.member = await members.find(user.id)
    language = members.language_for(context.member, user.language_code)
    context.tr = context.services.languages.translator(language)
    needed = context.bot_data.access.needed_for(update)
    if needed is None:
        return
    context.staff = await context.services.staff.find(user.id)
    if context.staff is None or not context.staff.may(needed):
        await refuse(update, context)
        raise ApplicationHandlerStop


async def refuse(update: Update, context: AppContext) -> None:
    logger.info("Refused update %s: it needs a staff permission", update.update_id)
    text = context.tr.gettext("This is only for consular staff.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, text)


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, identify), group=group)
