"""The inbound queue's SQL (migration 0027): updates the webhook receiver took, waiting for the
worker of their shard (bot/inbound.py), and who is working on shards (the ``leases`` table)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database, Transaction


@dataclass(frozen=True)
class Queued:
    """One waiting update: its row, Telegram's update_id and the JSON body."""

    id: int
    update_id: int
    body: str


class InboundRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def append(
        self, update_id: int, user_id: int | None, shard: int, body: str, now: float
    ) -> bool:
        """Queue an update, committed on return; False when that update_id is already queued
        (or was handled within the last hour): Telegram retried a call."""
        added = await self.database.execute(
            "INSERT INTO inbound_updates (update_id, user_id, shard, body, received_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING",
            (update_id, user_id, shard, body, now),
        )
        return added > 0

    async def next_waiting(self, shard: int, limit: int) -> list[Queued]:
        """The first ``limit`` updates of ``shard`` not handled yet, in update order."""
        async with self.database.transaction() as tx:
            rows = await tx.fetch_all(
                "SELECT id, update_id, body FROM inbound_updates"
                " WHERE shard = ? AND handled = 0 ORDER BY update_id LIMIT ?"
                + self.database.dialect.skip_locked,
                (shard, limit),
            )
        return [Queued(int(row[0]), int(row[1]), str(row[2])) for row in rows]

    async def mark_handled(self, row_id: int, now: float) -> bool:
        """Mark the update handled and clear what it said and who sent it; False when it was
        not waiting any more (another worker handled it, or the member's erasure took it)."""
        changed = await self.database.execute(
            "UPDATE inbound_updates SET handled = 1, handled_at = ?, body = NULL,"
            " user_id = NULL WHERE id = ? AND handled = 0",
            (now, row_id),
        )
        return changed > 0

    async def prune(self, handled_before: float, received_before: float) -> tuple[int, int]:
        """Delete handled rows older than ``handled_before`` and, after that, waiting rows
        received before ``received_before`` (no worker took them: Telegram itself gives up on
        an update after a day). Returns (handled rows, waiting rows) deleted."""
        async with self.database.transaction() as tx:
            handled = await tx.execute(
                "DELETE FROM inbound_updates WHERE handled = 1 AND handled_at < ?",
                (handled_before,),
            )
            waiting = await tx.execute(
                "DELETE FROM inbound_updates WHERE handled = 0 AND received_at < ?",
                (received_before,),
            )
        return handled, waiting

    async def depth(self) -> int:
        """How many updates wait to be handled, across every shard."""
        row = await self.database.fetch_one(
            "SELECT count(*) FROM inbound_updates WHERE handled = 0"
        )
        return int(row[0]) if row is not None else 0

    async def holders_named(self, prefix: str, now: float) -> list[str]:
        """The holders of the unexpired leases whose name starts with ``prefix``."""
        rows = await self.database.fetch_all(
            "SELECT holder FROM leases WHERE name LIKE ? AND expires_at > ?",
            (_like_prefix(prefix), now),
        )
        return [str(row[0]) for row in rows]


async def erase_queued_of(tx: Transaction, telegram_user_id: int) -> None:
    """The person's updates still waiting in the inbound queue (their erasure, /delete)."""
    await tx.execute("DELETE FROM inbound_updates WHERE user_id = ?", (telegram_user_id,))


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching names that start with ``prefix`` (which holds no % or _)."""
    assert "%" not in prefix and "_" not in prefix
    return prefix + "%"
