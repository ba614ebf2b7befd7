"""Callback data: a versioned prefix, a feature name and fields, checked on the way back in.

Callback data comes from the client and can be forged, so every handler matches on its own
feature's pattern and re-checks every field against what the member may do.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton

VERSION = "v1"
SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit for callback_data


def encode(feature: str, *fields: str) -> str:
    """Build callback data such as ``v1:lang:fr``; raises if it would exceed Telegram's limit."""
    data = SEPARATOR.join((VERSION, feature, *fields))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def button(feature: str, label: str, *fields: str) -> InlineKeyboardButton:
    """An inline button carrying ``v1:<feature>:<fields>``."""
    return InlineKeyboardButton(label, callback_data=encode(feature, *fields))


def pattern(feature: str) -> re.Pattern[str]:
    """The regex a CallbackQueryHandler uses to claim one feature's buttons."""
    return re.compile(rf"^{VERSION}{SEPARATOR}{re.escape(feature)}(?:{SEPARATOR}|$)")


def fields(data: str | None, feature: str) -> list[str]:
    """The fields after ``v1:<feature>:``; an empty list if the data is not this feature's."""
    prefix = f"{VERSION}{SEPARATOR}{feature}"
    if not data or not (data == prefix or data.startswith(prefix + SEPARATOR)):
        return []
    rest = data[len(prefix) + 1 :]
    return rest.split(SEPARATOR) if rest else []
