"""Staff commands and buttons are refused to everyone else. The test enumerates every
registered handler, so a new staff command cannot slip past the gatekeeper unnoticed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.services import Services
from bot.settings import Settings
from handlers.commands import MEMBER_COMMANDS
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot

# Commands and button features any member may use.
MEMBER_ONLY_COMMANDS = {command for command, _ in MEMBER_COMMANDS} | {"cancel"}
MEMBER_FEATURES = {"reg", "menu", "lang", "consulate", "subs", "mydata", "delete", "pd"}
REFUSAL = "This is only for consular staff."


def all_handlers(app: App) -> list[object]:
    found: list[object] = []
    for group in app.handlers.values():
        for handler in group:
            found.append(handler)
            if isinstance(handler, ConversationHandler):
                found += handler.entry_points + handler.fallbacks
                found += [h for hs in handler.states.values() for h in hs]
    return found


def registered_commands(app: App) -> set[str]:
    return {c for h in all_handlers(app) if isinstance(h, CommandHandler) for c in h.commands}


def registered_features(app: App) -> set[str]:
    features = set()
    for handler in all_handlers(app):
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            pattern = (
                handler.pattern.pattern
                if isinstance(handler.pattern, re.Pattern)
                else str(handler.pattern)
            )
            match = re.match(r"\^v1:([a-z_\\-]+)", pattern)
            assert match, f"button pattern without a versioned feature prefix: {pattern!r}"
            features.add(match.group(1).replace("\\", ""))
    return features


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
    assert await services.staff.all() == []
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
    actions = [(e.actor, e.action, e.subject) for e in reversed(await services.staff.audit_log())]
    assert ("config:BOT_ADMIN_IDS", "staff.put", str(admin.id)) in actions
    assert (str(admin.id), "staff.put", str(editor.id)) in actions
    assert (str(admin.id), "staff.remove", str(editor.id)) in actions
