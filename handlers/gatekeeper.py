"""Runs before every other handler: finds the member and the language to answer in, and
refuses staff commands and buttons to anyone without the permission they need (a first
filter; the services check again, see handlers/access.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers.context import App, AppContext
from handlers.language import unsaved_choice
from handlers.replies import refuse

logger = logging.getLogger(__name__)


async def identify(update: Update, context: AppContext) -> None:
    """Load the member (if any) and pick their language for this update."""
    if not await find_member_and_language(update, context):
        return
    needed = context.bot_data.access.needed_for(update)
    if needed is None:
        return
    actor = await context.acting(update)
    context.staff = actor.staff
    if actor.staff is None or not actor.staff.may(needed):
        logger.info("Refused update %s: it needs the %s permission", update.update_id, needed)
        await refuse(update, context)
        raise ApplicationHandlerStop


async def find_member_and_language(update: object, context: AppContext) -> bool:
    """Set ``context.member`` and ``context.tr`` for the update's user; False if it has none.
    The language: the member's stored one, else one chosen before consenting (in memory, see
    handlers/language.py), else Telegram's. (The error handler calls it too: its context
    starts afresh.)"""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return False
    members = context.services.members
    context.member = await members.find(user.id)
    language = members.language_for(context.member, user.language_code, unsaved_choice(context))
    context.tr = context.services.languages.translator(language)
    return True


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, identify), group=group)
