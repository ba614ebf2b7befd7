"""What ``kill -9`` leaves on disk at the worst moment: right after the bot's reply reached the
member, before the bot did anything more.

A crash keeps exactly what SQLite had committed. ``KillPoint`` copies the database's committed
state each time one chat changes in the sandbox (the member's message, then each message the
bot sends or edits and each press it answers), synchronously inside that call: the bot has
not even had the answer to its request yet. After the test has seen the reply, ``leave_on_disk``
puts the copy taken at the last of them in place of the database, as the bot, killed then,
would have left it; starting the bot again on it is the restart after the crash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from sandbox import Sandbox


class KillPoint:
    """Copies of one database as a crash would leave it, taken at the bot's writes to a chat."""

    def __init__(self, database: Path, chat_id: int) -> None:
        self.database = database
        self.chat_id = chat_id
        self.copy = database.with_name(database.name + ".at-kill")
        self.taken = 0

    def take(self) -> None:
        """Copy what is committed now (readers never wait for SQLite's one writer in WAL)."""
        with (
            closing(sqlite3.connect(self.database)) as source,
            closing(sqlite3.connect(self.copy)) as target,
        ):
            source.backup(target)
        self.taken += 1

    def leave_on_disk(self) -> None:
        """Replace the (stopped) bot's database with the last copy."""
        assert self.taken, "the bot wrote nothing to the chat while the kill point was set"
        for suffix in ("-wal", "-shm"):
            self.database.with_name(self.database.name + suffix).unlink(missing_ok=True)
        self.copy.replace(self.database)


@contextmanager
def kill_point(sandbox: Sandbox, database: Path, chat_id: int) -> Iterator[KillPoint]:
    """While inside: a copy of ``database`` at each change the bot makes to ``chat_id``."""
    point = KillPoint(database, chat_id)
    state = sandbox.state
    touch = state.touch

    def touch_and_copy(changed: int | None = None) -> None:
        touch(changed)
        if changed == chat_id:
            point.take()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(state, "touch", touch_and_copy)
        yield point
