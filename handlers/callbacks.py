"""Callback data: a versioned prefix, a feature name and fields, checked on the way back in.

Callback data comes from the client and can be forged, so it is matched in full (``\\A`` and
``\\Z``: a ``$`` would also match before a final newline) against one grammar, every handler
claims only its own feature's buttons, and each re-checks every field against what the person
may do.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton

VERSION = "v1"
SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit for callback_data
#: One field: ids, codes, numbers and dates; nothing else is ever encoded.
FIELD = r"[A-Za-z0-9_.\-]{1,60}"
_WELL_FORMED = re.compile(rf"\A{VERSION}(?:{SEPARATOR}{FIELD})+\Z")


def encode(feature: str, *fields: str) -> str:
    """Build callback data such as ``v1:lang:fr``; raises if it would exceed Telegram's limit
    or break the grammar."""
    data = SEPARATOR.join((VERSION, feature, *fields))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    if not _WELL_FORMED.match(data):
        raise ValueError(f"callback data outside the grammar: {data!r}")
    return data


def button(feature: str, label: str, *fields: str) -> InlineKeyboardButton:
    """An inline button carrying ``v1:<feature>:<fields>``."""
    return InlineKeyboardButton(label, callback_data=encode(feature, *fields))


def parse(data: str | None) -> tuple[str, list[str]] | None:
    """``(feature, fields)`` of well-formed callback data, else None."""
    if not data or not _WELL_FORMED.match(data):
        return None
    _, feature, *rest = data.split(SEPARATOR)
    return feature, rest


def pattern(feature: str) -> re.Pattern[str]:
    """The regex a CallbackQueryHandler uses to claim one feature's buttons, in full."""
    return re.compile(rf"\A{VERSION}{SEPARATOR}{re.escape(feature)}(?:{SEPARATOR}{FIELD})*\Z")


def exact(data: str) -> re.Pattern[str]:
    """The regex that claims exactly one button's data."""
    return re.compile(rf"\A{re.escape(data)}\Z")


def fields(data: str | None, feature: str) -> list[str]:
    """The fields after ``v1:<feature>:``; an empty list if the data is not this feature's."""
    parsed = parse(data)
    if parsed is None or parsed[0] != feature:
        return []
    return parsed[1]
