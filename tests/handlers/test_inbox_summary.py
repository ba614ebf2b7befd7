"""The weekly inbox summary through the sandbox: each admin gets their consulates' figures in
their language, under the disclosure rule; editors and viewers get none."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import Services
from handlers.context import App
from handlers.inbox_summary import send_summaries
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.chat import ChatUser
from tests.auxil.members import add_member


async def test_each_admin_gets_their_consulates_figures_in_their_language(
    bot: App, client: SandboxClient, services: Services
) -> None:
    london_admin = await ChatUser.create(client, "Admin London", "fr")
    await add_member(services, london_admin.id, language="fr", consulate_id="london")
    await services.staff.put(OPERATOR, london_admin.id, "admin", ["london"])
    editor = await ChatUser.create(client, "Editor", "en")
    await services.staff.put(OPERATOR, editor.id, "editor", ["london"])
    member = 6_400_000_001
    await add_member(services, member, consulate_id="london")
    await services.inbox.ask(member, "documents", "Passport?", datetime.now(UTC))
    assert await send_summaries(bot.bot, services, datetime.now(UTC)) == 1
    text = str((await london_admin.last_bot_message()).get("text"))
    assert "Londres" in text or "London" in text
    assert "Madrid" not in text
    assert "moins de 5" in text  # one open question: fewer than k
    assert await editor.bot_messages() == []
