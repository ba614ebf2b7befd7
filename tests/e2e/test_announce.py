"""Done when: a staff member schedules an announcement in the sandbox for 10:00 local time of
each recipient, a second staff member approves it, and it arrives in each member's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.i18n import RIGHT_TO_LEFT_MARK
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot
from tests.broadcasts.builders import add_member

TEXTS = {
    "en": "Passport day on Saturday",
    "fr": "Journée passeport samedi",
    "ar": "يوم الجوازات السبت",
}


@pytest.fixture
async def running(
    sandbox: Sandbox, client: SandboxClient, settings: Settings, services: Services
) -> AsyncIterator[tuple[ChatUser, App]]:
    admin = await ChatUser.create(client, "Admin", "en")
    services.settings = replace(settings, admin_ids=frozenset({admin.id}))
    await services.staff.ensure_admins(services.settings.admin_ids)
    bot = await start_bot(services, sandbox, services.settings)
    yield admin, bot.application
    await bot.stop()


async def test_editor_composes_admin_approves_members_receive_their_language(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    editor = await ChatUser.create(client, "Editor", "en")
    await admin.send(f"/staff add {editor.id} editor london")
    members = {language: await ChatUser.create(client, language, language) for language in TEXTS}
    for language, member in members.items():
        await add_member(
            services.database, member.id, language=language, consulate_id="london", country="GB"
        )

    (question,) = await editor.send("/announce")
    (question,) = await editor.choose(question, "v1:ann:cat:consular")
    (menu,) = await editor.send(TEXTS["en"])
    for language in ("fr", "ar"):
        (question,) = await editor.choose(menu, f"v1:ann:lang:{language}")
        (menu,) = await editor.send(TEXTS[language])
    (question,) = await editor.choose(menu, "v1:ann:done")
    (question,) = await editor.choose(question, "v1:ann:skip")
    (question,) = await editor.choose(question, "v1:ann:con:london")
    (question,) = await editor.choose(question, "v1:ann:aud")
    (question,) = await editor.choose(question, "v1:ann:when:local")
    shown = await editor.send("2027-03-28 10:00")
    preview = shown[-1]
    assert "3" in preview["text"]  # three recipients in London
    (submitted,) = await editor.choose(preview, "v1:ann:submit")
    broadcast_id = (await services.broadcasts.recent(1))[0].id
    assert "approval" in submitted["text"]
    notice = await admin.last_bot_message()  # the approval request
    # The author cannot approve their own broadcast, even with forged data.
    await editor.press_data(notice["message_id"], f"v1:bcapp:approve:{broadcast_id}", forge=True)
    assert (await services.broadcasts.require(broadcast_id)).status.value == "pending_approval"
    await admin.choose(notice, f"v1:bcapp:approve:{broadcast_id}")
    assert (await services.broadcasts.require(broadcast_id)).status.value == "scheduled"

    started = await services.broadcasts.sweep(datetime(2027, 3, 28, 9, 0, 5, tzinfo=UTC))
    assert len(started) == 1
    for language, member in members.items():
        message = await client.wait_for_bot_message(member.id, timeout=10)
        text = message["text"]
        assert TEXTS[language] in text
        assert text.startswith(RIGHT_TO_LEFT_MARK) == (language == "ar")
