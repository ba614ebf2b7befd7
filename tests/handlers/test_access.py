"""Staff commands and buttons are refused to everyone else. The test enumerates every
registered handler, so a new staff command cannot slip past the gatekeeper unnoticed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.access import Role, StaffMember
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot
from tests.auxil.surface import (
    MEMBER_FEATURES,
    MEMBER_ONLY_COMMANDS,
    registered_commands,
    registered_features,
)

REFUSAL = "This is only for consular staff."


def test_every_handler_is_either_for_members_or_declared_for_staff(bot: App) -> None:
    rules = bot.bot_data.access
    for command in registered_commands(bot) - MEMBER_ONLY_COMMANDS:
        assert command in rules.commands, f"/{command} is neither a member command nor gated"
    for feature in registered_features(bot) - MEMBER_FEATURES:
        assert feature in rules.features, f"buttons v1:{feature}:... are not gated"
    assert rules.commands, "no staff command is declared at all"


async def test_non_staff_are_refused_every_staff_command_and_button(
    bot: App, client: SandboxClient, services: Services
) -> None:
    rules = bot.bot_data.access
    user = await ChatUser.create(client, "Curious", "en")
    for command in sorted(rules.commands):
        for text in (f"/{command}", f"/{command} add 1 admin", f"/{command}@diaspora_sandbox_bot"):
            (answer,) = await user.send(text)
            assert answer["text"] == REFUSAL, text
    (menu,) = await user.send("/help")
    for feature in sorted(rules.features):
        await user.press_data(menu["message_id"], f"v1:{feature}:approve:1", forge=True)
    assert await services.staff.everyone() == []
    audit = await services.database.fetch_all("SELECT * FROM audit_log")
    assert audit == []


@pytest.fixture
async def admin_bot(
    sandbox: Sandbox, client: SandboxClient, settings: Settings, services: Services
) -> AsyncIterator[tuple[ChatUser, Services]]:
    admin = await ChatUser.create(client, "Admin", "en")
    services.settings = replace(settings, admin_ids=frozenset({admin.id}))
    await services.staff.ensure_admins(services.settings.admin_ids)
    running = await start_bot(services, sandbox, services.settings)
    yield admin, services
    await running.stop()


async def test_admins_manage_staff_and_it_is_audited(
    admin_bot: tuple[ChatUser, Services], client: SandboxClient
) -> None:
    admin, services = admin_bot
    editor = await ChatUser.create(client, "Editor", "fr")
    (answer,) = await admin.send(f"/staff add {editor.id} editor london,madrid")
    assert "editor" in answer["text"] and "london, madrid" in answer["text"]
    member = await services.staff.find(editor.id)
    assert member is not None and member.consulates == {"london", "madrid"}
    (answer,) = await editor.send("/staff")  # an editor cannot manage staff
    assert answer["text"] == services.languages.translator("fr").gettext(REFUSAL)
    assert (await services.staff.find(editor.id)) == member
    (answer,) = await admin.send(f"/staff add {editor.id} boss")
    assert "boss" in answer["text"]
    (answer,) = await admin.send(f"/staff add {editor.id} viewer nowhere")
    assert "nowhere" in answer["text"]
    (answer,) = await admin.send(f"/staff remove {editor.id}")
    assert await services.staff.find(editor.id) is None
    log = list(reversed(await services.staff.audit_log(OPERATOR)))
    actions = [(e.actor, e.action, e.subject) for e in log]
    assert ("config:BOT_ADMIN_IDS", "staff.put", str(admin.id)) in actions
    assert (f"tg:{admin.id}", "staff.put", str(editor.id)) in actions
    assert (f"tg:{admin.id}", "staff.remove", str(editor.id)) in actions
    added = next(e for e in log if e.action == "staff.put" and e.subject == str(editor.id))
    assert added.details == {
        "previous": {"role": None, "consulates": []},
        "role": "editor",
        "consulates": ["london", "madrid"],
    }
    removed = next(e for e in log if e.action == "staff.remove")
    assert removed.details == {"role": "editor", "consulates": ["london", "madrid"]}


async def test_a_role_change_is_audited_with_the_previous_role(
    admin_bot: tuple[ChatUser, Services], client: SandboxClient
) -> None:
    admin, services = admin_bot
    viewer = await ChatUser.create(client, "Viewer", "en")
    await admin.send(f"/staff add {viewer.id} viewer madrid")
    await admin.send(f"/staff add {viewer.id} editor london")
    changes = [
        e.details
        for e in reversed(await services.staff.audit_log(OPERATOR))
        if e.subject == str(viewer.id)
    ]
    assert changes[-1] == {
        "previous": {"role": "viewer", "consulates": ["madrid"]},
        "role": "editor",
        "consulates": ["london"],
    }


async def test_the_last_admin_cannot_demote_or_remove_themselves(
    admin_bot: tuple[ChatUser, Services], client: SandboxClient
) -> None:
    admin, services = admin_bot
    for attempt in (
        f"/staff remove {admin.id}",
        f"/staff add {admin.id} editor",
        f"/staff add {admin.id} admin london",
    ):
        (answer,) = await admin.send(attempt)
        assert "last admin of every consulate" in answer["text"], attempt
        assert (await services.staff.find(admin.id)) == StaffMember(
            admin.id, Role.ADMIN, frozenset()
        )
    second = await ChatUser.create(client, "Second admin", "en")
    await admin.send(f"/staff add {second.id} admin")
    (answer,) = await admin.send(f"/staff remove {admin.id}")
    assert await services.staff.find(admin.id) is None  # no longer the last one


async def test_an_admin_of_one_consulate_manages_only_its_staff(
    admin_bot: tuple[ChatUser, Services], client: SandboxClient
) -> None:
    admin, services = admin_bot
    london_admin = await ChatUser.create(client, "London admin", "en")
    madrid_viewer = await ChatUser.create(client, "Madrid viewer", "en")
    await admin.send(f"/staff add {london_admin.id} admin london")
    await admin.send(f"/staff add {madrid_viewer.id} viewer madrid")
    before = await services.staff.everyone()
    for attempt in (
        f"/staff remove {madrid_viewer.id}",
        f"/staff add {madrid_viewer.id} admin madrid",
        f"/staff add {london_admin.id} admin",  # making themselves unlimited
        f"/staff remove {admin.id}",
    ):
        (answer,) = await london_admin.send(attempt)
        assert answer["text"] == REFUSAL, attempt
    assert await services.staff.everyone() == before
    (answer,) = await london_admin.send("/staff")
    assert str(madrid_viewer.id) not in answer["text"] and str(admin.id) not in answer["text"]
    new = await ChatUser.create(client, "New London editor", "en")
    await london_admin.send(f"/staff add {new.id} editor london")
    assert await services.staff.find(new.id) == StaffMember(
        new.id, Role.EDITOR, frozenset({"london"})
    )
