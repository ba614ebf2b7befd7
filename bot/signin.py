"""Staff sign-in to the web console, through the bot: no passwords.

A staff member sends /console; the bot answers with a link holding a random token, bound to
them, valid for ``LINK_MINUTES`` and good once. Opening it shows a "Sign in" button (a link
preview fetched by Telegram, or a prefetching browser, must not use the link up); pressing it
makes a session: a random id the browser keeps in an HttpOnly, SameSite=Strict cookie, with a
form token (CSRF) of its own. A session ends at logout, after ``IDLE_MINUTES`` without use,
and at once when its staff member is removed (the rows belong to the staff record). Every
request reads the staff record again, so a changed role applies from the next page.

Only SHA-256 hashes of tokens and session ids are stored: a leaked database signs nobody in.
A person may ask for at most ``LINKS_PER_HOUR`` links (a leaked chat cannot mint them fast).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import Actor, Permission, require
from bot.staff import StaffService
from bot.storage.signin import SignInRepository

LINK_MINUTES = 10
IDLE_MINUTES = 30
LINKS_PER_HOUR = 5


class SignInRefused(ValueError):
    """A link that is unknown, used, expired, or whose holder is no longer staff."""


class TooManyLinks(ValueError):
    """More than ``LINKS_PER_HOUR`` links asked for within an hour."""


@dataclass(frozen=True)
class Session:
    """What the browser keeps (``session_id``, in its cookie) and what its forms carry."""

    session_id: str
    csrf_token: str


@dataclass(frozen=True)
class SignedIn:
    """A live session's actor and form token."""

    actor: Actor
    csrf_token: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SignInService:
    def __init__(self, repository: SignInRepository, staff: StaffService) -> None:
        self.repository = repository
        self.staff = staff

    async def new_link_token(self, actor: Actor, now: datetime) -> str:
        """A single-use sign-in token for the acting staff member (the link carries it)."""
        require(actor, Permission.VIEW)
        assert actor.telegram_user_id is not None  # staff in the chat
        since = now - timedelta(hours=1)
        if await self.repository.links_since(actor.telegram_user_id, since) >= LINKS_PER_HOUR:
            raise TooManyLinks(f"more than {LINKS_PER_HOUR} console links within an hour")
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=LINK_MINUTES)
        await self.repository.add_link(_hash(token), actor.telegram_user_id, now, expires)
        await self.staff.audit(actor, "console.link", None)
        return token

    async def sign_in(self, token: str, now: datetime) -> Session:
        """Use a link: a new session for its staff member."""
        telegram_user_id = await self.repository.use_link(_hash(token), now)
        if telegram_user_id is None or await self.staff.find(telegram_user_id) is None:
            raise SignInRefused("this sign-in link is unknown, used or expired")
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(24))
        await self.repository.add_session(
            _hash(session.session_id), telegram_user_id, session.csrf_token, now
        )
        staff = await self.staff.find(telegram_user_id)
        await self.staff.audit(Actor.at_console(telegram_user_id, staff), "console.sign_in", None)
        return session

    async def signed_in(self, session_id: str, now: datetime) -> SignedIn | None:
        """The session's actor, with their staff record read now; None when the session is
        unknown, idle too long, or its holder is no longer staff."""
        id_hash = _hash(session_id)
        row = await self.repository.session(id_hash)
        if row is None:
            return None
        if now - row.last_seen_at > timedelta(minutes=IDLE_MINUTES):
            await self.repository.end(id_hash)
            return None
        staff = await self.staff.find(row.telegram_user_id)
        if staff is None:
            await self.repository.end(id_hash)
            return None
        await self.repository.touch(id_hash, now)
        return SignedIn(Actor.at_console(row.telegram_user_id, staff), row.csrf_token)

    async def sign_out(self, session_id: str) -> None:
        await self.repository.end(_hash(session_id))

    async def erase_expired(self, now: datetime) -> int:
        """Links past their time and sessions idle too long (the daily retention sweep)."""
        return await self.repository.erase_expired(now, now - timedelta(minutes=IDLE_MINUTES))
