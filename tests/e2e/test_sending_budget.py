"""Replies and broadcasts share one rate: together they never draw a 429, and members chatting
during a broadcast are answered at once (the broadcast makes room for them)."""

from __future__ import annotations

import asyncio

from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser
from tests.broadcasts.builders import add_members, new_delivery

RATE = 30.0  # BOT_RATE_LIMIT's default, and Telegram's limit as the sandbox now enforces it


async def test_replies_during_a_broadcast_keep_to_the_bot_s_rate(
    bot: App, client: SandboxClient, services: Services
) -> None:
    assert services.settings.rate_limit == RATE
    recipients = [(await client.create_user(f"R{i}", "en"))["id"] for i in range(150)]
    await add_members(services.database, recipients)
    chatting = [await ChatUser.create(client, f"C{i}", "en") for i in range(20)]
    await client.set_faults(global_rate=RATE)  # a burst of one second, as Telegram tolerates
    engine = services.broadcasts.engine
    assert engine is not None
    delivery_id = await new_delivery(services.database)

    async def chat(person: ChatUser) -> None:
        for _ in range(4):
            await person.send("/help", timeout=2.0)  # answered promptly, broadcast or not

    await engine.start_delivery(delivery_id)
    await asyncio.gather(*(chat(person) for person in chatting))
    async with asyncio.timeout(30):
        await engine.wait_finished(delivery_id)

    assert (await client.stats())["rate_limited"] == 0
    for recipient in recipients[:: len(recipients) // 10]:
        assert "News" in (await client.wait_for_bot_message(recipient))["text"]
