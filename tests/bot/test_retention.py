"""Rows whose time is up are erased by the daily sweep, and only those: old outboxes (their
counts kept), old audit entries, reminders of departures that have passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.retention import RetentionPolicy, RetentionService
from bot.storage.database import Database, SqliteDatabase
from broadcasts.outbox import Outbox, OutboxStatus
from tests.broadcasts.builders import add_member

POLICY = RetentionPolicy(outbox_days=30, audit_days=5 * 365)
NOW = datetime(2027, 6, 1, 3, 37, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def finished_delivery(database: Database, finished: datetime, members: list[int]) -> int:
    async with database.transaction() as tx:
        delivery = await tx.insert(
            "INSERT INTO deliveries (kind, status, default_language, created_at, finished_at)"
            " VALUES ('message', 'done', 'en', ?, ?)",
            (iso(finished), iso(finished)),
        )
        for index, member in enumerate(members):
            status = "sent" if index else "unreachable"
            await tx.execute(
                "INSERT INTO delivery_outbox (delivery_id, member_id, language, status)"
                " VALUES (?, ?, 'en', ?)",
                (delivery, member, status),
            )
    return delivery


async def test_old_outboxes_go_and_their_counts_stay(database: Database) -> None:
    members = [await add_member(database, 100 + i) for i in range(4)]
    old = await finished_delivery(database, NOW - timedelta(days=31), members)
    recent = await finished_delivery(database, NOW - timedelta(days=29), members)
    counts_before = await Outbox(database).counts(old)

    erased = await RetentionService(database, POLICY).erase_expired(NOW)

    assert erased.outbox_rows == 4
    rows = await database.fetch_all("SELECT delivery_id FROM delivery_outbox")
    assert {row[0] for row in rows} == {recent}
    assert await Outbox(database).counts(old) == counts_before
    assert counts_before[OutboxStatus.SENT] == 3 and counts_before[OutboxStatus.UNREACHABLE] == 1


async def test_the_audit_log_is_kept_for_its_period(database: Database) -> None:
    async with database.transaction() as tx:
        for days in (6 * 365, 4 * 365):
            await tx.execute(
                "INSERT INTO audit_log (at, actor, action) VALUES (?, 'tg:1', 'staff.put')",
                (iso(NOW - timedelta(days=days)),),
            )
    erased = await RetentionService(database, POLICY).erase_expired(NOW)
    assert erased.audit_entries == 1
    (left,) = await database.fetch_all("SELECT at FROM audit_log")
    assert left[0] == iso(NOW - timedelta(days=4 * 365))


async def test_reminders_of_departures_that_passed_go(database: Database) -> None:
    gone, coming = await add_member(database, 201), await add_member(database, 202)
    async with database.transaction() as tx:
        for member, departure in ((gone, NOW.date() - timedelta(days=1)), (coming, NOW.date())):
            await tx.execute(
                "INSERT INTO departure_reminders (member_id, days_before, departure_date, due_at)"
                " VALUES (?, 1, ?, ?)",
                (member, departure.isoformat(), iso(NOW)),
            )
    erased = await RetentionService(database, POLICY).erase_expired(NOW)
    assert erased.reminders == 1
    rows = await database.fetch_all("SELECT member_id FROM departure_reminders")
    assert [row[0] for row in rows] == [coming]
    if isinstance(database, SqliteDatabase):  # the erased rows left the WAL too
        assert database.path.with_name(database.path.name + "-wal").stat().st_size == 0


async def test_answers_and_shared_contacts_go_a_period_after_their_announcement_finished(
    database: Database,
) -> None:
    member = await add_member(database, 300)
    async with database.transaction() as tx:
        for broadcast_id, days in ((1, POLICY.responses_days + 1), (2, POLICY.responses_days - 1)):
            await tx.execute(
                "INSERT INTO broadcasts (id, kind, category, status, author, default_language,"
                " schedule, created_at, finished_at) VALUES (?, 'message', 'investment', 'done',"
                " 'cli:x', 'en', '{}', ?, ?)",
                (broadcast_id, iso(NOW), iso(NOW - timedelta(days=days))),
            )
            await tx.execute(
                "INSERT INTO responses (broadcast_id, member_id, status, answered_at)"
                " VALUES (?, ?, 'confirmed', ?)",
                (broadcast_id, member, iso(NOW)),
            )
            await tx.execute(
                "INSERT INTO shared_contacts (broadcast_id, member_id, name, contact_kind,"
                " contact, shared_at) VALUES (?, ?, 'Ana', 'username', '@ana', ?)",
                (broadcast_id, member, iso(NOW)),
            )

    erased = await RetentionService(database, POLICY).erase_expired(NOW)

    assert erased.responses == 1
    for table in ("responses", "shared_contacts"):
        rows = await database.fetch_all(f"SELECT broadcast_id FROM {table}")
        assert [row[0] for row in rows] == [2], table
