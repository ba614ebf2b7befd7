"""Departure reminders: planned 30, 7 and 1 days before at 09:00 local time, moved, cancelled,
handed out once with a fake clock, and kept across a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.deployment import Deployment
from bot.guidance import ReminderService, plan_reminders, reminder_zone
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.guidance import GuidanceRepository
from tests.bot.guidance.conftest import AddMember

MANILA = ZoneInfo("Asia/Manila")
NOW = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
DEPARTURE = date(2026, 12, 15)


@pytest.fixture
def reminders(database: Database) -> ReminderService:
    return ReminderService(GuidanceRepository(database))


def at_nine_manila(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=MANILA).astimezone(UTC)


def test_planned_at_nine_local_30_7_and_1_days_before() -> None:
    planned = plan_reminders(5, DEPARTURE, MANILA, NOW)
    assert [p.days_before for p in planned] == [30, 7, 1]
    assert [p.due_at for p in planned] == [
        at_nine_manila(date(2026, 11, 15)),
        at_nine_manila(date(2026, 12, 8)),
        at_nine_manila(date(2026, 12, 14)),
    ]
    assert planned[0].due_at == datetime(2026, 11, 15, 1, 0, tzinfo=UTC)
    assert all(p.member_id == 5 and p.departure_date == DEPARTURE for p in planned)


def test_past_reminders_are_not_planned() -> None:
    ten_days_before = at_nine_manila(DEPARTURE - timedelta(days=10))
    assert [p.days_before for p in plan_reminders(5, DEPARTURE, MANILA, ten_days_before)] == [7, 1]
    assert plan_reminders(5, DEPARTURE, MANILA, at_nine_manila(DEPARTURE)) == []


def test_reminder_zone_is_the_home_countrys(deployment: Deployment) -> None:
    assert reminder_zone(deployment) == MANILA


async def test_reschedule_stores_and_moves(
    reminders: ReminderService, add_member: AddMember
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    later = date(2027, 1, 20)
    await reminders.reschedule(member, later, MANILA, NOW)
    stored = await reminders.pending(member)
    assert [(r.days_before, r.departure_date) for r in stored] == [
        (30, later),
        (7, later),
        (1, later),
    ]
    assert stored[0].due_at == at_nine_manila(date(2026, 12, 21))


async def test_moving_closer_drops_reminders_now_in_the_past(
    reminders: ReminderService, add_member: AddMember
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    await reminders.reschedule(member, date(2026, 11, 10), MANILA, NOW)
    assert [r.days_before for r in await reminders.pending(member)] == [7, 1]


async def test_clearing_the_date_or_cancelling_drops_them(
    reminders: ReminderService, add_member: AddMember
) -> None:
    first, second = await add_member(), await add_member()
    for member in (first, second):
        await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    assert await reminders.reschedule(first, None, MANILA, NOW) == []
    await reminders.cancel(second)
    assert await reminders.pending(first) == [] == await reminders.pending(second)


async def test_deleting_the_member_drops_them(
    reminders: ReminderService, add_member: AddMember, database: Database
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    async with database.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE id = ?", (member,))
    row = await database.fetch_one("SELECT COUNT(*) FROM departure_reminders")
    assert row is not None and row[0] == 0


async def test_due_in_order_and_sent_once(
    reminders: ReminderService, add_member: AddMember
) -> None:
    early, late = await add_member(), await add_member(country="HK")
    await reminders.reschedule(late, DEPARTURE + timedelta(days=2), MANILA, NOW)
    await reminders.reschedule(early, DEPARTURE, MANILA, NOW)
    clock = at_nine_manila(date(2026, 11, 14))
    assert await reminders.due(clock) == []
    clock = at_nine_manila(date(2026, 11, 17))
    due = await reminders.due(clock)
    assert [(r.member_id, r.days_before) for r in due] == [(early, 30), (late, 30)]
    assert due[1].country == "HK" and due[0].language == "en"
    for reminder in due:
        await reminders.mark_sent(reminder, clock)
    assert await reminders.due(clock) == []
    clock = at_nine_manila(date(2026, 12, 8))
    assert [(r.member_id, r.days_before) for r in await reminders.due(clock)] == [(early, 7)]


async def test_an_overdue_reminder_is_superseded_by_a_later_one(
    reminders: ReminderService, add_member: AddMember
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    clock = at_nine_manila(date(2026, 12, 9))  # the bot was down for weeks
    due = await reminders.due(clock)
    assert [r.days_before for r in due] == [7]
    await reminders.mark_sent(due[0], clock)
    assert await reminders.due(clock + timedelta(days=10)) != []
    assert [r.days_before for r in await reminders.due(clock + timedelta(days=10))] == [1]


async def test_replanning_the_same_date_does_not_resend(
    reminders: ReminderService, add_member: AddMember
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    clock = at_nine_manila(date(2026, 11, 15))
    (sent,) = await reminders.due(clock)
    await reminders.mark_sent(sent, clock)
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    assert await reminders.due(clock) == []
    await reminders.reschedule(member, DEPARTURE + timedelta(days=1), MANILA, NOW)
    assert [r.days_before for r in await reminders.due(clock + timedelta(days=1))] == [30]


async def test_members_who_stopped_get_none(
    reminders: ReminderService, add_member: AddMember, database: Database
) -> None:
    member = await add_member()
    await reminders.reschedule(member, DEPARTURE, MANILA, NOW)
    async with database.transaction() as tx:
        await tx.execute("UPDATE members SET announcements = 0 WHERE id = ?", (member,))
    assert await reminders.due(at_nine_manila(DEPARTURE)) == []


async def test_reminders_survive_a_restart(settings: Settings, add_member: AddMember) -> None:
    first = await Database.open(settings.db_path)
    service = ReminderService(GuidanceRepository(first))
    async with first.transaction() as tx:
        member = await tx.insert(
            "INSERT INTO members (telegram_user_id, created_at, updated_at)"
            " VALUES (42, '2026-11-01', '2026-11-01')"
        )
    await service.reschedule(member, DEPARTURE, MANILA, NOW)
    await first.close()

    reopened = await Database.open(settings.db_path)
    try:
        due = await ReminderService(GuidanceRepository(reopened)).due(at_nine_manila(DEPARTURE))
        assert [(r.member_id, r.telegram_user_id, r.days_before) for r in due] == [(member, 42, 1)]
    finally:
        await reopened.close()
