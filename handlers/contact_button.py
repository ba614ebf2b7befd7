"""Waiting for a member's phone number through Telegram's contact button.

Used where a member chooses to share their number (with a programme office in
handlers/responses.py, for a call-back in handlers/ask.py): a one-time keyboard with the contact
button and Cancel, and a small persistent conversation that takes the contact or, on anything
else, shares nothing.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.i18n import Translator
from handlers.context import AppContext

Step = Callable[[Update, AppContext], Coroutine[Any, Any, object]]


def contact_keyboard(tr: Translator, label: str) -> ReplyKeyboardMarkup:
    """The contact button (``label``, already translated) above Cancel, gone after one use."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(label, request_contact=True)],
            [KeyboardButton(tr.gettext("Cancel"))],
        ],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


def waiting_for_contact(
    name: str, entry: Step, pattern: re.Pattern[str], state: int, on_contact: Step, other: Step
) -> ConversationHandler[AppContext]:
    """Entered by the button matching ``pattern`` only; in ``state`` a contact goes to
    ``on_contact`` and any other message to ``other``."""
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # Buttons are matched by their data, not per message: that is intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(entry, pattern=pattern)],
            states={
                state: [
                    MessageHandler(filters.CONTACT & private, on_contact),
                    MessageHandler(filters.TEXT & ~filters.COMMAND & private, other),
                ]
            },
            fallbacks=[],
            allow_reentry=True,
            name=name,
            persistent=True,
        )
