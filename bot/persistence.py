"""Conversation persistence in the bot's database (SQLite or PostgreSQL), for python-telegram-bot.

Only conversation states and per-user drafts are kept (no chat or bot data). The application
calls ``update_persistence`` after every update (see handlers/persistence_flush.py), so a
restart loses no step a member has taken. That runs after the handler has replied, though: a
crash in between would lose a step the member saw answered. So a conversation whose steps
matter writes its new state and the person's user_data together, in one transaction, before
its reply (``save_step``); the flush after the update then finds nothing new.

Nothing before consent: a person's state and user_data are written only while the database
already names them: a ``members`` row (created when they press "I agree", see
bot/registration/consent.py) or a ``staff`` row. The check is part of the write itself
(``INSERT ... SELECT ... WHERE EXISTS``), so it costs no query of its own, and runs only
when something changed. Everyone else's state stays in this process's memory and is lost on
restart: someone who had not agreed yet simply starts again. Once a person is no longer named
(erased, expired, removed from staff), their next write removes what was stored instead.
Conversations are keyed ``[chat_id, user_id]`` (the default): the last element is the person.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.storage.database import Database, Transaction, utc_now_iso

UserData = dict[Any, Any]
#: Where the persistence writes: a statement committed on its own, or inside a transaction.
Writer = Database | Transaction
_NOT_SAVED = object()

#: True when the database names person ``?`` (twice: the same id for both checks).
_NAMED = (
    "EXISTS (SELECT 1 FROM members WHERE telegram_user_id = ?)"
    " OR EXISTS (SELECT 1 FROM staff WHERE telegram_user_id = ?)"
)


def _encoded(state: object | None) -> str | None:
    return None if state is None else json.dumps(state)


class DatabasePersistence(BasePersistence[UserData, dict[Any, Any], Any]):
    """Stores conversation states and user_data in the bot's database, for the people it
    names (see the module docstring)."""

    def __init__(self, database: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            # The application's periodic flush is a safety net; handlers flush every update.
            update_interval=5,
        )
        self.database = database
        # The data last written (or refused: a person not named) per user, so an update that
        # changed nothing writes nothing.
        self._handled: dict[int, str] = {}
        # States a step stored before its reply (``save_step``), per conversation and key: the
        # flush after that update brings the same state and need not write it again.
        self._saved_steps: dict[tuple[str, str], str | None] = {}

    async def get_user_data(self) -> dict[int, UserData]:
        rows = await self.database.fetch_all(
            "SELECT telegram_user_id, data FROM conversation_user_data"
        )
        self._handled = {int(row[0]): row[1] for row in rows}
        return {int(row[0]): json.loads(row[1]) for row in rows}

    async def reload_user_data(self, wanted: Callable[[int], bool]) -> dict[int, UserData]:
        """The stored user_data of the people ``wanted`` picks, read again: with sharded
        workers (bot/inbound.py) the process that had their shard before may have written it
        since. What this persistence knew of their last write is replaced too."""
        rows = await self.database.fetch_all(
            "SELECT telegram_user_id, data FROM conversation_user_data"
        )
        for user_id in [user_id for user_id in self._handled if wanted(user_id)]:
            del self._handled[user_id]
        fresh: dict[int, UserData] = {}
        for row in rows:
            user_id = int(row[0])
            if wanted(user_id):
                self._handled[user_id] = row[1]
                fresh[user_id] = json.loads(row[1])
        return fresh

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        encoded, changed = self._encode(user_id, data)
        if not changed:
            return
        await self._write_user_data(self.database, user_id, encoded)
        self._remember(user_id, encoded)

    async def save_step(
        self,
        name: str,
        key: ConversationKey,
        new_state: object | None,
        user_id: int,
        data: UserData,
    ) -> None:
        """Store where person ``user_id`` is in conversation ``name`` (None: no longer in it)
        and their user_data, together, now: for a handler about to reply (module docstring)."""
        encoded, changed = self._encode(user_id, data)
        if changed:
            async with self.database.transaction() as tx:
                await self._write_user_data(tx, user_id, encoded)
                stored = await self._write_state(tx, name, key, new_state)
            self._remember(user_id, encoded)
        else:
            # The state alone: its statements stand on their own, as the flush writes them.
            stored = await self._write_state(self.database, name, key, new_state)
        if stored:
            self._saved_steps[(name, json.dumps(list(key)))] = _encoded(new_state)

    def _encode(self, user_id: int, data: UserData) -> tuple[str | None, bool]:
        """The user_data as stored (None when empty), and whether that differs from what was
        last written (or refused) for the person."""
        encoded = json.dumps(data, sort_keys=True) if data else None
        return encoded, encoded != self._handled.get(user_id)

    async def _write_user_data(self, tx: Writer, user_id: int, encoded: str | None) -> None:
        """Store ``encoded`` user_data (None: remove it) if the database names the person;
        otherwise remove whatever was stored. Each statement stands on its own (the delete
        only follows a refused insert), so outside a transaction they commit one by one."""
        stored = False
        if encoded is not None:
            stored = bool(
                await tx.execute(
                    "INSERT INTO conversation_user_data (telegram_user_id, data, updated_at)"
                    f" SELECT ?, ?, ? WHERE {_NAMED} ON CONFLICT (telegram_user_id)"
                    " DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                    (user_id, encoded, utc_now_iso(), user_id, user_id),
                )
            )
        if not stored:
            await tx.execute(
                "DELETE FROM conversation_user_data WHERE telegram_user_id = ?", (user_id,)
            )

    def _remember(self, user_id: int, encoded: str | None) -> None:
        if encoded is None:
            self._handled.pop(user_id, None)
        else:
            self._handled[user_id] = encoded

    async def drop_user_data(self, user_id: int) -> None:
        await self.update_user_data(user_id, {})

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to refresh: only the process that holds a person's shard writes their data
        (bot/inbound.py), and it reads it again when it takes the shard (``reload_user_data``).
        """

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.database.fetch_all(
            "SELECT key, state FROM conversation_states WHERE name = ?", (name,)
        )
        return {tuple(json.loads(row[0])): json.loads(row[1]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        saved = self._saved_steps.pop((name, json.dumps(list(key))), _NOT_SAVED)
        if saved == _encoded(new_state):
            return
        await self._write_state(self.database, name, key, new_state)

    @staticmethod
    async def _write_state(
        tx: Writer, name: str, key: ConversationKey, new_state: object | None
    ) -> bool:
        """Store the state (None: remove it) if the database names the person (the key's
        last element); otherwise remove whatever was stored. False when a state was refused
        because the person is not named."""
        encoded_key = json.dumps(list(key))
        encoded = _encoded(new_state)
        person = key[-1]
        stored = encoded is not None and await tx.execute(
            "INSERT INTO conversation_states (name, key, state, updated_at)"
            f" SELECT ?, ?, ?, ? WHERE {_NAMED} ON CONFLICT (name, key) DO UPDATE"
            " SET state = excluded.state, updated_at = excluded.updated_at",
            (name, encoded_key, encoded, utc_now_iso(), person, person),
        )
        if stored:
            return True
        await tx.execute(
            "DELETE FROM conversation_states WHERE name = ? AND key = ?", (name, encoded_key)
        )
        return encoded is None

    async def unchanged_since(self, moment: datetime) -> list[int]:
        """The people whose user_data has not changed since ``moment``."""
        rows = await self.database.fetch_all(
            "SELECT telegram_user_id FROM conversation_user_data WHERE updated_at < ?",
            (moment.astimezone(UTC).isoformat(timespec="seconds"),),
        )
        return [int(row[0]) for row in rows]

    async def drop_conversations_of(self, user_id: int, name: str | None = None) -> None:
        """Forget where a person is in conversation ``name`` (every one if None), in the
        database only: the running ConversationHandler keeps its own copy, and a handler
        that finds the person's answers gone starts over (see handlers.registration.Session).
        """
        named, parameters = ("", (user_id,)) if name is None else (" AND name = ?", (user_id, name))
        await self.database.execute(
            "DELETE FROM conversation_states WHERE"
            f" {self.database.dialect.last_json_item('key')} = ?{named}",
            parameters,
        )
        for saved in [s for s in self._saved_steps if name is None or s[0] == name]:
            if json.loads(saved[1])[-1] == user_id:
                del self._saved_steps[saved]

    # Chat data, bot data and callback data are not kept.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> Any:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not kept."""

    async def update_bot_data(self, data: Any) -> None:
        """Not kept."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Not kept."""

    async def flush(self) -> None:
        """Every write is already committed."""
