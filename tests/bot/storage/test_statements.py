"""A statement on its own (``Database.execute``): committed by itself, on both engines, and
in turn with this process's write transactions."""

from __future__ import annotations

import asyncio

from bot.storage.database import Database

MARK = "INSERT INTO deployment_mode (id, mode, marked_at) VALUES (1, 'sandbox', 'x')"


async def scalar(database: Database, sql: str) -> object:
    row = await database.fetch_one(sql)
    assert row is not None
    return row[0]


async def test_a_statement_commits_on_its_own_and_says_how_many_rows_it_changed(
    database: Database,
) -> None:
    assert await database.execute(MARK) == 1
    assert await database.execute("UPDATE deployment_mode SET mode = ?", ("telegram",)) == 1
    assert await scalar(database, "SELECT mode FROM deployment_mode") == "telegram"
    assert await database.execute("DELETE FROM deployment_mode WHERE id = ?", (2,)) == 0


async def test_a_statement_waits_for_the_write_transaction_in_progress(
    database: Database,
) -> None:
    """It neither runs inside another coroutine's transaction nor slips in beside it: it sees
    what that transaction committed."""
    async with database.transaction() as tx:
        await tx.execute(MARK)
        deleting = asyncio.create_task(database.execute("DELETE FROM deployment_mode"))
        await asyncio.sleep(0.1)
        assert not deleting.done()
        row = await tx.fetch_one("SELECT count(*) FROM deployment_mode")
        assert row is not None and row[0] == 1
    assert await deleting == 1
    assert await scalar(database, "SELECT count(*) FROM deployment_mode") == 0
