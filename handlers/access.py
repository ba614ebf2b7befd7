"""Who may use which command or button: staff features declare what they need here, and the
gatekeeper refuses everyone else before any feature handler runs.

Keeping the rule in one place means a staff handler cannot be added without a permission:
tests/handlers/test_access.py enumerates every registered handler and checks that each
command and button outside the member allow-list is declared here and refused to non-staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Update

from bot.staff import Permission
from handlers import callbacks


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
        """The permission this update needs, or None if members may send it."""
        if update.callback_query is not None:
            data = update.callback_query.data or ""
            prefix, _, rest = data.partition(callbacks.SEPARATOR)
            feature = rest.split(callbacks.SEPARATOR, 1)[0]
            return self.features.get(feature) if prefix == callbacks.VERSION else None
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            command = message.text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
            return self.commands.get(command)
        return None
