"""The error handler: log what went wrong without personal data; apologise to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from handlers.context import App, AppContext
from handlers.replies import reply

logger = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Log the exception with the update's id only, then tell the user to try again."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        await context.services.members.record_reachability(update.effective_user.id, False)
        return
    if isinstance(error, NetworkError):
        logger.warning(
            "Network problem while handling update %s: %s", update_id, type(error).__name__
        )
        return
    logger.error("Error while handling update %s", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await reply(
                update,
                context,
                context.tr.gettext(
                    "Sorry, something went wrong on our side. Please try again in a minute."
                ),
            )
        except Exception:  # never let the apology itself raise
            logger.warning("Could not send the error apology for update %s", update_id)


def register(application: App) -> None:
    application.add_error_handler(on_error)
