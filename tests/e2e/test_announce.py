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
from tests.auxil.actors import OPERATOR
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
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    assert "approval" in submitted["text"]
    notice = await admin.last_bot_message()  # the approval request
    # The author cannot approve their own broadcast, even with forged data.
    await editor.press_data(notice["message_id"], f"v1:bcapp:approve:{broadcast_id}", forge=True)
    assert (
        await services.broadcasts.get(broadcast_id, OPERATOR)
    ).status.value == "pending_approval"
    await admin.choose(notice, f"v1:bcapp:approve:{broadcast_id}")
    assert (await services.broadcasts.get(broadcast_id, OPERATOR)).status.value == "scheduled"

    started = await services.broadcasts.sweep(datetime(2027, 3, 28, 9, 0, 5, tzinfo=UTC))
    assert len(started) == 1
    for language, member in members.items():
        message = await client.wait_for_bot_message(member.id, timeout=10)
        text = message["text"]
        assert TEXTS[language] in text
        assert text.startswith(RIGHT_TO_LEFT_MARK) == (language == "ar")


async def test_announcement_filtered_on_interest_and_region_reaches_only_matching_members(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, application = running
    database = services.database
    match = await ChatUser.create(client, "Match", "en")
    others = [await ChatUser.create(client, name, "en") for name in ("Interest", "Region")]
    match_id = await add_member(
        database,
        match.id,
        consulate_id="london",
        country="GB",
        region_id="ncr",
        interests=["investment", "skills"],
    )
    await add_member(
        database,
        others[0].id,
        consulate_id="london",
        country="GB",
        region_id="ncr",
        interests=["consular"],
    )
    await add_member(
        database,
        others[1].id,
        consulate_id="london",
        country="GB",
        region_id="davao",
        interests=["investment"],
    )

    (question,) = await admin.send("/announce")
    (question,) = await admin.choose(question, "v1:ann:cat:emergency")
    (menu,) = await admin.send("Investment fair in Manila")
    (question,) = await admin.choose(menu, "v1:ann:done")
    (question,) = await admin.choose(question, "v1:ann:skip")
    (more,) = await admin.choose(question, "v1:ann:more")
    (more,) = await admin.choose(more, "v1:ann:int:investment")
    (more,) = await admin.choose(more, "v1:ann:reg:ncr")
    # Forged values are refused (updates run in order, so they are handled before Continue).
    for forged in ("v1:ann:reg:atlantis", "v1:ann:int:gambling", "v1:ann:ct:ZZ"):
        await admin.press_data(more["message_id"], forged, forge=True)
    (question,) = await admin.choose(more, "v1:ann:aud")
    ticked = application.user_data[admin.id]["announce"]
    assert (ticked["interests"], ticked["regions"], ticked["countries"]) == (
        ["investment"],
        ["ncr"],
        [],
    )
    shown = await admin.choose(question, "v1:ann:when:now")
    assert "Total: 1," in shown[-1]["text"]  # the preview counts the filters
    await admin.choose(shown[-1], "v1:ann:submit")

    await services.broadcasts.sweep(datetime.now(UTC))
    message = await client.wait_for_bot_message(match.id, timeout=10)
    assert "Investment fair in Manila" in message["text"]
    rows = await database.fetch_all("SELECT member_id FROM delivery_outbox")
    assert [row[0] for row in rows] == [match_id]
    for other in others:
        assert not await other.bot_messages()
