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

from bot.errors import ConfigError
from bot.storage.database import Database
from bot.storage.run_mode import RunModeRepository


class RunMode(StrEnum):
    SANDBOX = "sandbox"
    TELEGRAM = "telegram"


_REFUSALS = {
    RunMode.SANDBOX: "this database belongs to a Telegram deployment; "
    "run the sandbox with BOT_DB_PATH set to another file",
    RunMode.TELEGRAM: "this database was used by the sandbox, whose invented user ids may be "
    "real people's; give the Telegram bot a new database file",
}


async def claim_database(database: Database, mode: RunMode) -> None:
    """Mark a new database with ``mode``; raise ConfigError if it is marked with the other."""
    marked = await RunModeRepository(database).mark(mode.value)
    if marked != mode.value:
        raise ConfigError(f"{database.setting}: {_REFUSALS[mode]}")


async def highest_known_user_id(database: Database) -> int | None:
    """The highest Telegram user id the database holds (members, staff, conversations...)."""
    return await RunModeRepository(database).highest_user_id()
