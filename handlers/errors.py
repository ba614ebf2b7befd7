"""The error handler: log what went wrong without personal data; apologise to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from bot.access import AccessDenied
from bot.metrics import METRICS
from handlers.context import App, AppContext
from handlers.gatekeeper import find_member_and_language
from handlers.replies import refuse, reply

logger = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Log the exception with the update's id only, then tell the user, in their language."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if not isinstance(error, AccessDenied):  # a refusal is the rule at work, not an error
        METRICS.error(type(error).__name__)
    try:
        await find_member_and_language(update, context)
    except Exception:  # the database itself may be what failed: answer in the default language
        logger.warning("No language for the answer to update %s", update_id)
    if isinstance(error, AccessDenied) and isinstance(update, Update):
        # A service refused (bot/access.py): the person gets the one short refusal; the
        # reason names staff by their audit name and strangers not at all.
        logger.info("Refused update %s: %s", update_id, error)
        await refuse(update, context)
        return
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
