"""SQL for erasing rows whose time is up (the rules and periods are in bot/retention.py)."""

from __future__ import annotations

from datetime import date, datetime

from bot.storage.database import Database


class RetentionRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def erase_outboxes_finished_before(self, moment: datetime) -> int:
        """Erase the outbox rows of deliveries finished before ``moment``, keeping each
        delivery's counts per outcome in ``deliveries.summary``; return the rows erased."""
        cutoff = moment.isoformat(timespec="seconds")
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE deliveries SET summary = ("
                f"  SELECT {tx.dialect.json_object_of('status', 'n')} FROM ("
                "   SELECT status, count(*) AS n FROM delivery_outbox o"
                "   WHERE o.delivery_id = deliveries.id GROUP BY status) AS counts)"
                " WHERE summary IS NULL AND finished_at IS NOT NULL AND finished_at < ?",
                (cutoff,),
            )
            return await tx.execute(
                "DELETE FROM delivery_outbox WHERE delivery_id IN ("
                " SELECT id FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < ?)",
                (cutoff,),
            )

    async def erase_audit_before(self, moment: datetime) -> int:
        return await self.database.execute(
            "DELETE FROM audit_log WHERE at < ?", (moment.isoformat(timespec="seconds"),)
        )

    async def erase_reminders_departed_before(self, day: date) -> int:
        """Departure reminders of departures before ``day``: nothing left to remind of."""
        return await self.database.execute(
            "DELETE FROM departure_reminders WHERE departure_date < ?", (day.isoformat(),)
        )

    async def erase_responses_finished_before(self, moment: datetime) -> int:
        """Answers to announcements finished before ``moment``, and the contacts shared with
        them (ON DELETE CASCADE); return the answers erased."""
        return await self.database.execute(
            "DELETE FROM responses WHERE broadcast_id IN (SELECT id FROM broadcasts"
            " WHERE finished_at IS NOT NULL AND finished_at < ?)",
            (moment.isoformat(timespec="seconds"),),
        )
