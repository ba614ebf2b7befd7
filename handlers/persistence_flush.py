"""Runs after every other handler: writes conversation state and drafts to the database now,
rather than at python-telegram-bot's next periodic flush, so a crash or restart loses no step.
Whose state may be written at all is the persistence's rule (bot/persistence.py): only that of
people the database names, so nothing of someone who has not consented."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from handlers.context import App, AppContext


async def flush(update: Update, context: AppContext) -> None:
    """Persist what this update changed."""
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, flush), group=group)
