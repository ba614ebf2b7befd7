"""Departure reminders 30, 7 and 1 days before a member leaves, kept as rows so they survive
restarts. Every function takes ``now``: the scheduler's sweep passes the clock, tests a fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.deployment import Deployment
from bot.storage.guidance import DueReminderRow, GuidanceRepository, ReminderRow

DAYS_BEFORE = (30, 7, 1)
LOCAL_SEND_TIME = time(9, 0)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder to send at ``due_at`` (UTC), ``days_before`` the departure date."""

    member_id: int
    days_before: int
    departure_date: date
    due_at: datetime


def plan_reminders(
    member_id: int, departure_date: date, zone: tzinfo, now: datetime
) -> list[PlannedReminder]:
    """The reminders still ahead of ``now``: 09:00 in ``zone``, 30, 7 and 1 days before."""
    planned = []
    for days_before in DAYS_BEFORE:
        local_day = departure_date - timedelta(days=days_before)
        due_at = datetime.combine(local_day, LOCAL_SEND_TIME, tzinfo=zone).astimezone(UTC)
        if due_at > now:
            planned.append(PlannedReminder(member_id, days_before, departure_date, due_at))
    return planned


def reminder_zone(deployment: Deployment) -> ZoneInfo:
    """Where reminders are timed: the home country, since members are there before leaving.

    Falls back to UTC for a home country that tzdata does not list.
    """
    return ZoneInfo(deployment.home_zone)


class ReminderService:
    """Plans, moves, cancels and hands out departure reminders."""

    def __init__(self, repository: GuidanceRepository) -> None:
        self.repository = repository

    async def reschedule(
        self, member_id: int, departure_date: date | None, zone: tzinfo, now: datetime
    ) -> list[PlannedReminder]:
        """Plan the member's reminders for a new (or first) date; no date cancels them."""
        if departure_date is None:
            await self.cancel(member_id)
            return []
        planned = plan_reminders(member_id, departure_date, zone, now)
        await self.repository.replace_reminders(
            member_id, departure_date, [(p.days_before, p.due_at) for p in planned]
        )
        return planned

    async def cancel(self, member_id: int) -> None:
        """Drop every reminder of the member (on /stop; deletion cascades on its own)."""
        await self.repository.delete_reminders(member_id)

    async def pending(self, member_id: int) -> list[ReminderRow]:
        """The member's stored reminders, soonest first (for /predeparture and data export)."""
        return await self.repository.reminders(member_id)

    async def due(self, now: datetime, limit: int = SWEEP_BATCH) -> list[DueReminderRow]:
        """Reminders to send now, oldest first, at most one per member."""
        return await self.repository.due_reminders(now, limit)

    async def mark_sent(self, reminder: DueReminderRow, now: datetime) -> None:
        """Record the reminder as sent (and any older one it superseded), so it never repeats."""
        await self.repository.mark_sent(reminder.member_id, reminder.days_before, now)
