"""SQL for pre-departure guidance: a member's checklist ticks and departure reminders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.database import Database, Row, to_utc_text


@dataclass(frozen=True)
class ReminderRow:
    """A departure reminder as stored."""

    member_id: int
    days_before: int
    departure_date: date
    due_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class DueReminderRow:
    """A reminder to send now, with what the sender needs to address the member."""

    member_id: int
    telegram_user_id: int
    language: str | None
    country: str | None
    days_before: int
    departure_date: date
    due_at: datetime


def _reminder(row: Row) -> ReminderRow:
    return ReminderRow(
        member_id=row["member_id"],
        days_before=row["days_before"],
        departure_date=date.fromisoformat(row["departure_date"]),
        due_at=datetime.fromisoformat(row["due_at"]),
        sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
    )


def _due_reminder(row: Row) -> DueReminderRow:
    return DueReminderRow(
        member_id=row["member_id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        country=row["country"],
        days_before=row["days_before"],
        departure_date=date.fromisoformat(row["departure_date"]),
        due_at=datetime.fromisoformat(row["due_at"]),
    )


class GuidanceRepository:
    """Reads and writes rows of ``checklist_ticks`` and ``departure_reminders``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def add_tick(self, member_id: int, item_id: str, at: datetime) -> None:
        await self.database.execute(
            "INSERT INTO checklist_ticks (member_id, item_id, ticked_at) VALUES (?, ?, ?)"
            " ON CONFLICT (member_id, item_id) DO NOTHING",
            (member_id, item_id, to_utc_text(at)),
        )

    async def remove_tick(self, member_id: int, item_id: str) -> bool:
        """Delete a tick; False if there was none."""
        changed = await self.database.execute(
            "DELETE FROM checklist_ticks WHERE member_id = ? AND item_id = ?",
            (member_id, item_id),
        )
        return changed > 0

    async def ticked_items(self, member_id: int) -> dict[str, datetime]:
        """The member's ticked item ids and when each was ticked."""
        rows = await self.database.fetch_all(
            "SELECT item_id, ticked_at FROM checklist_ticks WHERE member_id = ?", (member_id,)
        )
        return {row["item_id"]: datetime.fromisoformat(row["ticked_at"]) for row in rows}

    async def replace_reminders(
        self, member_id: int, departure_date: date, due: Iterable[tuple[int, datetime]]
    ) -> None:
        """Make the member's reminders exactly ``due`` (days_before, due_at) for that date.

        A reminder already sent for the same departure date stays sent; a new date resets it.
        """
        planned = list(due)
        async with self.database.transaction() as tx:
            await tx.execute(
                "DELETE FROM departure_reminders WHERE member_id = ?"
                f" AND days_before NOT IN ({', '.join('?' for _ in planned) or 'NULL'})",
                (member_id, *(days for days, _ in planned)),
            )
            for days_before, due_at in planned:
                await tx.execute(
                    "INSERT INTO departure_reminders"
                    " (member_id, days_before, departure_date, due_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (member_id, days_before) DO UPDATE SET"
                    "  sent_at = CASE WHEN departure_reminders.departure_date"
                    "   = excluded.departure_date THEN departure_reminders.sent_at ELSE NULL END,"
                    "  departure_date = excluded.departure_date,"
                    "  due_at = excluded.due_at",
                    (member_id, days_before, departure_date.isoformat(), to_utc_text(due_at)),
                )

    async def delete_reminders(self, member_id: int) -> int:
        return await self.database.execute(
            "DELETE FROM departure_reminders WHERE member_id = ?", (member_id,)
        )

    async def reminders(self, member_id: int) -> list[ReminderRow]:
        """The member's reminders, soonest first."""
        rows = await self.database.fetch_all(
            "SELECT * FROM departure_reminders WHERE member_id = ? ORDER BY due_at",
            (member_id,),
        )
        return [_reminder(row) for row in rows]

    async def due_reminders(self, now: datetime, limit: int) -> list[DueReminderRow]:
        """Unsent reminders due by ``now`` for members who still want messages.

        Only the latest due reminder of each member is returned: when several are overdue
        (the bot was down), the 7-day one supersedes the 30-day one.
        """
        rows = await self.database.fetch_all(
            "SELECT r.member_id, r.days_before, r.departure_date, r.due_at,"
            "       m.telegram_user_id, m.language, m.country"
            " FROM departure_reminders AS r JOIN members AS m ON m.id = r.member_id"
            " WHERE r.sent_at IS NULL AND r.due_at <= ? AND m.announcements = 1"
            "   AND NOT EXISTS (SELECT 1 FROM departure_reminders AS later"
            "                   WHERE later.member_id = r.member_id AND later.sent_at IS NULL"
            "                     AND later.due_at <= ? AND later.days_before < r.days_before)"
            " ORDER BY r.due_at, r.member_id LIMIT ?",
            (to_utc_text(now), to_utc_text(now), limit),
        )
        return [_due_reminder(row) for row in rows]

    async def mark_sent(self, member_id: int, days_before: int, at: datetime) -> int:
        """Mark this reminder and the member's earlier unsent ones (superseded) as sent."""
        return await self.database.execute(
            "UPDATE departure_reminders SET sent_at = ?"
            " WHERE member_id = ? AND days_before >= ? AND sent_at IS NULL",
            (to_utc_text(at), member_id, days_before),
        )
