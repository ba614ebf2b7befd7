"""The typed context every callback receives: services, the member and their language."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.access import Actor, StaffMember
from bot.broadcasting import BroadcastRuntime
from bot.i18n import Translator
from bot.services import Services
from bot.storage.members import MemberRow
from handlers.access import AccessRules


class BotData:
    """Application-wide data; ``services`` and ``broadcasting`` (the delivery engine's
    runtime) are set by the app factory before start."""

    services: Services
    broadcasting: BroadcastRuntime

    def __init__(self) -> None:
        self.access = AccessRules()
        #: Where the staff console answers (set by the runner once it listens).
        self.console_url: str | None = None
        #: Where /healthz, /readyz and /metrics answer (set by the runner, bot/operations.py).
        self.ops_url: str | None = None


class AppContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with typed access to services and what the gatekeeper found out."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.member: MemberRow | None = None
        self.staff: StaffMember | None = None
        self.actor: Actor | None = None
        self._tr: Translator | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    async def acting(self, update: Update) -> Actor:
        """The person behind ``update`` as an actor, their staff record read now (so a role
        changed a moment ago applies); kept for the rest of the update. Services check what
        the actor may do (bot/access.py)."""
        if self.actor is not None:
            return self.actor
        user = update.effective_user
        if user is None:
            raise LookupError("an update without a user acts for no one")
        staff = self.staff or await self.services.staff.find(user.id)
        self.actor = Actor.in_chat(user.id, staff)
        return self.actor

    @property
    def tr(self) -> Translator:
        """The translator for this update's user (the default language if none is known)."""
        if self._tr is None:
            languages = self.services.languages
            self._tr = languages.translator(languages.default)
        return self._tr

    @tr.setter
    def tr(self, translator: Translator) -> None:
        self._tr = translator


App: TypeAlias = Application[
    ExtBot[Any],
    AppContext,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    JobQueue[AppContext],
]
