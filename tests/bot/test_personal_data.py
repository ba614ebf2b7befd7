"""/mydata holds every row that names the member, and /delete leaves none, found by searching
every column of every table (not only the foreign keys to ``members``), then the database file
itself once the write-ahead log is checkpointed.

The member uses every feature that keeps something: registration with interests, a checklist
tick, a departure reminder, an open segmented poll they answered, an open anonymous poll (their
own Telegram poll and its counts), an announcement and a poll sent to them, an answer to an
announcement with the contact they shared for it, a draft with the step it is at, and a
question to their consulate.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.services import Services
from bot.storage.database import Database, SqliteDatabase, utc_now_iso
from bot.storage.polls import NewPoll
from polls.counting import PollCounter
from tests.polls.conftest import NOW

TELEGRAM_ID = 6_234_567_891
MEMBER_ID = 7_654_321
DRAFT_WORDS = "zq-distinctive-draft-words"


async def use_every_feature(services: Services) -> None:
    database, now = services.database, utc_now_iso()
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO members (id, telegram_user_id, language, status, consent_version,"
            " consent_at, registered_at, member_type, country, consulate_id, departure_date,"
            " region_id, birth_year, gender, created_at, updated_at) VALUES"
            " (?, ?, 'fr', 'registered', 'v', ?, ?, 'leaving', 'GB', 'london', '2099-01-01',"
            " 'ncr', 1990, 'female', ?, ?)",
            (MEMBER_ID, TELEGRAM_ID, now, now, now, now),
        )
        await tx.execute(
            "INSERT INTO member_interests (member_id, interest) VALUES (?, 'investment')",
            (MEMBER_ID,),
        )
        await tx.execute(
            "INSERT INTO checklist_ticks (member_id, item_id, ticked_at) VALUES (?, 'passport', ?)",
            (MEMBER_ID, now),
        )
        await tx.execute(
            "INSERT INTO departure_reminders (member_id, days_before, departure_date, due_at)"
            " VALUES (?, 7, '2099-01-01', '2098-12-25T00:00:00+00:00')",
            (MEMBER_ID,),
        )
        delivery = await tx.insert(
            "INSERT INTO deliveries (kind, status, default_language, created_at)"
            " VALUES ('poll', 'sending', 'en', ?)",
            (now,),
        )
        await tx.execute(
            "INSERT INTO delivery_outbox (delivery_id, member_id, language, status, message_id,"
            " poll_id) VALUES (?, ?, 'fr', 'sent', 41, 'their-anonymous-poll')",
            (delivery, MEMBER_ID),
        )
        broadcast = await tx.insert(
            "INSERT INTO broadcasts (kind, category, status, author, default_language, schedule,"
            " created_at) VALUES ('message', 'investment', 'done', 'cli:x', 'en', '{}', ?)",
            (now,),
        )
        await tx.execute(
            "INSERT INTO responses (broadcast_id, member_id, status, answered_at)"
            " VALUES (?, ?, 'confirmed', ?)",
            (broadcast, MEMBER_ID, now),
        )
        await tx.execute(
            "INSERT INTO shared_contacts (broadcast_id, member_id, name, contact_kind, contact,"
            " shared_at) VALUES (?, ?, 'Ana', 'username', '@ana', ?)",
            (broadcast, MEMBER_ID, now),
        )
        await tx.execute(
            "INSERT INTO conversation_user_data (telegram_user_id, data, updated_at)"
            " VALUES (?, ?, ?)",
            (TELEGRAM_ID, json.dumps({"announce": {"texts": {"en": DRAFT_WORDS}}}), now),
        )
        await tx.execute(
            "INSERT INTO conversation_states (name, key, state, updated_at) VALUES"
            " ('registration', ?, '2', ?)",
            (json.dumps([TELEGRAM_ID, TELEGRAM_ID]), now),
        )
    polls = services.polls.repository
    counter = PollCounter(polls)
    for mode, telegram_poll, chat in (
        ("segmented", "a-segmented-poll", None),
        ("anonymous", "their-anonymous-poll", TELEGRAM_ID),
    ):
        poll_id = await polls.create(
            NewPoll(
                mode=mode,
                base_language="en",
                questions={"en": "Q?"},
                options=[{"en": "Yes"}, {"en": "No"}],
                opens_at=NOW - timedelta(days=1),
                closes_at=NOW + timedelta(days=1000),
            )
        )
        await polls.add_variant(poll_id, "fr", telegram_poll, chat_id=chat, message_id=41)
        await polls.set_status(poll_id, "open", NOW)
    await counter.record_answer(
        update_id=1,
        telegram_poll_id="a-segmented-poll",
        telegram_user_id=TELEGRAM_ID,
        option_ids=[1],
        received_at=NOW,
    )
    await counter.record_counts(
        update_id=2,
        telegram_poll_id="their-anonymous-poll",
        voter_counts=[0, 1],
        total_voter_count=1,
        received_at=NOW,
    )
    await services.inbox.ask(TELEGRAM_ID, "documents", f"{DRAFT_WORDS} passport?", NOW)


def names_the_member(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value in (TELEGRAM_ID, MEMBER_ID)
    if isinstance(value, str):
        return str(TELEGRAM_ID) in value or DRAFT_WORDS in value
    return False


async def rows_naming_the_member(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table with a value that is, or contains, one of their ids."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table in await database.table_names():
        for row in await database.fetch_all(f'SELECT * FROM "{table}"'):
            if any(names_the_member(value) for value in tuple(row)):
                found.setdefault(table, []).append(tuple(row))
    return found


async def test_mydata_holds_every_row_that_names_the_member(services: Services) -> None:
    await use_every_feature(services)
    found = await rows_naming_the_member(services.database)
    assert {"members", "poll_votes", "poll_variants", "delivery_outbox"} <= set(found)
    assert {"responses", "shared_contacts"} <= set(found)
    assert {"inbox_threads", "inbox_messages"} <= set(found)
    exported = (await services.members.export(TELEGRAM_ID))["tables"]
    for table, rows in found.items():
        given = [tuple(row.values()) for row in exported.get(table, [])]
        for row in rows:
            assert row in given, f"/mydata misses a row of {table}: {row}"


async def test_delete_leaves_no_row_and_no_byte_that_names_the_member(
    services: Services,
) -> None:
    await use_every_feature(services)
    await services.members.erase(TELEGRAM_ID)
    assert await rows_naming_the_member(services.database) == {}
    if not isinstance(services.database, SqliteDatabase):
        return  # PostgreSQL's dead tuples go at its vacuum (README "Database")
    path = services.database.path
    on_disk = path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    assert str(TELEGRAM_ID).encode() not in on_disk
    assert DRAFT_WORDS.encode() not in on_disk
    assert TELEGRAM_ID.to_bytes(6, "big") not in on_disk  # as SQLite stores the integer
    assert b"their-anonymous-poll" not in on_disk  # the Telegram poll that carried their answer
