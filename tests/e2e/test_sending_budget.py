"""Replies and broadcasts share one rate: together they never draw a 429, and members chatting
during a broadcast are answered at once (the broadcast makes room for them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.services import Services
from bot.settings import Settings
from broadcasts import DeliveryEngine
from handlers.context import App
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot
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


@pytest.fixture
async def limited_bot(
    sandbox: Sandbox, client: SandboxClient, services: Services, settings: Settings
) -> AsyncIterator[App]:
    """The bot against a sandbox with Telegram's limits as it models them: 30/s overall, and
    1/s per chat after a burst of 10 (FaultConfig's defaults)."""
    defaults = FaultConfig()
    await client.set_faults(global_rate=RATE, per_chat_rate=defaults.per_chat_rate)
    running = await start_bot(services, sandbox, settings)
    yield running.application
    await running.stop()


async def _start_broadcast(
    client: SandboxClient, services: Services, size: int
) -> tuple[DeliveryEngine, list[int]]:
    recipients = [(await client.create_user(f"R{i}", "en"))["id"] for i in range(size)]
    await add_members(services.database, recipients)
    engine = services.broadcasts.engine
    assert engine is not None
    await engine.start_delivery(await new_delivery(services.database))
    return engine, recipients


async def _bot_messages(client: SandboxClient, chat_id: int, count: int) -> list[str]:
    """The first ``count`` bot messages in a chat, waiting for them as they come."""
    texts: list[str] = []
    last = 0
    while len(texts) < count:
        message = await client.wait_for_bot_message(chat_id, last, timeout=15)
        texts.append(message["text"])
        last = message["message_id"]
    return texts


async def test_a_burst_to_one_chat_during_a_broadcast_draws_no_429(
    limited_bot: App, client: SandboxClient, services: Services
) -> None:
    chatty = await ChatUser.create(client, "Chatty", "en")
    engine, recipients = await _start_broadcast(client, services, 150)
    await client.wait_for_bot_message(recipients[20], timeout=10)  # going at its rate
    # Twelve messages to one chat at once, as a staff member's previews and lists come.
    await asyncio.gather(*(limited_bot.bot.send_message(chatty.id, f"{n}") for n in range(12)))
    assert len(await _bot_messages(client, chatty.id, 12)) == 12
    async with asyncio.timeout(30):
        await engine.wait_finished(1)
    assert (await client.stats())["rate_limited"] == 0
    assert engine.bucket.paused_until == 0.0  # the broadcast never stopped


async def test_a_429_for_one_chat_holds_back_that_chat_and_not_the_broadcast(
    limited_bot: App, client: SandboxClient, services: Services
) -> None:
    """Telegram may allow a chat a shorter burst than the bot assumes: the 429 that says so
    concerns that chat only, and the broadcast keeps its rate while the chat waits."""
    chatty = await ChatUser.create(client, "Chatty", "en")
    engine, recipients = await _start_broadcast(client, services, 300)
    await client.wait_for_bot_message(recipients[40], timeout=10)  # going at its rate
    await limited_bot.bot.send_message(chatty.id, "one")
    await limited_bot.bot.send_message(chatty.id, "two")
    retry_after = 3
    injection = {"method": "sendMessage", "chat_id": chatty.id, "status": 429}
    await client.set_faults(injections=[{**injection, "retry_after": retry_after, "count": 1}])
    before = (await client.stats())["messages_sent"]
    await limited_bot.bot.send_message(chatty.id, "three")  # 429, waits, then goes
    sent_meanwhile = (await client.stats())["messages_sent"] - before
    assert await _bot_messages(client, chatty.id, 3) == ["one", "two", "three"]
    assert engine.bucket.paused_until == 0.0
    # A paused broadcast sends nothing while the chat waits; ours sent most of its rate.
    assert sent_meanwhile >= RATE
    assert (await client.stats())["rate_limited"] == 1
