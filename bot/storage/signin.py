"""SQL for console sign-in links and sessions (the rules are in bot/signin.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionRow:
    telegram_user_id: int
    csrf_token: str
    last_seen_at: datetime


class SignInRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def links_since(self, telegram_user_id: int, since: datetime) -> int:
        row = await self.database.fetch_one(
            "SELECT count(*) FROM console_links WHERE telegram_user_id = ? AND created_at >= ?",
            (telegram_user_id, _iso(since)),
        )
        return int(row[0]) if row else 0

    async def add_link(
        self, token_hash: str, telegram_user_id: int, now: datetime, expires: datetime
    ) -> None:
        await self.database.execute(
            "INSERT INTO console_links (token_hash, telegram_user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash, telegram_user_id, _iso(now), _iso(expires)),
        )

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        """Mark an unused, unexpired link used; return its staff id (None: no such link)."""
        async with self.database.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT telegram_user_id FROM console_links WHERE token_hash = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (token_hash, _iso(now)),
            )
            if row is None:
                return None
            await tx.execute(
                "UPDATE console_links SET used_at = ? WHERE token_hash = ?",
                (_iso(now), token_hash),
            )
        return int(row[0])

    async def add_session(
        self, id_hash: str, telegram_user_id: int, csrf_token: str, now: datetime
    ) -> None:
        await self.database.execute(
            "INSERT INTO console_sessions (id_hash, telegram_user_id, csrf_token,"
            " created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
            (id_hash, telegram_user_id, csrf_token, _iso(now), _iso(now)),
        )

    async def session(self, id_hash: str) -> SessionRow | None:
        row = await self.database.fetch_one(
            "SELECT telegram_user_id, csrf_token, last_seen_at FROM console_sessions"
            " WHERE id_hash = ?",
            (id_hash,),
        )
        if row is None:
            return None
        return SessionRow(int(row[0]), row[1], datetime.fromisoformat(row[2]))

    async def touch(self, id_hash: str, now: datetime) -> None:
        await self.database.execute(
            "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?",
            (_iso(now), id_hash),
        )

    async def end(self, id_hash: str) -> None:
        await self.database.execute("DELETE FROM console_sessions WHERE id_hash = ?", (id_hash,))

    async def erase_expired(self, links_before: datetime, sessions_idle_since: datetime) -> int:
        async with self.database.transaction() as tx:
            links = await tx.execute(
                "DELETE FROM console_links WHERE expires_at < ?", (_iso(links_before),)
            )
            sessions = await tx.execute(
                "DELETE FROM console_sessions WHERE last_seen_at < ?",
                (_iso(sessions_idle_since),),
            )
        return links + sessions
