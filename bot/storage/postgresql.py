"""The PostgreSQL database, chosen by BOT_DATABASE_URL=postgresql://...

The same ``Database`` as the SQLite file's (bot/storage/database.py), on a psycopg 3 connection
pool, so the bot, the delivery engine and the console can run in several processes or on
several machines against one database that can be replicated and backed up while it runs.

Repositories' portable SQL is turned into PostgreSQL's by bot/storage/dialect.py. As with
SQLite, one process runs its write transactions one at a time (a lock), so code that reads and
then writes inside a transaction behaves as it does on the file; across processes, the work
that must not be done twice is guarded by leases (bot/storage/leases.py) and by conditional
updates, and rows are claimed with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.rows import RowMaker
from psycopg.types.numeric import NumericLoader
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.errors import ConfigError
from bot.storage.database import Database, Row, Transaction
from bot.storage.dialect import POSTGRESQL

logger = logging.getLogger(__name__)

#: Connections one process keeps: reads run beside the one write transaction at a time.
POOL_SIZE = 8
CONNECT_TIMEOUT_S = 10.0


class PgRow(tuple[Any, ...]):
    """A row read by position or by column name, as SQLite's rows are."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.AsyncCursor[Any]) -> RowMaker[PgRow]:
    # The names straight from the result: cursor.description builds an object per column,
    # a cost every query paid (it showed in the registration benchmark's profile).
    result = cursor.pgresult
    names = {}
    if result is not None:
        names = {(result.fname(i) or b"").decode(): i for i in range(result.nfields)}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(values, names)

    return make


class _CountLoader(NumericLoader):
    """PostgreSQL's sum() of integers is ``numeric``; the bot stores no fractional numeric
    (money is decimal text), so a whole number comes back as the int SQLite gives."""

    def load(self, data: Buffer) -> Any:
        value = super().load(data)
        return int(value) if value == value.to_integral_value() else float(value)


def _has_rows(cursor: psycopg.AsyncCursor[Any]) -> bool:
    # Not ``cursor.description``: it builds an object per column, on every query.
    result = cursor.pgresult
    return result is not None and result.status == pq.ExecStatus.TUPLES_OK


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    connection.adapters.register_loader("numeric", _CountLoader)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def _parameters(parameters: tuple[object, ...]) -> tuple[object, ...]:
    # Flags are stored as INTEGER 0/1 on both engines; PostgreSQL will not compare a bigint
    # with a boolean, so True and False go as 1 and 0.
    return tuple(int(p) if isinstance(p, bool) else p for p in parameters)


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database."""

    dialect = POSTGRESQL

    def __init__(self, pool: AsyncConnectionPool[Any], url: str) -> None:
        self.pool = pool
        self.url = url
        self.target = url
        self.setting = f"BOT_DATABASE_URL={redacted(url)}"
        self._write_lock = asyncio.Lock()

    @classmethod
    async def connect(
        cls, url: str, *, migrate: bool = True, create: bool = True
    ) -> PostgresDatabase:
        """Connect and apply pending migrations. ``create=False`` (commands that only read)
        refuses a database the bot never set up, as a missing SQLite file is refused.

        Raises ConfigError naming BOT_DATABASE_URL (without its password) when the server
        cannot be reached or refuses the connection."""
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            kwargs={"autocommit": True},
            configure=_configure,
            timeout=CONNECT_TIMEOUT_S,
        )
        database = cls(pool, url)
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except (PoolTimeout, psycopg.Error) as exc:
            await pool.close()
            reason = await _connection_problem(url) or str(exc)
            raise ConfigError(f"{database.setting}: cannot connect: {reason}") from None
        try:
            if not create and not await database._has_schema():
                raise ConfigError(
                    f"{database.setting}: this database holds no bot data; start the bot once"
                    " or run `main.py db upgrade`"
                )
            if migrate:
                await database.upgrade()
        except BaseException:
            await pool.close()
            raise
        return database

    async def _has_schema(self) -> bool:
        row = await self.fetch_one("SELECT to_regclass('schema_migrations') IS NOT NULL")
        return bool(row and row[0])

    async def close(self) -> None:
        async with self._write_lock:
            await self.pool.close()

    async def _ensure_migrations_table(self) -> None:
        # Under the migrations' lock: two processes creating it at once would collide.
        async with self.pool.connection() as connection, connection.transaction():
            await connection.execute(POSTGRESQL.migration_lock)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with (
            self._write_lock,
            self.pool.connection() as connection,
            connection.transaction(),
        ):
            yield PostgresTransaction(connection)

    async def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        # In autocommit: one round trip to the server, where a transaction takes three.
        async with self._write_lock, self.pool.connection() as connection:
            return await PostgresTransaction(connection).execute(sql, parameters)

    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None:
        async with self.pool.connection() as connection:
            return await PostgresTransaction(connection).fetch_one(sql, parameters)

    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]:
        async with self.pool.connection() as connection:
            return await PostgresTransaction(connection).fetch_all(sql, parameters)

    async def checkpoint_after_erasure(self) -> None:
        """Nothing to do at once: PostgreSQL's erased rows are dead tuples that autovacuum
        reclaims, and its WAL segments are recycled; backups and WAL archives keep them until
        they expire (deploy/BACKUP.md)."""

    async def backup(self, target: Path) -> None:
        raise ConfigError(
            f"{self.setting}: `main.py db backup` copies the SQLite file; back up PostgreSQL"
            " with pg_dump or a base backup (deploy/BACKUP.md)"
        )


class PostgresTransaction(Transaction):
    """Statements on one pooled connection, inside its transaction when one is open."""

    dialect = POSTGRESQL

    def __init__(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self._connection = connection

    def _cursor(self) -> psycopg.AsyncCursor[PgRow]:
        return self._connection.cursor(row_factory=_row_factory)

    async def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        async with self._cursor() as cursor:
            await cursor.execute(
                POSTGRESQL.statement(sql, bool(parameters)), _parameters(parameters) or None
            )
            return cursor.rowcount

    async def insert(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        row = await self.fetch_one(f"{sql} RETURNING id", parameters)
        return int(row[0]) if row is not None else 0

    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None:
        async with self._cursor() as cursor:
            await cursor.execute(
                POSTGRESQL.statement(sql, bool(parameters)), _parameters(parameters) or None
            )
            return await cursor.fetchone() if _has_rows(cursor) else None

    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]:
        async with self._cursor() as cursor:
            await cursor.execute(
                POSTGRESQL.statement(sql, bool(parameters)), _parameters(parameters) or None
            )
            return list(await cursor.fetchall()) if _has_rows(cursor) else []

    async def executescript_in_transaction(self, script: str) -> None:
        """A whole script in one call: without parameters, PostgreSQL runs several statements."""
        await self._connection.execute(script.encode())


async def _connection_problem(url: str) -> str | None:
    """The server's own reason for refusing a connection (the pool only says it timed out)."""
    try:
        connection = await psycopg.AsyncConnection.connect(url, connect_timeout=5)
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    await connection.close()
    return None
