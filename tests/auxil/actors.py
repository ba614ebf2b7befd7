"""Actors for tests: the command-line operator, and staff members as if in the chat."""

from __future__ import annotations

from bot.access import Actor, StaffMember
from bot.services import Services

#: The command line on its own authority (reads everything, audited as cli:tests).
OPERATOR = Actor.operator("tests")


def in_chat(member: StaffMember | None) -> Actor:
    """``member`` acting in the chat; None is the operator."""
    return OPERATOR if member is None else Actor.in_chat(member.telegram_user_id, member)


async def as_staff(services: Services, telegram_user_id: int) -> Actor:
    """The staff member with that id acting in the chat, their record read from the database."""
    return Actor.in_chat(telegram_user_id, await services.staff.find(telegram_user_id))
