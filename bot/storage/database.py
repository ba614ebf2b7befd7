"""The database: SQLite by default, PostgreSQL when BOT_DATABASE_URL names one.

``Database`` is what every repository uses: short write transactions, reads, migrations.
``Database.open`` picks the engine from what it is given: a file path (SQLite, here) or a
``postgresql://`` URL (bot/storage/postgresql.py). What differs in their SQL is in
bot/storage/dialect.py.

One aiosqlite connection serves the whole SQLite process. Writes go through ``transaction()``, which
serialises them with a lock and keeps each one short, so readers (WAL) never wait on a writer
for long and a clean shutdown can wait for the last write to finish.

Whoever reads a leaked database or backup is in the threat model, so the files are private and
erased rows leave no trace:

- a folder the bot creates for the database or a backup is 0700; an existing folder that
  others can enter is named in a warning and left as the operator chose it;
- the database file and every backup are created 0600, and made 0600 when an older version
  left them readable (SQLite creates the -wal and -shm files with the database file's mode;
  leftover ones are made 0600 too);
- ``secure_delete`` is on, so deleted content is overwritten with zeros, and after erasing
  someone's rows a service calls ``checkpoint_after_erasure()``, which copies the WAL into the
  file and truncates it, so the old page images holding the erased rows leave the WAL too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.errors import ConfigError
from bot.storage.dialect import SQLITE, Dialect

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
#: Files SQLite keeps beside the database in WAL mode.
WAL_COMPANIONS = ("-wal", "-shm")


@dataclass(frozen=True)
class Migration:
    """One versioned SQL file under bot/storage/migrations/ (``NNNN_name.sql``)."""

    version: int
    name: str
    sql: str


class Row(Protocol):
    """A result row: read by position (``row[0]``) or by column name (``row["id"]``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


def bundled_migrations(dialect: Dialect = SQLITE) -> list[Migration]:
    """The migrations shipped with the code, in version order, as ``dialect`` runs them: a
    twin in ``migrations/<dialect>/`` replaces a script that cannot be said portably."""
    folder = resources.files("bot.storage") / "migrations"
    twins = folder / dialect.name
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            migrations.append(
                Migration(int(number), rest.removesuffix(".sql"), _script(entry, twins, dialect))
            )
    return sorted(migrations, key=lambda m: m.version)


def _script(entry: Traversable, twins: Traversable, dialect: Dialect) -> str:
    twin = twins / entry.name
    if twin.is_file():
        return twin.read_text()
    return dialect.migration(entry.read_text())


def is_postgresql_url(target: Path | str) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Database(ABC):
    """One process's access to the database: reads, short write transactions, migrations."""

    dialect: Dialect = SQLITE
    #: What operator messages name: BOT_DB_PATH=... or BOT_DATABASE_URL=... (no password).
    setting: str
    #: What ``open`` was given: another connection to the same database opens this.
    target: Path | str

    @classmethod
    async def open(
        cls, target: Path | str, *, migrate: bool = True, create: bool = True
    ) -> Database:
        """Open the SQLite file at ``target``, or the PostgreSQL database its URL names."""
        if is_postgresql_url(target):
            from bot.storage.postgresql import PostgresDatabase

            return await PostgresDatabase.connect(str(target), migrate=migrate, create=create)
        return await SqliteDatabase.open_file(Path(target), migrate=migrate, create=create)

    @abstractmethod
    async def close(self) -> None:
        """Wait for the write in progress, then close."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """A short write transaction, committed at the end, rolled back on error."""

    async def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """One write statement, committed on its own, in turn with this process's write
        transactions; the number of rows it changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, parameters)

    @abstractmethod
    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None: ...

    @abstractmethod
    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]: ...

    @abstractmethod
    async def checkpoint_after_erasure(self) -> None:
        """Make sure erased rows leave no copy the engine keeps beside the tables."""

    @abstractmethod
    async def backup(self, target: Path) -> None:
        """Copy the live database to ``target``."""

    @abstractmethod
    async def _ensure_migrations_table(self) -> None: ...

    async def table_names(self) -> list[str]:
        """Every table in the database, sorted (the migrations' own among them)."""
        return sorted(str(row[0]) for row in await self.fetch_all(self.dialect.tables_query))

    async def column_names(self, table: str) -> list[str]:
        """The columns of ``table``, in order."""
        return [str(row[0]) for row in await self.fetch_all(self.dialect.columns_query, (table,))]

    async def tables_referring_to(self, table: str) -> list[tuple[str, str]]:
        """(table, column) of every foreign key to ``table``."""
        rows = await self.fetch_all(self.dialect.referencing_columns_query, (table,))
        return [(str(row[0]), str(row[1])) for row in rows]

    async def schema_version(self) -> int:
        """The highest migration applied (0 for a new database)."""
        return max(await self.applied_versions(), default=0)

    async def applied_versions(self) -> set[int]:
        await self._ensure_migrations_table()
        rows = await self.fetch_all("SELECT version FROM schema_migrations")
        return {int(row[0]) for row in rows}

    async def upgrade(self, migrations: list[Migration] | None = None) -> list[Migration]:
        """Apply every migration not yet applied, in version order, each in one transaction."""
        applied = await self.applied_versions()
        available = migrations or bundled_migrations(self.dialect)
        pending = [m for m in available if m.version not in applied]
        done = []
        for migration in pending:
            async with self.transaction() as db:
                # Processes starting together on a new database: one applies each migration,
                # the others wait for it here, then find it applied.
                if self.dialect.migration_lock:
                    await db.execute(self.dialect.migration_lock)
                if await db.fetch_one(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
                ):
                    continue
                await db.executescript_in_transaction(migration.sql)
                await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, utc_now_iso()),
                )
            done.append(migration)
            logger.info("Applied migration %04d %s", migration.version, migration.name)
        pending = done
        if pending:  # a migration may erase data (0014 did): not even the WAL keeps it
            await self.checkpoint_after_erasure()
        return pending


