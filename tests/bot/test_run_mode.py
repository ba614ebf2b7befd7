"""The database's mode mark (sandbox or Telegram) and the ids the sandbox must not reuse."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.run_mode import RunMode, claim_database, highest_known_user_id
from bot.storage.database import Database


async def test_the_first_start_marks_the_database_and_the_same_mode_may_start_again(
    database: Database,
) -> None:
    await claim_database(database, RunMode.SANDBOX)
    await claim_database(database, RunMode.SANDBOX)
    rows = await database.fetch_all("SELECT mode FROM deployment_mode")
    assert [row[0] for row in rows] == ["sandbox"]


async def test_a_sandbox_start_refuses_a_telegram_database(database: Database) -> None:
    await claim_database(database, RunMode.TELEGRAM)
    with pytest.raises(
        ConfigError, match=r"^BOT_(DB_PATH|DATABASE_URL)=.*belongs to a Telegram deployment"
    ):
        await claim_database(database, RunMode.SANDBOX)


async def test_a_telegram_start_refuses_a_sandbox_database(database: Database) -> None:
    await claim_database(database, RunMode.SANDBOX)
    with pytest.raises(ConfigError, match=r"^BOT_(DB_PATH|DATABASE_URL)=.*was used by the sandbox"):
        await claim_database(database, RunMode.TELEGRAM)
    rows = await database.fetch_all("SELECT mode FROM deployment_mode")
    assert [row[0] for row in rows] == ["sandbox"]


async def test_a_new_database_knows_no_user_id(database: Database) -> None:
    assert await highest_known_user_id(database) is None


PERSON = 5_000_007
NAMING_A_PERSON = {
    "members": "INSERT INTO members (telegram_user_id, created_at, updated_at)"
    " VALUES (:id, 'x', 'x')",
    "staff": "INSERT INTO staff (telegram_user_id, role, added_by, added_at)"
    " VALUES (:id, 'viewer', 'test', 'x')",
    "conversation_user_data": "INSERT INTO conversation_user_data"
    " (telegram_user_id, data, updated_at) VALUES (:id, '{}', 'x')",
    "conversation_states": "INSERT INTO conversation_states (name, key, state, updated_at)"
    " VALUES ('registration', json_array(:id, :id), '1', 'x')",
    "polls": "INSERT INTO polls (mode, base_language, created_by, created_at)"
    " VALUES ('anonymous', 'en', :id, 'x')",
    "broadcasts": "INSERT INTO broadcasts (kind, category, status, author, author_telegram_id,"
    " default_language, schedule, created_at)"
    " VALUES ('message', 'consular', 'done', 'tg:' || :id, :id, 'en', '{}', 'x')",
}


@pytest.mark.parametrize("table", sorted(NAMING_A_PERSON))
async def test_every_table_that_names_a_person_counts(database: Database, table: str) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO members (telegram_user_id, created_at, updated_at)"
            " VALUES (5000001, 'x', 'x')"
        )
        await tx.execute(NAMING_A_PERSON[table].replace(":id", str(PERSON)))
    assert await highest_known_user_id(database) == PERSON
