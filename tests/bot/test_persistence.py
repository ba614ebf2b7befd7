"""The conversation persistence writes only for people the database names (a member row from
consent on, or a staff row); everyone else's state stays in memory, and a person no longer
named has what was stored removed at their next write."""

from __future__ import annotations

from bot.persistence import DatabasePersistence
from bot.services import Services
from bot.storage.database import Database
from tests.auxil.actors import OPERATOR
from tests.auxil.members import rows_naming

STRANGER, CONSENTED, STAFF = 5_000_001, 5_000_002, 5_000_003
DATA = {"registration": {"draft": {"member_type": "abroad"}}}


async def write_everything(persistence: DatabasePersistence, user_id: int) -> None:
    await persistence.update_user_data(user_id, DATA)
    await persistence.update_conversation("registration", (user_id, user_id), 3)


async def stored_people(database: Database) -> tuple[set[int], set[int]]:
    data = await database.fetch_all("SELECT telegram_user_id FROM conversation_user_data")
    states = await database.fetch_all(
        f"SELECT {database.dialect.last_json_item('key')} FROM conversation_states"
    )
    return {row[0] for row in data}, {row[0] for row in states}


async def test_only_people_the_database_names_are_written(services: Services) -> None:
    persistence = DatabasePersistence(services.database)
    await services.registration.agree(CONSENTED, "en")
    await services.staff.put(OPERATOR, STAFF, "editor", [])
    for user_id in (STRANGER, CONSENTED, STAFF):
        await write_everything(persistence, user_id)

    assert await stored_people(services.database) == ({CONSENTED, STAFF}, {CONSENTED, STAFF})
    assert await rows_naming(services.database, STRANGER) == []


async def test_a_stranger_whose_data_changes_is_written_once_they_consent(
    services: Services,
) -> None:
    persistence = DatabasePersistence(services.database)
    await persistence.update_user_data(STRANGER, {"language": "fr"})
    await services.registration.agree(STRANGER, "fr")
    await write_everything(persistence, STRANGER)

    assert await stored_people(services.database) == ({STRANGER}, {STRANGER})


async def test_someone_no_longer_named_loses_what_was_stored_at_the_next_write(
    services: Services,
) -> None:
    persistence = DatabasePersistence(services.database)
    await services.registration.agree(CONSENTED, "en")
    await write_everything(persistence, CONSENTED)
    async with services.database.transaction() as tx:  # as if erased behind its back
        await tx.execute("DELETE FROM members")

    await persistence.update_user_data(CONSENTED, {"other": 1})
    await persistence.update_conversation("registration", (CONSENTED, CONSENTED), 4)

    assert await stored_people(services.database) == (set(), set())


async def test_a_step_is_saved_with_its_data_and_only_for_people_named(
    services: Services,
) -> None:
    """save_step (a conversation storing its state before replying) keeps the same rule."""
    persistence = DatabasePersistence(services.database)
    await services.registration.agree(CONSENTED, "en")
    for user_id in (STRANGER, CONSENTED):
        await persistence.save_step("registration", (user_id, user_id), 3, user_id, DATA)
    assert await stored_people(services.database) == ({CONSENTED}, {CONSENTED})
    assert await persistence.get_conversations("registration") == {(CONSENTED, CONSENTED): 3}

    await persistence.save_step("registration", (CONSENTED, CONSENTED), None, CONSENTED, {})
    assert await stored_people(services.database) == (set(), set())


async def test_reloading_a_shards_people_reads_what_another_process_wrote(
    services: Services,
) -> None:
    """Sharded workers (bot/inbound.py): the process taking a shard over reads its people's
    data again, and its check for unchanged data then compares with what is stored now."""
    await services.registration.agree(CONSENTED, "en")
    before, after = {"step": "before"}, {"step": "after"}
    first = DatabasePersistence(services.database)
    await first.update_user_data(CONSENTED, before)
    taking_over = DatabasePersistence(services.database)
    await taking_over.get_user_data()  # loaded at its start
    await first.update_user_data(CONSENTED, after)

    fresh = await taking_over.reload_user_data(lambda user_id: user_id == CONSENTED)
    assert fresh == {CONSENTED: after}
    await taking_over.update_user_data(CONSENTED, before)  # the member went back a step
    row = await services.database.fetch_one(
        "SELECT data FROM conversation_user_data WHERE telegram_user_id = ?", (CONSENTED,)
    )
    assert row is not None and row[0] == '{"step": "before"}'


async def test_forgetting_one_conversation_or_all_of_a_persons(services: Services) -> None:
    """/delete forgets every conversation of the person; a finished flow forgets its own."""
    persistence = DatabasePersistence(services.database)
    await services.registration.agree(CONSENTED, "en")
    await persistence.update_conversation("registration", (CONSENTED, CONSENTED), 3)
    await persistence.update_conversation("ask", (CONSENTED, CONSENTED), 1)
    await persistence.update_conversation("ask", (STAFF, STAFF), 1)
    await persistence.drop_conversations_of(CONSENTED, "ask")
    names = await services.database.fetch_all("SELECT name FROM conversation_states ORDER BY name")
    assert [row[0] for row in names] == ["registration"]
    await persistence.drop_conversations_of(CONSENTED)
    assert await stored_people(services.database) == (set(), set())


async def state_written_at(database: Database, user_id: int) -> str | None:
    row = await database.fetch_one(
        "SELECT updated_at FROM conversation_states"
        f" WHERE {database.dialect.last_json_item('key')} = ?",
        (user_id,),
    )
    return None if row is None else str(row[0])


async def age_stored_states(database: Database) -> None:
    async with database.transaction() as tx:
        await tx.execute("UPDATE conversation_states SET updated_at = '2000-01-01T00:00:00+00:00'")


async def test_a_state_saved_before_the_reply_is_not_written_again_by_the_flush(
    services: Services,
) -> None:
    """The step stored its state before replying; the flush after the update then brings the
    same state, and the database is not written a second time."""
    persistence = DatabasePersistence(services.database)
    await services.registration.agree(CONSENTED, "en")
    await persistence.save_step("registration", (CONSENTED, CONSENTED), 3, CONSENTED, DATA)
    await age_stored_states(services.database)

    await persistence.update_conversation("registration", (CONSENTED, CONSENTED), 3)
    assert await state_written_at(services.database, CONSENTED) == "2000-01-01T00:00:00+00:00"
    await persistence.update_conversation("registration", (CONSENTED, CONSENTED), 4)
    assert await state_written_at(services.database, CONSENTED) != "2000-01-01T00:00:00+00:00"


async def test_a_state_is_written_again_once_the_database_no_longer_holds_it(
    services: Services,
) -> None:
    """Skipping an unchanged state never skips a write the database needs: after the state
    was refused (no consent yet), forgotten (/delete), or changed by another process."""
    persistence = DatabasePersistence(services.database)
    key = (CONSENTED, CONSENTED)
    await persistence.update_conversation("registration", key, 3)  # refused: not named yet
    await services.registration.agree(CONSENTED, "en")
    await persistence.update_conversation("registration", key, 3)
    assert await persistence.get_conversations("registration") == {key: 3}

    await persistence.drop_conversations_of(CONSENTED)
    await persistence.update_conversation("registration", key, 3)
    assert await persistence.get_conversations("registration") == {key: 3}

    other_process = DatabasePersistence(services.database)
    await other_process.update_conversation("registration", key, None)
    await persistence.get_conversations("registration")  # a shard taken back reads again
    await persistence.update_conversation("registration", key, 3)
    assert await persistence.get_conversations("registration") == {key: 3}