class Transaction(ABC):
    """The statements allowed inside ``Database.transaction()``."""

    dialect: Dialect = SQLITE

    @abstractmethod
    async def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    async def insert(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """Run one INSERT into a table keyed by ``id``; return the new row's id."""

    @abstractmethod
    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None: ...

    @abstractmethod
    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]: ...

    @abstractmethod
    async def executescript_in_transaction(self, script: str) -> None:
        """Run a migration's statements inside the open transaction."""


class SqliteDatabase(Database):
    """The process's one connection to the SQLite file."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.target = path
        self.setting = f"BOT_DB_PATH={path}"
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open_file(
        cls, path: Path, *, migrate: bool = True, create: bool = True
    ) -> SqliteDatabase:
        """Open (creating if needed) the file, set pragmas and apply pending migrations.

        ``create=False`` opens an existing database only: a command that reads what is stored
        must not answer from a new empty file when BOT_DB_PATH names the wrong place.
        Raises ConfigError naming BOT_DB_PATH when the path cannot hold a database, or holds
        none and ``create`` is false.
        """
        try:
            # Checked with plain sqlite3 first: a failed aiosqlite.connect leaves its worker
            # thread reporting to an event loop that may be gone by then.
            await asyncio.to_thread(_check_usable, path, create)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"BOT_DB_PATH={path}: cannot open the database: {exc}") from None
        database = cls(connection, path)
        try:
            await database._configure()
            if migrate:
                await database.upgrade()
        except sqlite3.DatabaseError as exc:
            await connection.close()
            raise ConfigError(f"BOT_DB_PATH={path}: cannot use the database: {exc}") from None
        return database

    async def _configure(self) -> None:
        self.connection.row_factory = aiosqlite.Row
        await self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self.connection.execute("PRAGMA foreign_keys = ON")
        await self.connection.execute("PRAGMA secure_delete = ON")
        await self.connection.execute("PRAGMA journal_mode = WAL")
        await self.connection.execute("PRAGMA synchronous = NORMAL")

    async def close(self) -> None:
        """Wait for the write in progress, then close."""
        async with self._write_lock:
            await self.connection.close()

    async def _ensure_migrations_table(self) -> None:
        await self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A short write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on error."""
        async with self._write_lock:
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                yield SqliteTransaction(self.connection)
            except BaseException:
                await self._rollback()
                raise
            else:
                await self.connection.execute("COMMIT")

    async def _rollback(self) -> None:
        """Roll back whatever is open. A cancelled await does not stop a statement already
        handed to aiosqlite's thread, so even a BEGIN cancelled mid-way may have opened a
        transaction; the ROLLBACK is queued behind it. None open is fine."""
        with contextlib.suppress(sqlite3.OperationalError):
            await self.connection.execute("ROLLBACK")

    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None:
        return await _fetch_one(self.connection, sql, parameters)

    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]:
        return list(await self.connection.execute_fetchall(sql, parameters))

    async def checkpoint_after_erasure(self) -> None:
        """Copy the WAL into the database file and truncate it to zero bytes.

        Called by a service right after it erased someone's rows: ``secure_delete`` zeroes
        them in the pages written from then on, but earlier page images in the WAL still hold
        them until a checkpoint. A reader in another process can hold the checkpoint back;
        then the erased bytes leave at the next checkpoint, and a warning says so.
        """
        async with self._write_lock:
            row = await _fetch_one(self.connection, "PRAGMA wal_checkpoint(TRUNCATE)", ())
        if row is not None and row[0]:
            logger.warning(
                "%s: another connection held the WAL checkpoint after an erasure back; the"
                " erased rows leave the WAL at the next checkpoint",
                self.path,
            )

    async def backup(self, target: Path) -> None:
        """Copy the live database to ``target`` (a private file) with SQLite's online backup."""
        if _same_path(target, self.path):
            raise ConfigError(f"{target}: the backup file must differ from BOT_DB_PATH")
        try:
            await asyncio.to_thread(_create_private_file, target)
            destination = await aiosqlite.connect(target)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{target}: cannot write the backup: {exc}") from None
        try:
            await self.connection.backup(destination)
        finally:
            await destination.close()


