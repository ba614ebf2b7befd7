"""The SQLite database: pragmas, migrations, transactions, backup, unusable paths, and files
only the bot's user can read."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.storage.database import Database, Migration, bundled_migrations, split_statements

pytestmark = pytest.mark.sqlite_only


async def test_pragmas_are_set(database: Database) -> None:
    assert (await database.fetch_one("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await database.fetch_one("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert (await database.fetch_one("PRAGMA busy_timeout"))[0] >= 1000  # type: ignore[index]
    assert (await database.fetch_one("PRAGMA secure_delete"))[0] == 1  # type: ignore[index]


async def test_every_bundled_migration_is_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    versions = [m.version for m in bundled_migrations()]
    assert versions == sorted(set(versions)) and versions[0] == 1
    db = await Database.open(path)
    assert await db.schema_version() == versions[-1]
    assert await db.upgrade() == []
    await db.close()
    db = await Database.open(path)  # reopening applies nothing new
    rows = await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == versions
    await db.close()


async def test_a_failing_migration_leaves_nothing_behind(database: Database) -> None:
    bad = Migration(
        9999, "bad", "CREATE TABLE half_done (x INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(sqlite3.OperationalError):
        await database.upgrade([bad])
    assert (
        await database.fetch_one("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
    )
    assert 9999 not in await database.applied_versions()


async def test_transaction_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_user_id, created_at, updated_at)"
                " VALUES (1, 'a', 'a')"
            )
            raise RuntimeError("boom")
    assert await database.fetch_one("SELECT * FROM members") is None


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_interests (member_id, interest) VALUES (42, 'return')"
            )


async def test_backup_is_a_usable_copy(database: Database, tmp_path: Path) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO members (telegram_user_id, created_at, updated_at) VALUES (7, 'a', 'a')"
        )
    target = tmp_path / "backups" / "copy.sqlite3"
    await database.backup(target)
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT telegram_user_id FROM members").fetchall() == [(7,)]
    with pytest.raises(ConfigError, match="must differ"):
        await database.backup(database.path)


async def test_unusable_paths_name_bot_db_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BOT_DB_PATH"):
        await Database.open(tmp_path)  # a directory
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not a database file at all" * 100)
    with pytest.raises(ConfigError, match="BOT_DB_PATH"):
        await Database.open(not_a_db)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="BOT_DB_PATH"):
        await Database.open(blocker / "sub" / "bot.sqlite3")


def test_statements_split_where_sqlite_says_they_end() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 'c;d'; END;
    -- trailing comment
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].endswith("END;")


async def test_a_transaction_cancelled_while_beginning_leaves_no_lock(database: Database) -> None:
    async def write() -> None:
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_user_id, created_at, updated_at)"
                " VALUES (2, 'a', 'a')"
            )

    task = asyncio.create_task(write())
    await asyncio.sleep(0)  # the task now waits on BEGIN IMMEDIATE in aiosqlite's thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with sqlite3.connect(database.path, timeout=0.5) as other:  # another process, say
        other.execute(
            "INSERT INTO members (telegram_user_id, created_at, updated_at) VALUES (3, 'a', 'a')"
        )
    assert not database.connection.in_transaction


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def companions(path: Path) -> list[Path]:
    """The database file, its write-ahead log and its shared-memory index."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


async def add_row(database: Database, telegram_user_id: int = 1) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO members (telegram_user_id, created_at, updated_at) VALUES (?, 'a', 'a')",
            (telegram_user_id,),
        )


async def test_a_new_folder_and_the_database_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    database = await Database.open(path)
    try:
        await add_row(database)
        assert mode_of(path.parent) == 0o700
        assert {file.name: mode_of(file) for file in companions(path)} == {
            file.name: 0o600 for file in companions(path)
        }
    finally:
        await database.close()


async def test_files_an_older_version_left_readable_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    older = sqlite3.connect(path)  # still open, so its -wal and -shm stay on disk
    try:
        older.execute("PRAGMA journal_mode = WAL")
        older.execute("CREATE TABLE leftover (x)")
        older.commit()
        for file in companions(path):
            file.chmod(0o644)
        database = await Database.open(path)
        await database.close()
        assert [mode_of(file) for file in companions(path)] == [0o600] * 3
    finally:
        older.close()


async def test_an_open_folder_is_named_in_one_warning_and_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="bot.storage.database"):
        database = await Database.open(folder / "bot.sqlite3")
        await database.close()
    assert [r.levelno for r in caplog.records if str(folder) in r.getMessage()] == [logging.WARNING]
    assert mode_of(folder) == 0o755
    caplog.clear()
    folder.chmod(0o700)
    with caplog.at_level(logging.WARNING, logger="bot.storage.database"):
        database = await Database.open(folder / "bot.sqlite3")
        await database.close()
    assert not [r for r in caplog.records if str(folder) in r.getMessage()]


async def test_backups_are_private(database: Database, tmp_path: Path) -> None:
    await add_row(database)
    target = tmp_path / "backups" / "copy.sqlite3"
    await database.backup(target)
    assert (mode_of(target.parent), mode_of(target)) == (0o700, 0o600)
    earlier = tmp_path / "earlier.sqlite3"  # a backup an older version wrote, overwritten
    earlier.write_bytes(b"")
    earlier.chmod(0o644)
    await database.backup(earlier)
    assert mode_of(earlier) == 0o600


async def test_the_checkpoint_after_an_erasure_empties_the_wal(database: Database) -> None:
    wal = companions(database.path)[1]
    await add_row(database)
    assert wal.stat().st_size > 0
    await database.checkpoint_after_erasure()
    assert wal.stat().st_size == 0
    assert await database.fetch_one("SELECT telegram_user_id FROM members") is not None


async def test_opening_an_existing_database_only_never_creates_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "bot.sqlite3"
    with pytest.raises(ConfigError) as refused:
        await Database.open(missing, create=False)
    assert str(refused.value) == (
        f"BOT_DB_PATH={missing}: no database at this path; start the bot once or run"
        " `main.py db upgrade`"
    )
    assert not missing.parent.exists()
    await (await Database.open(missing)).close()
    existing = await Database.open(missing, create=False)
    assert await existing.schema_version() == bundled_migrations()[-1].version
    await existing.close()
