"""SQL for the member aggregate: the people who talk to the bot."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.database import Database, utc_now_iso


@dataclass(frozen=True)
class MemberRow:
    """A member as stored."""

    id: int
    telegram_user_id: int
    language: str | None
    reachable: bool


def _row_to_member(row: aiosqlite.Row) -> MemberRow:
    return MemberRow(
        id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        reachable=bool(row["reachable"]),
    )


class MemberRepository:
    """Reads and writes rows of ``members``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get_by_telegram_id(self, telegram_user_id: int) -> MemberRow | None:
        row = await self.database.fetch_one(
            "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return _row_to_member(row) if row else None

    async def upsert_language(self, telegram_user_id: int, language: str) -> None:
        now = utc_now_iso()
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_user_id, language, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (telegram_user_id)"
                " DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at",
                (telegram_user_id, language, now, now),
            )

    async def set_reachable(self, telegram_user_id: int, reachable: bool) -> bool:
        """Record whether the bot can write to the member; False if there is no such member."""
        async with self.database.transaction() as tx:
            changed = await tx.execute(
                "UPDATE members SET reachable = ?, updated_at = ? WHERE telegram_user_id = ?",
                (int(reachable), utc_now_iso(), telegram_user_id),
            )
        return changed > 0
