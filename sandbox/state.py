"""The sandbox's in-memory world: users, private chats, messages, polls, files and updates.

Everything the emulated Telegram knows lives here, in plain Python objects. The Bot API
(``botapi``) and the user side (``userapi``) both mutate this state; waiters (long polls on
either side) are woken through :class:`Notifier` objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

#: Update kinds delivered when allowed_updates is empty or was never set (Telegram's default).
DEFAULT_ALLOWED_UPDATES: frozenset[str] = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

FIRST_USER_ID = 5_000_001
FIRST_POLL_ID = 5_800_000_000_000_000_001


def now() -> int:
    """Current Unix time in whole seconds, as Telegram's ``date`` fields."""
    return int(time.time())


class Notifier:
    """Wakes every waiter at once; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait for the next notification or ``seconds``, whichever comes first."""
        if seconds <= 0:
            return
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


@dataclass
class SandboxUser:
    """A person on the user side of the sandbox."""

    id: int
    first_name: str
    language_code: str
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False

    @property
    def phone_number(self) -> str:
        return f"+99{self.id:010d}"

    def to_api(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def to_chat(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def to_sandbox(self) -> JSON:
        return {**self.to_api(), "blocked": self.blocked, "phone_number": self.phone_number}


@dataclass
class StoredMessage:
    """One message in a private chat, with the Telegram ``Message`` JSON kept current."""

    chat_id: int
    message_id: int
    sender: str  # "user" or "bot"
    data: JSON
    raw_text: str | None = None
    parse_mode: str | None = None
    edited: bool = False
    poll_id: str | None = None
    reply_keyboard: JSON | None = None


@dataclass
class StoredPoll:
    """A poll the bot sent, with every user's current answer."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    persistent_ids: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    allows_revoting: bool = True
    is_closed: bool = False
    open_period: int | None = None
    close_date: int | None = None
    correct_option_id: int | None = None
    explanation: str | None = None
    votes: dict[int, list[int]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return counts

    def closed_now(self) -> bool:
        return self.is_closed or (self.close_date is not None and now() >= self.close_date)

    def to_api(self) -> JSON:
        counts = self.counts()
        poll: JSON = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": count, "persistent_id": pid}
                for text, count, pid in zip(self.options, counts, self.persistent_ids, strict=True)
            ],
            "total_voter_count": sum(1 for chosen in self.votes.values() if chosen),
            "is_closed": self.closed_now(),
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.open_period is not None:
            poll["open_period"] = self.open_period
        if self.close_date is not None:
            poll["close_date"] = self.close_date
        if self.correct_option_id is not None:
            poll["correct_option_id"] = self.correct_option_id
        if self.explanation:
            poll["explanation"] = self.explanation
        return poll


@dataclass
class StoredFile:
    """An uploaded photo or document, served at ``/sandbox/files/{file_id}``."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def file_path(self) -> str:
        folder = "photos" if self.kind == "photo" else "documents"
        return f"{folder}/{self.file_id}"

    def message_fields(self) -> JSON:
        """The file as a message carries it: ``photo`` (its one size) or ``document``."""
        if self.kind == "photo":
            size: JSON = {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.content),
            }
            return {"photo": [size]}
        document: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return {"document": document}


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class WorldState:
    """The whole emulated Telegram, as seen by one bot."""

    def __init__(
        self,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        first_user_id: int = FIRST_USER_ID,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.first_user_id = first_user_id
        self._chat_notifiers: dict[int, Notifier] = {}
        self.updates_changed = Notifier()
        self.closing = False
        self.reset()

    def reset(self) -> None:
        """Forget everything: users, chats, polls, files, updates, webhook, commands.

        The world gets a new ``world_id``: a page that knew the old world (before a reset, or
        before the server restarted) sees the change and reloads."""
        self.world_id = secrets.token_hex(8)
        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, list[StoredMessage]] = {}
        self._messages: dict[tuple[int, int], StoredMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self.polls: dict[str, StoredPoll] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates: deque[JSON] = deque()
        self.next_update_id = 1
        self.allowed_updates: list[str] = []
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.callback_queries: dict[str, JSON] = {}
        self.callback_answers: dict[str, JSON] = {}
        self._callback_answers_by_user: dict[int, dict[str, JSON]] = {}
        self.chat_actions: dict[int, str] = {}
        self.version = 0
        self.chat_versions: dict[int, int] = {}
        self._next_user_id = self.first_user_id
        self._next_poll_id = FIRST_POLL_ID
        self._next_file = 1
        self._next_callback = 1
        self.touch()
        self.updates_changed.notify()

    # --- bookkeeping -------------------------------------------------------------------------
    def touch(self, chat_id: int | None = None) -> None:
        """Record that a chat changed (its version moves on) and wake its waiters.

        Without ``chat_id`` (a reset) every chat's waiters wake. Waking only the chat that
        changed matters at scale: with a thousand people long-polling, one shared wake-up
        per message would cost a thousand re-checks.
        """
        self.version += 1
        if chat_id is None:
            self._notify_every_chat()
            return
        self.chat_versions[chat_id] = self.version
        notifier = self._chat_notifiers.get(chat_id)
        if notifier is not None:
            notifier.notify()

    def chat_notifier(self, chat_id: int) -> Notifier:
        """What a long poll on one chat waits on."""
        return self._chat_notifiers.setdefault(chat_id, Notifier())

    def _notify_every_chat(self) -> None:
        for notifier in self._chat_notifiers.values():
            notifier.notify()

    def close(self) -> None:
        """Wake every waiter for good: the server is stopping."""
        self.closing = True
        self._notify_every_chat()
        self.updates_changed.notify()

    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # --- users ---------------------------------------------------------------------------------
    def add_user(
        self,
        first_name: str,
        language_code: str,
        last_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
    ) -> SandboxUser:
        """A new user, numbered after the last; ``user_id`` brings back a known person (the
        demo's staff and members keep their ids across restarts) and must be free."""
        if user_id is not None and user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = SandboxUser(
            id=self._next_user_id if user_id is None else user_id,
            first_name=first_name,
            language_code=language_code,
            last_name=last_name,
            username=username,
        )
        if user_id is None:
            self._next_user_id += 1
        self.users[user.id] = user
        self.chats[user.id] = []
        self._next_message_id[user.id] = 1
        self.touch(user.id)
        return user

    # --- messages ------------------------------------------------------------------------------
    def add_message(
        self,
        chat_id: int,
        sender: str,
        fields: JSON,
        raw_text: str | None = None,
        parse_mode: str | None = None,
    ) -> StoredMessage:
        """Append a message to a private chat; ``fields`` are the content fields."""
        user = self.users[chat_id]
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        data: JSON = {
            "message_id": message_id,
            "from": self.bot_user() if sender == "bot" else user.to_api(),
            "chat": user.to_chat(),
            "date": now(),
            **fields,
        }
        stored = StoredMessage(
            chat_id=chat_id,
            message_id=message_id,
            sender=sender,
            data=data,
            raw_text=raw_text,
            parse_mode=parse_mode,
        )
        self.chats[chat_id].append(stored)
        self._messages[(chat_id, message_id)] = stored
        self.touch(chat_id)
        return stored

    def get_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        return self._messages.get((chat_id, message_id))

    def delete_message(self, chat_id: int, message_id: int) -> bool:
        stored = self._messages.pop((chat_id, message_id), None)
        if stored is None:
            return False
        self.chats[chat_id].remove(stored)
        self.touch(chat_id)
        return True

    def refresh_poll(self, poll: StoredPoll) -> None:
        """Copy a poll's current state into its message and wake chat waiters."""
        stored = self.get_message(poll.chat_id, poll.message_id)
        if stored is not None:
            stored.data["poll"] = poll.to_api()
        self.touch(poll.chat_id)

    # --- polls and files -----------------------------------------------------------------------
    def new_poll_id(self) -> str:
        poll_id = str(self._next_poll_id)
        self._next_poll_id += 1
        return poll_id

    def add_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        number = self._next_file
        self._next_file += 1
        stored = StoredFile(
            file_id=f"SBX{kind[0].upper()}{number:08d}",
            file_unique_id=f"sbxu{number:08d}",
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def new_callback_id(self) -> str:
        callback_id = f"{self.bot_id}{self._next_callback:010d}"
        self._next_callback += 1
        return callback_id

    def answer_callback(self, query_id: str, answer: JSON) -> None:
        """Record the bot's answer to a button press and wake the presser's chat."""
        self.callback_answers[query_id] = answer
        user_id = int(self.callback_queries[query_id]["from"]["id"])
        self._callback_answers_by_user.setdefault(user_id, {})[query_id] = answer
        self.touch(user_id)

    def callback_answers_for(self, user_id: int) -> dict[str, JSON]:
        """The bot's answers to one person's button presses, by query id."""
        return dict(self._callback_answers_by_user.get(user_id, {}))

    # --- updates -------------------------------------------------------------------------------
    def allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind in DEFAULT_ALLOWED_UPDATES

    def enqueue_update(self, kind: str, payload: JSON) -> JSON | None:
        """Queue an update for the bot unless its kind is filtered out by allowed_updates."""
        if not self.allowed(kind):
            return None
        update: JSON = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.updates_changed.notify()
        return update

    def set_allowed_updates(self, allowed: list[str]) -> None:
        """Remember allowed_updates (as Telegram does) and drop queued updates now filtered."""
        self.allowed_updates = list(allowed)
        self.updates = deque(u for u in self.updates if self.allowed(update_kind(u)))

    def confirm_updates(self, offset: int) -> None:
        """Drop every update whose id is below ``offset`` (negative: keep the last -offset)."""
        if offset < 0:
            keep = -offset
            while len(self.updates) > keep:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def drop_pending_updates(self) -> None:
        self.updates.clear()


def update_kind(update: JSON) -> str:
    """The kind of an update (``message``, ``callback_query``, ...)."""
    return next(key for key in update if key != "update_id")
