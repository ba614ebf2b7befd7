"""Runs before every other handler: finds the member and the language to answer in."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from handlers.context import App, AppContext


async def identify(update: Update, context: AppContext) -> None:
    """Load the member (if any) and pick their language for this update."""
    user = update.effective_user
    if user is None:
        return
    members = context.services.members
    context.member = await members.find(user.id)
    language = members.language_for(context.member, user.language_code)
    context.tr = context.services.languages.translator(language)


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, identify), group=group)
