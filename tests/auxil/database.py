"""The test's database seen from outside the bot, as an operator's shell and tools see it:
the setting that names it, and SQL run from synchronous tests (one short connection each)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.storage.database import Database


def settings_env(folder: Path, database_url: str | None) -> dict[str, str]:
    """A test's settings: its database (a SQLite file in ``folder``, or the PostgreSQL
    database ``database_url`` names) and ports of its own for the console and operations."""
    env = {"BOT_DB_PATH": str(folder / "bot.sqlite3"), "CONSOLE_PORT": "0", "BOT_OPS_PORT": "0"}
    if database_url is not None:
        env["BOT_DATABASE_URL"] = database_url
    return env


def database_env(database: Path | str) -> dict[str, str]:
    """The setting naming ``database`` (``Settings.database``): BOT_DATABASE_URL for
    PostgreSQL, BOT_DB_PATH for a SQLite file."""
    if isinstance(database, str):
        return {"BOT_DATABASE_URL": database}
    return {"BOT_DB_PATH": str(database)}


def execute(database: Path | str, sql: str, *rows: tuple[object, ...]) -> None:
    """Run ``sql`` once per row of parameters (once without any), in one transaction."""

    async def run() -> None:
        opened = await Database.open(database)
        try:
            async with opened.transaction() as tx:
                for parameters in rows or ((),):
                    await tx.execute(sql, parameters)
        finally:
            await opened.close()

    asyncio.run(run())


async def read_all(
    database: Path | str, sql: str, parameters: tuple[object, ...] = ()
) -> list[Any]:
    """The rows ``sql`` reads, as tuples, over a connection of their own."""
    opened = await Database.open(database, create=False)
    try:
        return [tuple(row) for row in await opened.fetch_all(sql, parameters)]
    finally:
        await opened.close()


def fetch_all(database: Path | str, sql: str, parameters: tuple[object, ...] = ()) -> list[Any]:
    """``read_all`` for a synchronous test."""
    return asyncio.run(read_all(database, sql, parameters))
