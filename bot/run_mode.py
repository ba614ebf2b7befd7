"""Which kind of run a database belongs to, so the sandbox never meets real people's data.

The sandbox invents user ids (5000001, 5000002, ...) that may be real Telegram users' ids. So
a database a Telegram bot has used never serves the sandbox, and a sandbox's database never
serves Telegram: the first start marks the database with its mode (migration 0012) and every
later start checks the mark. The runner checks before anything else touches the database.

Within the sandbox's own database, a restart gives new users ids above every id the database
knows (``highest_known_user_id``), so a new user never inherits an old member's profile,
drafts or staff role. Not covered: other subcommands (``stats``, ``broadcast send``) do not
check the mark.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from bot.errors import ConfigError
from bot.storage.database import Database
from bot.storage.run_mode import RunModeRepository


class RunMode(StrEnum):
    SANDBOX = "sandbox"
    TELEGRAM = "telegram"


async def claim_database(database: Database, mode: RunMode) -> None:
    """Mark a new database with ``mode``; raise ConfigError if it is marked with the other."""
    marked = await RunModeRepository(database).mark(mode.value)
    if marked != mode.value:
        raise ConfigError(f"{database.setting}: {_refusal(database, mode)}")


def _refusal(database: Database, mode: RunMode) -> str:
    """Why ``database`` cannot serve ``mode``, and what to give it instead."""
    on_file = isinstance(database.target, Path)
    if mode is RunMode.SANDBOX:
        other = (
            "BOT_DB_PATH set to another file"
            if on_file
            else "BOT_DATABASE_URL set to another database"
        )
        return f"this database belongs to a Telegram deployment; run the sandbox with {other}"
    new = "a new database file" if on_file else "a new database"
    return (
        "this database was used by the sandbox, whose invented user ids may be real people's;"
        f" give the Telegram bot {new}"
    )


async def highest_known_user_id(database: Database) -> int | None:
    """The highest Telegram user id the database holds (members, staff, conversations...)."""
    return await RunModeRepository(database).highest_user_id()
