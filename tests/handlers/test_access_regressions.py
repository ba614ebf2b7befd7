"""The attacks that were found by hand, each kept as its own named test.

- A brand-new Telegram user made themselves admin with ``/staff, add <own id> admin``: the
  gatekeeper read the command up to the first space (``staff,``) while python-telegram-bot ran
  ``/staff`` from the message's bot_command entity.
- ``/audit;`` printed the audit log with staff ids to a stranger.
- ``/results,`` listed every poll to a member.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.services import Services
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot
from tests.auxil.world import London, build_london_world, database_snapshot
from tests.broadcasts.builders import add_member

REFUSAL = "This is only for consular staff."


@pytest.fixture
async def world(
    sandbox: Sandbox, client: SandboxClient, services: Services, settings: object
) -> AsyncIterator[tuple[App, London]]:
    london = await build_london_world(services, client)
    running = await start_bot(services, sandbox, services.settings)
    yield running.application, london
    await running.stop()


async def test_staff_comma_add_does_not_make_a_stranger_admin(
    world: tuple[App, London], client: SandboxClient, services: Services
) -> None:
    stranger = await ChatUser.create(client, "Stranger", "en")
    before = await database_snapshot(services.database)
    (answer,) = await stranger.send(f"/staff, add {stranger.id} admin")
    assert answer["text"] == REFUSAL
    assert await services.staff.find(stranger.id) is None
    assert await database_snapshot(services.database) == before


async def test_audit_semicolon_shows_a_stranger_nothing(
    world: tuple[App, London], client: SandboxClient, services: Services
) -> None:
    _, london = world
    stranger = await ChatUser.create(client, "Stranger", "en")
    (answer,) = await stranger.send("/audit;")
    assert answer["text"] == REFUSAL
    assert str(london.admin.id) not in answer["text"]


async def test_results_comma_lists_no_poll_to_a_member(
    world: tuple[App, London], client: SandboxClient, services: Services
) -> None:
    member = await ChatUser.create(client, "Member", "en")
    await add_member(services.database, member.id, consulate_id="london", country="GB")
    (answer,) = await member.send("/results,")
    assert answer["text"] == REFUSAL
    assert "inline_keyboard" not in answer
