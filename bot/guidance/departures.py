"""Departure reminders for members preparing to leave: who gets them, and what is due.

Only a registered member preparing to leave, with a departure date and announcements on, has
reminders; anyone else's are cancelled. Days left are counted in the reminder zone (the home
country's, where the member still is before leaving).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.guidance.reminders import PlannedReminder, ReminderService
from bot.members import MemberService
from bot.registration.answers import MemberType
from bot.registration.service import RegistrationService
from bot.storage.guidance import DueReminderRow


@dataclass(frozen=True)
class DueDeparture:
    """A departure reminder to send now, and the whole days left before the member leaves."""

    reminder: DueReminderRow
    days_left: int


class DepartureReminders:
    """Plans, cancels and finds due departure reminders from members' confirmed answers."""

    def __init__(
        self,
        members: MemberService,
        registration: RegistrationService,
        reminders: ReminderService,
        zone: ZoneInfo,
    ) -> None:
        self.members = members
        self.registration = registration
        self.reminders = reminders
        self.zone = zone

    async def plan(self, telegram_user_id: int, now: datetime) -> list[PlannedReminder]:
        """Plan the member's reminders, or drop them. Call after every confirmed change."""
        member = await self.members.find(telegram_user_id)
        if member is None:
            return []
        profile = await self.registration.profile(telegram_user_id)
        wanted = (
            profile is not None
            and member.announcements
            and profile.member_type is MemberType.LEAVING
        )
        departure = profile.departure_date if wanted and profile else None
        return await self.reminders.reschedule(member.id, departure, self.zone, now)

    async def cancel(self, telegram_user_id: int) -> None:
        """Drop the member's reminders (on /stop)."""
        member = await self.members.find(telegram_user_id)
        if member is not None:
            await self.reminders.cancel(member.id)

    async def due(self, now: datetime) -> list[DueDeparture]:
        """The reminders to send at ``now`` with the days left.

        A reminder whose departure date has already passed (the bot was down) is marked sent
        and not returned: it would only confuse.
        """
        today = now.astimezone(self.zone).date()
        due = []
        for reminder in await self.reminders.due(now):
            days_left = (reminder.departure_date - today).days
            if days_left < 0:
                await self.reminders.mark_sent(reminder, now)
            else:
                due.append(DueDeparture(reminder, days_left))
        return due
