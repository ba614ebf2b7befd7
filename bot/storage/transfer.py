"""Moving a deployment from its SQLite file to PostgreSQL (``main.py db migrate-to-postgres``).

The PostgreSQL database must be empty: the schema is made there by the same migrations, every
table's rows are copied in one transaction (parents before the rows that reference them), the
identity counters are moved past the copied ids, and the row counts are compared table by
table. A failure leaves the PostgreSQL database as it was; the SQLite file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from psycopg import sql

from bot.errors import ConfigError
from bot.storage.database import Database, SqliteDatabase, bundled_migrations
from bot.storage.postgresql import PostgresDatabase

#: Copied in batches of this many rows, so a large members table never sits in memory whole.
BATCH_ROWS = 5000


@dataclass(frozen=True)
class TableCount:
    """One table's rows in the SQLite file and in PostgreSQL after the copy."""

    table: str
    source: int
    copied: int

    @property
    def matches(self) -> bool:
        return self.source == self.copied


async def migrate_to_postgres(source: SqliteDatabase, url: str) -> list[TableCount]:
    """Copy every row of ``source`` into the empty PostgreSQL database at ``url``."""
    await _check_current(source)
    target = await PostgresDatabase.connect(url, migrate=False)
    try:
        if await target.table_names():
            raise ConfigError(
                f"{target.setting}: the database is not empty; migrate-to-postgres copies"
                " into an empty database only (create one with `createdb`)"
            )
        await target.upgrade()
        tables = await _copy_order(source)
        async with target.pool.connection() as connection, connection.transaction():
            for table in tables:
                await _copy_table(source, connection, table)
            for table in tables:
                await _move_identity(connection, table)
        return [
            TableCount(table, await _count(source, table), await _count(target, table))
            for table in tables
        ]
    finally:
        await target.close()


async def _check_current(source: SqliteDatabase) -> None:
    latest = max(m.version for m in bundled_migrations())
    version = await source.schema_version()
    if version != latest:
        raise ConfigError(
            f"{source.setting}: schema version {version}, this code's is {latest}; run"
            " `main.py db upgrade` on it first (with BOT_DATABASE_URL unset)"
        )


async def _copy_order(source: SqliteDatabase) -> list[str]:
    """The bot's tables, each after the tables its foreign keys name."""
    graph: dict[str, set[str]] = {}
    for table in await source.table_names():
        if table == "schema_migrations":  # made by the migrations themselves
            continue
        references = await source.fetch_all(f'PRAGMA foreign_key_list("{table}")')
        graph[table] = {str(reference["table"]) for reference in references} - {table}
    return list(TopologicalSorter(graph).static_order())


async def _copy_table(source: SqliteDatabase, connection: Any, table: str) -> None:
    columns = [str(row["name"]) for row in await source.fetch_all(f'PRAGMA table_info("{table}")')]
    names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    quoted = ", ".join(f'"{column}"' for column in columns)
    select = f'SELECT {quoted} FROM "{table}"'
    cursor = await source.connection.execute(select)
    try:
        async with connection.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
        ) as copy:
            while batch := await cursor.fetchmany(BATCH_ROWS):
                for row in batch:
                    await copy.write_row(tuple(row))
    finally:
        await cursor.close()


async def _move_identity(connection: Any, table: str) -> None:
    """New rows get ids above the copied ones (an identity column does not see explicit ids)."""
    row = await (
        await connection.execute(
            "SELECT pg_get_serial_sequence(%s, 'id') FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'id'"
            " AND is_identity = 'YES'",
            (table, table),
        )
    ).fetchone()
    if row is None or row[0] is None:
        return
    await connection.execute(
        sql.SQL("SELECT setval(%s, coalesce((SELECT max(id) FROM {}), 0) + 1, false)").format(
            sql.Identifier(table)
        ),
        (row[0],),
    )


async def _count(database: Database, table: str) -> int:
    row = await database.fetch_one(f'SELECT count(*) FROM "{table}"')
    return int(row[0]) if row else 0
