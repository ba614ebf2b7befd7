"""The command line's actor: the operating-system user, on their own authority or on behalf of
the staff member named with ``--as`` (whose role and remit then apply). See bot/access.py.
And the command line's database: only commands that store something new may create it, and
every other one names the file it read."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.access import Actor
from bot.errors import ConfigError
from bot.staff import StaffService
from bot.storage.database import Database


def add_as_option(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--as TELEGRAM_ID``: act on behalf of that staff member (audited as such)."""
    parser.add_argument(
        "--as",
        dest="as_id",
        type=int,
        required=required,
        metavar="TELEGRAM_ID",
        help="act as this staff member: their role and consulates apply, and the audit log"
        " names both you and them",
    )


async def command_line_actor(staff: StaffService, as_id: int | None) -> Actor:
    """The operator, or the operator acting for staff member ``as_id``."""
    login = getpass.getuser()
    if as_id is None:
        return Actor.operator(login)
    member = await staff.find(as_id)
    if member is None:
        raise ConfigError(f"--as {as_id}: no staff member has that Telegram id")
    return Actor.operator(login, member)


@asynccontextmanager
async def command_line_database(
    path: Path | str, *, create: bool = False
) -> AsyncIterator[Database]:
    """The database a command works on, closed at the end.

    Without ``create`` (every command but those that store something new) a missing file, or
    a PostgreSQL database the bot never set up, is an operator error naming the setting,
    never a new empty database read as if it were the real one; and once the command has run,
    one line on stderr names what it read, so an operator who pointed BOT_DB_PATH or
    BOT_DATABASE_URL at the wrong place sees it. An error raised through here (ConfigError,
    AccessDenied) stays the one line main.py prints: nothing follows it.
    """
    database = await Database.open(path, create=create)
    try:
        yield database
    finally:
        await database.close()
    if not create:
        print(database_line(path), file=sys.stderr)


def database_line(path: Path | str) -> str:
    """``database: /absolute/path (BOT_DB_PATH)``: which database a command read (a
    PostgreSQL URL without its password)."""
    if isinstance(path, str):
        from bot.storage.postgresql import redacted

        return f"database: {redacted(path)} (BOT_DATABASE_URL)"
    return f"database: {path.absolute()} (BOT_DB_PATH)"
