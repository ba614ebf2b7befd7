"""The running engine follows pause, resume and cancel made by another process (the command
line) through the database: a second connection to the same file plays that process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.storage.database import Database
from broadcasts import DeliveryEngine, DeliveryStatus, EngineConfig
from broadcasts.deliveries import DeliveryRepository
from broadcasts.outbox import Outbox, OutboxStatus
from broadcasts.payload import Payload
from broadcasts.telegram_transport import TelegramTransport
from broadcasts.transport import Outcome, Recipient
from sandbox import SandboxClient
from tests.broadcasts.builders import add_member, new_delivery

SLOW = EngineConfig(
    rate=20.0,
    workers=2,
    batch_size=4,
    flush_interval=0.05,
    idle_interval=0.05,
    sync_interval=0.3,
)
USERS = 30


@pytest.fixture
async def other_process(database: Database) -> AsyncIterator[DeliveryRepository]:
    """A DeliveryRepository on its own connection to the same database file."""
    other = await Database.open(database.target)
    try:
        yield DeliveryRepository(other)
    finally:
        await other.close()


async def _users(client: SandboxClient, database: Database, count: int) -> list[int]:
    users = []
    for index in range(count):
        user = await client.create_user(f"Member{index}", "en")
        await add_member(database, user["id"])
        users.append(user["id"])
    return users


async def _sent(client: SandboxClient) -> int:
    return int((await client.stats())["messages_sent"])


async def _wait_for_sent(client: SandboxClient, count: int) -> None:
    for _ in range(500):
        if await _sent(client) >= count:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"fewer than {count} messages sent")


async def _received(client: SandboxClient, user_id: int) -> int:
    return sum(1 for message in await client.chat(user_id) if message["sender"] == "bot")


async def _assert_not_growing(client: SandboxClient) -> int:
    """Let requests in flight finish, then check the sandbox count stays put a while."""
    await asyncio.sleep(SLOW.sync_interval + 0.3)
    first = await _sent(client)
    for _ in range(4):
        await asyncio.sleep(0.2)
        assert await _sent(client) == first
    return first


async def test_an_external_pause_holds_and_an_external_resume_completes(
    database: Database,
    client: SandboxClient,
    transport: TelegramTransport,
    other_process: DeliveryRepository,
) -> None:
    users = await _users(client, database, USERS)
    engine = DeliveryEngine(database, transport, SLOW)
    await engine.start()
    try:
        delivery_id = await new_delivery(database)
        await engine.start_delivery(delivery_id)
        await _wait_for_sent(client, 5)
        assert await other_process.set_status(delivery_id, DeliveryStatus.PAUSED)
        held_at = await _assert_not_growing(client)
        assert held_at < USERS
        counts = await Outbox(database).counts(delivery_id)
        assert counts[OutboxStatus.SENDING] == 0
        assert counts[OutboxStatus.PENDING] == USERS - held_at
        stored = await other_process.get(delivery_id)
        assert stored is not None and stored.status is DeliveryStatus.PAUSED

        assert await other_process.set_status(delivery_id, DeliveryStatus.SENDING)
        await asyncio.wait_for(engine.wait_finished(delivery_id), 10)
    finally:
        await engine.stop()
    for user_id in users:
        assert await _received(client, user_id) == 1
    progress = await engine.progress(delivery_id)
    assert (progress.status, progress.sent) == ("done", USERS)


async def test_an_external_cancel_ends_cancelled_never_done(
    database: Database,
    client: SandboxClient,
    transport: TelegramTransport,
    other_process: DeliveryRepository,
) -> None:
    users = await _users(client, database, USERS)
    engine = DeliveryEngine(database, transport, SLOW)
    await engine.start()
    try:
        delivery_id = await new_delivery(database)
        await engine.start_delivery(delivery_id)
        await _wait_for_sent(client, 5)
        # Only the status, without cancelling the rows: the engine cancels what is left.
        assert await other_process.set_status(delivery_id, DeliveryStatus.CANCELLED)
        stopped_at = await _assert_not_growing(client)
    finally:
        await engine.stop()
    progress = await engine.progress(delivery_id)
    assert progress.status == "cancelled"
    assert progress.sent == stopped_at < USERS
    assert progress.sent + progress.cancelled == USERS
    assert progress.pending == 0
    assert (await Outbox(database).counts(delivery_id))[OutboxStatus.SENDING] == 0
    for user_id in users:
        assert await _received(client, user_id) <= 1
    with pytest.raises(ValueError):
        await engine.resume(delivery_id)


class _Slow:
    """A transport whose every send takes a while, so an external change lands meanwhile."""

    def __init__(self, inner: TelegramTransport) -> None:
        self.inner = inner

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        await asyncio.sleep(0.3)
        return await self.inner.send(recipient, payload)


async def test_a_cancel_racing_the_last_sends_is_not_overwritten_by_done(
    database: Database,
    client: SandboxClient,
    transport: TelegramTransport,
    other_process: DeliveryRepository,
) -> None:
    await _users(client, database, 3)
    # The periodic re-read never comes in time: only the refused move to done catches it.
    config = EngineConfig(rate=None, workers=2, flush_interval=0.05, sync_interval=3600)
    engine = DeliveryEngine(database, _Slow(transport), config)
    await engine.start()
    try:
        delivery_id = await new_delivery(database)
        await engine.start_delivery(delivery_id)
        await _wait_for_rows(database, delivery_id, OutboxStatus.SENDING, 3)
        assert await other_process.set_status(delivery_id, DeliveryStatus.CANCELLED)
        # All three were in flight: they are sent, and the engine then tries to finish.
        await _wait_for_rows(database, delivery_id, OutboxStatus.SENT, 3)
        await asyncio.sleep(0.3)
        stored = await other_process.get(delivery_id)
        assert stored is not None and stored.status is DeliveryStatus.CANCELLED
    finally:
        await engine.stop()
    assert await _sent(client) == 3


async def _wait_for_rows(
    database: Database, delivery_id: int, status: OutboxStatus, count: int
) -> None:
    for _ in range(200):
        if (await Outbox(database).counts(delivery_id))[status] == count:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"fewer than {count} rows {status}")
