"""/help for staff: the staff commands their role allows, after the members' ones; members see
none of them."""

from __future__ import annotations

import pytest

from handlers.commands import STAFF_COMMANDS
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser

STAFF_ONLY = (
    "/announce",
    "/broadcasts",
    "/poll",
    "/results",
    "/closepoll",
    "/staff",
    "/audit",
    "/console",
    "/inbox",
)


def commands_in(text: str) -> set[str]:
    """The commands a help text lists, one a line ("/announce - ...")."""
    return {line.split(" ", 1)[0] for line in text.splitlines() if line.startswith("/")}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", set(STAFF_ONLY)),
        (
            "editor",
            {"/announce", "/broadcasts", "/poll", "/results", "/closepoll", "/console", "/inbox"},
        ),
        ("viewer", {"/broadcasts", "/results", "/console", "/inbox"}),
        (None, set()),
    ],
)
async def test_help_lists_the_staff_commands_the_role_allows(
    running: tuple[ChatUser, App], client: SandboxClient, role: str | None, expected: set[str]
) -> None:
    admin, _ = running
    person = admin
    if role != "admin":
        person = await ChatUser.create(client, "Someone", "en")
        if role is not None:
            await admin.send(f"/staff add {person.id} {role}")
    (shown,) = await person.send("/help")
    listed = commands_in(shown["text"])
    assert listed & set(STAFF_ONLY) == expected
    assert {"/start", "/mydata", "/delete", "/help"} <= listed  # the members' commands stay


async def test_every_staff_command_the_bot_guards_is_described(
    running: tuple[ChatUser, App],
) -> None:
    _, application = running
    guarded = set(application.bot_data.access.commands)
    assert guarded == {command for command, _ in STAFF_COMMANDS}