class SqliteTransaction(Transaction):
    """The statements of a SQLite transaction.

    Each statement is one trip to aiosqlite's thread. The trips, not SQLite, are what a busy
    process waits for (each waits its turn in the event loop), so a write's cursor is not
    closed with a second trip: the statement has run to completion and the cursor is freed
    when dropped. Reads fetch and close in the same trip.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        cursor = await self._connection.execute(sql, parameters)
        return cursor.rowcount

    async def insert(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """Run one INSERT; return the new row's id."""
        cursor = await self._connection.execute(sql, parameters)
        return int(cursor.lastrowid or 0)

    async def fetch_one(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None:
        return await _fetch_one(self._connection, sql, parameters)

    async def fetch_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Row]:
        return list(await self._connection.execute_fetchall(sql, parameters))

    async def executescript_in_transaction(self, script: str) -> None:
        """Run a migration's statements one by one, inside the open transaction.

        ``executescript`` would COMMIT first, so statements are split where SQLite itself says
        a statement is complete (which respects triggers and quoted semicolons).
        """
        for statement in split_statements(script):
            await self._connection.execute(statement)


async def _fetch_one(
    connection: aiosqlite.Connection, sql: str, parameters: tuple[object, ...]
) -> Row | None:
    """The first row, fetched with the rest in one trip: for queries that return one row."""
    rows = list(await connection.execute_fetchall(sql, parameters))
    return rows[0] if rows else None


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements, dropping comment-only remainders."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of the script: {buffer.strip()!r}")
    return statements


def _check_usable(path: Path, create: bool) -> None:
    """Create the folder and the file, privately (or, without ``create``, find the file), and
    open it once: raises if it cannot hold a database."""
    if not create and not path.exists():
        raise ConfigError(
            f"BOT_DB_PATH={path}: no database at this path; start the bot once or run"
            " `main.py db upgrade`"
        )
    _create_private_file(path)
    for suffix in WAL_COMPANIONS:
        _make_private(path.with_name(path.name + suffix))
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    finally:
        connection.close()


def _create_private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable by this user only; an existing file is made
    so. An empty file is a valid empty SQLite database."""
    _ensure_private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        _make_private(path)
    else:
        os.close(descriptor)


def _ensure_private_folder(folder: Path) -> None:
    """Create ``folder`` as 0700; warn when an existing one lets group or others in."""
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)
        folder.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask
        return
    if folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) & 0o077:
        logger.warning(
            "%s: this folder is open to group or others (mode %03o); the database files in it"
            " are 0600, but others can see them listed: chmod 700 the folder",
            folder,
            stat.S_IMODE(folder.stat().st_mode),
        )


def _make_private(path: Path) -> None:
    """chmod 600 a regular file left readable by an older version (nothing if absent)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and stat.S_IMODE(mode) != PRIVATE_FILE:
        path.chmod(PRIVATE_FILE)


def _same_path(first: Path, second: Path) -> bool:
    return os.path.abspath(first) == os.path.abspath(second)


def status_guard(expected: Iterable[StrEnum]) -> tuple[str, tuple[object, ...]]:
    """`` AND status IN (?, ...)`` and its parameters, for a status change allowed only from
    ``expected`` states (an empty condition when any state will do)."""
    states = tuple(state.value for state in expected)
    if not states:
        return "", ()
    return f" AND status IN ({', '.join('?' * len(states))})", states


def to_utc_text(instant: datetime) -> str:
    """An aware instant as stored in every *_at column: UTC, ISO 8601 to the second (text
    order = time order)."""
    if instant.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(UTC).isoformat(timespec="seconds")


def utc_now_iso() -> str:
    """The current instant, as stored in every *_at column."""
    return to_utc_text(datetime.now(UTC))
