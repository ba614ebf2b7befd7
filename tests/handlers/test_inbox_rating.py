"""Members rate the answer through the sandbox: after a thread with an answer is closed, the
member is asked once, in their language, with five buttons; a press is recorded once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import Services
from handlers.context import App
from handlers.inbox_rating import send_rating_prompts
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR, as_staff
from tests.auxil.chat import ChatUser
from tests.auxil.members import add_member

STAFF = 6_300_000_001


async def test_a_member_is_asked_once_in_their_language_and_rates(
    bot: App, client: SandboxClient, services: Services
) -> None:
    member = await ChatUser.create(client, "Ana", "es")
    await add_member(services, member.id, language="es", consulate_id="london")
    await services.staff.put(OPERATOR, STAFF, "editor", ["london"])
    staff = await as_staff(services, STAFF)
    now = datetime.now(UTC)
    thread = await services.inbox.ask(member.id, "documents", "¿Pasaporte?", now)
    await services.inbox.reply(staff, thread.reference, "Venga el lunes.", now)
    await services.inbox.close(staff, thread.reference, now)
    await send_rating_prompts(bot.bot, services, now)
    await send_rating_prompts(bot.bot, services, now)
    prompts = [m for m in await member.bot_messages() if thread.reference in str(m.get("text"))]
    assert len(prompts) == 1
    prompt = prompts[0]
    assert "estrellas" in str(prompt.get("text"))
    (thanks,) = await member.choose(prompt, f"v1:rate:4:{thread.reference}")
    assert "Gracias" in str(thanks.get("text"))
    (london,) = await services.inbox_measures.measures(staff)
    assert london.rating is None  # one rating is fewer than k: never shown
    row = await services.database.fetch_one(
        "SELECT rating FROM inbox_threads WHERE reference = ?", (thread.reference,)
    )
    assert row is not None and row[0] == 4
