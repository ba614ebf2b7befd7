"""SQL for measuring the inbox: each thread's first-answer time and the members' ratings
(rules in bot/inbox/measures.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, to_utc_text


@dataclass(frozen=True)
class ThreadTiming:
    """One thread as measured: no member, no text."""

    consulate_id: str
    status: str
    created_at: datetime
    first_answer_at: datetime | None
    rating: int | None


@dataclass(frozen=True)
class RatingPrompt:
    """A closed, answered thread whose member has not yet been asked for a rating."""

    thread_id: int
    reference: str
    language: str
    member_telegram_id: int


class InboxMeasuresRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def timings(
        self, consulates: frozenset[str], since: datetime | None
    ) -> list[ThreadTiming]:
        """Threads of ``consulates`` opened since ``since`` (None: all kept), each with the
        time of the consulate's first answer."""
        marks = ", ".join("?" * len(consulates))
        rows = await self.database.fetch_all(
            "SELECT t.consulate_id, t.status, t.created_at, t.rating,"
            " (SELECT min(m.created_at) FROM inbox_messages AS m"
            "  WHERE m.thread_id = t.id AND m.sender = 'staff')"
            f" FROM inbox_threads AS t WHERE t.consulate_id IN ({marks}) AND t.created_at >= ?",
            (*sorted(consulates), to_utc_text(since) if since else ""),
        )
        return [
            ThreadTiming(
                consulate_id=row[0],
                status=row[1],
                created_at=datetime.fromisoformat(row[2]),
                rating=row[3],
                first_answer_at=datetime.fromisoformat(row[4]) if row[4] else None,
            )
            for row in rows
        ]

    async def rating_prompts(self) -> list[RatingPrompt]:
        """Closed threads with an answer whose member was never asked for a rating."""
        rows = await self.database.fetch_all(
            "SELECT t.id, t.reference, t.language, m.telegram_user_id"
            " FROM inbox_threads AS t JOIN members AS m ON m.id = t.member_id"
            " WHERE t.status = 'closed' AND t.rating_asked_at IS NULL AND EXISTS"
            " (SELECT 1 FROM inbox_messages AS x WHERE x.thread_id = t.id AND x.sender = 'staff')"
            " ORDER BY t.closed_at, t.id"
        )
        return [RatingPrompt(row[0], row[1], row[2], row[3]) for row in rows]

    async def mark_rating_asked(self, thread_id: int, now: datetime) -> None:
        await self.database.execute(
            "UPDATE inbox_threads SET rating_asked_at = ? WHERE id = ?",
            (to_utc_text(now), thread_id),
        )

    async def rate(self, reference: str, member_telegram_id: int, rating: int) -> bool:
        """Record the member's rating of their thread, once it was asked for and only once;
        False when there is nothing to rate."""
        changed = await self.database.execute(
            "UPDATE inbox_threads SET rating = ? WHERE reference = ? AND rating IS NULL"
            " AND rating_asked_at IS NOT NULL AND member_id ="
            " (SELECT id FROM members WHERE telegram_user_id = ?)",
            (rating, reference, member_telegram_id),
        )
        return changed > 0
