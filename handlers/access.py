"""The chat's first filter on staff powers, and the actor behind each update.

Staff features declare here the permission each command and button needs; the gatekeeper
(handlers/gatekeeper.py) refuses everyone else before any feature handler runs. That is a
convenience: the defence is in the services, which check the actor themselves
(bot/access.py), so a command or button this filter misreads still reaches nothing.

Commands are read exactly as python-telegram-bot's CommandHandler reads them: from the
message's ``bot_command`` entity at offset 0 (``/staff,`` is ``/staff``; ``/STAFF@bot`` is
``/staff``). Text that starts, after invisible marks and spaces, with a slash and a staff
command's name is refused too: no handler runs it, but it is staff-shaped and the answer must
not depend on a parsing detail. Button data is parsed with the one grammar of
handlers/callbacks.py; data that does not parse but starts with a staff feature's prefix is
refused as that feature.

tests/handlers/test_access.py checks that every registered command and button outside the
member allow-list is declared here; tests/handlers/test_access_surface.py attacks them all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from telegram import Message, MessageEntity, Update

from bot.access import Permission
from handlers import callbacks

_SLASH_WORD = re.compile(r"/([A-Za-z0-9_]{1,64})")


@dataclass
class AccessRules:
    """Staff commands and button features, each with the permission it needs."""

    commands: dict[str, Permission] = field(default_factory=dict)
    features: dict[str, Permission] = field(default_factory=dict)

    def require(
        self,
        permission: Permission,
        *,
        commands: tuple[str, ...] = (),
        features: tuple[str, ...] = (),
    ) -> None:
        for command in commands:
            self.commands[command.lower()] = permission
        for feature in features:
            self.features[feature] = permission

    def needed_for(self, update: Update) -> Permission | None:
        """The permission this update needs, or None if anyone may send it."""
        if update.callback_query is not None:
            return self._needed_for_button(update.callback_query.data)
        message = update.effective_message
        if message is None:
            return None
        command = command_of(message) or staff_shaped(message.text)
        return self.commands.get(command) if command else None

    def _needed_for_button(self, data: str | None) -> Permission | None:
        parsed = callbacks.parse(data)
        if parsed is not None:
            return self.features.get(parsed[0])
        for feature, permission in self.features.items():
            if (data or "").startswith(f"{callbacks.VERSION}{callbacks.SEPARATOR}{feature}"):
                return permission
        return None


def command_of(message: Message) -> str | None:
    """The command python-telegram-bot's CommandHandler would run, lower case, without
    ``@botname``; None when the message is not a command."""
    text, entities = message.text, message.entities
    if not text or not entities:
        return None
    first = entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    return message.parse_entity(first)[1:].split("@", 1)[0].lower()


def staff_shaped(text: str | None) -> str | None:
    """The word after a slash at the start of ``text`` once invisible marks and spaces are
    skipped (lower case), else None."""
    if not text:
        return None
    start = 0
    while start < len(text) and (
        text[start].isspace() or unicodedata.category(text[start]) in ("Cf", "Mn", "Zs")
    ):
        start += 1
    match = _SLASH_WORD.match(text, start)
    return match.group(1).lower() if match else None
