"""The command line's actor: the operating-system user, on their own authority or on behalf of
the staff member named with ``--as`` (whose role and remit then apply). See bot/access.py."""

from __future__ import annotations

import argparse
import getpass

from bot.access import Actor
from bot.errors import ConfigError
from bot.staff import StaffService


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
