"""`main.py db migrate-to-postgres`: a SQLite deployment copied whole into an empty PostgreSQL
database, verified table by table, and refused where it would mix or lose data."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.services import Services
from bot.storage.database import Database, SqliteDatabase
from bot.storage.transfer import migrate_to_postgres
from sandbox import SandboxClient
from tests.auxil.members import rows_naming
from tests.auxil.postgres import PostgresServer
from tests.auxil.process import main_py_env
from tests.auxil.world import build_london_world, database_snapshot
from tests.broadcasts.builders import add_member

pytestmark = pytest.mark.sqlite_only


async def test_every_row_of_a_deployment_arrives_and_new_rows_get_new_ids(
    services: Services, client: SandboxClient, postgres_server: PostgresServer
) -> None:
    await build_london_world(services, client)
    source = services.database
    assert isinstance(source, SqliteDatabase)
    url = postgres_server.empty_database()

    counts = await migrate_to_postgres(source, url)

    assert all(count.matches for count in counts)
    assert {c.table for c in counts if c.source} >= {"members", "broadcasts", "polls", "staff"}
    target = await Database.open(url)
    try:
        assert await database_snapshot(target) == {
            table: rows
            for table, rows in (await database_snapshot(source)).items()
            if table != "schema_migrations"
        } | {"schema_migrations": (await database_snapshot(target))["schema_migrations"]}
        newest = await add_member(target, 999_999_001)
        highest = await target.fetch_one("SELECT max(id) FROM members WHERE id != ?", (newest,))
        assert highest is not None and newest > highest[0]
        assert await rows_naming(target, 900_000)  # a copied member is found by their id
    finally:
        await target.close()


async def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(
    services: Services, postgres_server: PostgresServer
) -> None:
    await add_member(services.database, 900_001)
    assert isinstance(services.database, SqliteDatabase)
    url = postgres_server.fresh_database()  # already holds the schema
    with pytest.raises(ConfigError, match=r"BOT_DATABASE_URL=.*not empty"):
        await migrate_to_postgres(services.database, url)
    target = await Database.open(url)
    try:
        assert await target.fetch_one("SELECT count(*) FROM members") == (0,)
    finally:
        await target.close()


async def test_the_command_needs_the_target_named_and_prints_the_counts(
    services: Services, tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> None:
    assert isinstance(services.database, SqliteDatabase)
    await add_member(services.database, 900_002)
    path = str(services.database.path)
    refused = await main_py_env({"BOT_DB_PATH": path}, "db", "migrate-to-postgres")
    assert refused.returncode == 2
    assert "BOT_DATABASE_URL: set it" in refused.stderr

    url = postgres_server.empty_database()
    copied = await main_py_env(
        {"BOT_DB_PATH": path, "BOT_DATABASE_URL": url}, "db", "migrate-to-postgres"
    )
    assert copied.returncode == 0, copied.stderr
    assert "members\t1\t1" in copied.stdout
    assert "counts match" in copied.stdout
