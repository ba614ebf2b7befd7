"""Migration 0014 on a database written by the code before it: the fields no feature read
(city, skills, plans, phone) leave the members table and the file's bytes; rows that named
people who never consented go; registrations in progress start again; what is left works."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.database import Database, bundled_migrations

NOW = "2026-11-01T10:00:00+00:00"
REGISTERED, LANGUAGE_ONLY, HALF_WAY, STAFF = 5_000_001, 5_000_002, 5_000_003, 5_000_004
# Distinctive answers, found in the raw bytes only if they are still there.
CITY, SKILLS, PHONE = "Quillersby-under-Wrexle", "zither restoration", "+63 917 555 0199"
DRAFT_CITY = "Vondelmark-on-Sea"
DROPPED = ("city", "skills", "intention", "phone")


def raw_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return b"".join(p.read_bytes() for p in (path, wal) if p.exists())


@pytest.fixture
async def old_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A database as the code before 0014 left it (closed after the test, pass or fail)."""
    database = await Database.open(tmp_path / "old.sqlite3", migrate=False)
    try:
        await database.upgrade([m for m in bundled_migrations() if m.version < 14])
        await fill_the_old_way(database)
        yield database
    finally:
        await database.close()


async def fill_the_old_way(database: Database) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO members (telegram_user_id, language, status, consent_version,"
            " consent_at, registered_at, member_type, country, consulate_id, city, skills,"
            " birth_year, gender, intention, phone, created_at, updated_at)"
            " VALUES (?, 'en', 'registered', '2026-11-22', ?, ?, 'abroad', 'GB', 'london',"
            " ?, ?, 1988, 'female', 'circular', ?, ?, ?)",
            (REGISTERED, NOW, NOW, CITY, SKILLS, PHONE, NOW, NOW),
        )
        await tx.execute(  # what /language left for someone who never registered
            "INSERT INTO members (telegram_user_id, language, created_at, updated_at)"
            " VALUES (?, 'fr', ?, ?)",
            (LANGUAGE_ONLY, NOW, NOW),
        )
        await tx.execute(
            "INSERT INTO staff (telegram_user_id, role, added_by, added_at)"
            " VALUES (?, 'editor', 'test', ?)",
            (STAFF, NOW),
        )
        drafts = {
            HALF_WAY: {"registration": {"draft": {"city": DRAFT_CITY}}},  # no row: old rules
            LANGUAGE_ONLY: {"remit": {"amount": 100}},
            REGISTERED: {"registration": {"draft": {"city": DRAFT_CITY}}, "remit": {"x": 1}},
            STAFF: {"announce": {"texts": {}}},
        }
        for user_id, data in drafts.items():
            await tx.execute(
                "INSERT INTO conversation_user_data VALUES (?, ?, ?)",
                (user_id, json.dumps(data), NOW),
            )
        states = [
            ("registration", HALF_WAY, 5),
            ("registration", REGISTERED, 15),
            ("remit", LANGUAGE_ONLY, 1),
            ("announce", STAFF, 2),
        ]
        for name, user_id, state in states:
            await tx.execute(
                "INSERT INTO conversation_states VALUES (?, ?, ?, ?)",
                (name, json.dumps([user_id, user_id]), json.dumps(state), NOW),
            )


async def test_0014_erases_the_unused_fields_and_what_named_people_without_consent(
    old_database: Database,
) -> None:
    database, path = old_database, old_database.path
    assert all(text.encode() in raw_bytes(path) for text in (CITY, SKILLS, PHONE, DRAFT_CITY))

    await database.upgrade()

    rows = await database.fetch_all("SELECT name FROM pragma_table_info('members')")
    columns = {row[0] for row in rows}
    assert columns & set(DROPPED) == set()
    left = raw_bytes(path)
    assert [text for text in (CITY, SKILLS, PHONE, DRAFT_CITY) if text.encode() in left] == []
    members = await database.fetch_all("SELECT * FROM members")
    assert [
        (m["telegram_user_id"], m["country"], m["birth_year"], m["gender"]) for m in members
    ] == [(REGISTERED, "GB", 1988, "female")]
    drafts = await database.fetch_all(
        "SELECT telegram_user_id, data FROM conversation_user_data ORDER BY 1"
    )
    assert [(row[0], json.loads(row[1])) for row in drafts] == [
        (REGISTERED, {"remit": {"x": 1}}),
        (STAFF, {"announce": {"texts": {}}}),
    ]
    states = await database.fetch_all("SELECT name, key FROM conversation_states ORDER BY 1")
    assert [tuple(row) for row in states] == [("announce", json.dumps([STAFF, STAFF]))]
    # The trigger that copies breakdown attributes into poll_votes still compiles and runs.
    async with database.transaction() as tx:
        assert await tx.execute("UPDATE members SET gender = 'male', birth_year = 1990") == 1
