"""Handing an update on to the features registered after a conversation.

Within a handler group python-telegram-bot runs only the first handler that accepts an update.
A conversation that accepts another feature's command (to leave, or to note it and stay)
would keep that command from its feature; ``hand_over`` runs the rest of the group for it, as
the application would have done had the conversation not accepted it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler

from handlers.context import AppContext


async def hand_over(update: Update, context: AppContext, conversation: str) -> None:
    """Let the first handler after the conversation named ``conversation``, in its group,
    that accepts ``update`` handle it."""
    for handlers in context.application.handlers.values():
        for position, handler in enumerate(handlers):
            if isinstance(handler, ConversationHandler) and handler.name == conversation:
                await run_first(handlers[position + 1 :], update, context)
                return


async def run_first(
    handlers: Sequence[BaseHandler[Any, Any, Any]], update: Update, context: AppContext
) -> None:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            await handler.handle_update(update, context.application, check, context)
            return
