"""The application's surface as tests read it: every handler (conversation entry points, states
and fallbacks included), the commands they answer and the button features they claim."""

from __future__ import annotations

import re

from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from handlers.commands import MEMBER_COMMANDS
from handlers.context import App

#: Commands and button features any member may use.
MEMBER_ONLY_COMMANDS = {command for command, _ in MEMBER_COMMANDS} | {"cancel"}
MEMBER_FEATURES = {
    "reg",
    "menu",
    "lang",
    "consulate",
    "subs",
    "mydata",
    "delete",
    "pd",
    "remit",
    "ask",
    "rate",
    "resp",
}

_FEATURE = re.compile(r"(?:\^|\\A)v1:([a-z_]+)")


def all_handlers(app: App) -> list[object]:
    found: list[object] = []
    for group in app.handlers.values():
        for handler in group:
            found.append(handler)
            if isinstance(handler, ConversationHandler):
                found += handler.entry_points + handler.fallbacks
                found += [h for hs in handler.states.values() for h in hs]
    return found


def registered_commands(app: App) -> set[str]:
    return {c for h in all_handlers(app) if isinstance(h, CommandHandler) for c in h.commands}


def conversation_entry_commands(app: App) -> set[str]:
    """Commands that start a conversation."""
    found: set[str] = set()
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler):
                for entry in handler.entry_points:
                    if isinstance(entry, CommandHandler):
                        found |= set(entry.commands)
    return found


def button_feature(pattern: object) -> str:
    """The feature a button pattern claims (``\\Av1:<feature>...``)."""
    text = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
    match = _FEATURE.match(text)
    assert match, f"button pattern without a versioned feature prefix: {text!r}"
    return match.group(1)


def registered_features(app: App) -> set[str]:
    return {
        button_feature(h.pattern)
        for h in all_handlers(app)
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None
    }
