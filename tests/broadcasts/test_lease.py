"""One delivery engine per database: a second process's engine does not start while the first
runs (it would resend the first one's requests in flight), a dead holder gives way, and an
engine whose lease another took stops sending and stands by."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

import bot.broadcasting
import broadcasts.engine
from bot.errors import ConfigError
from bot.services import Services
from bot.settings import Settings
from bot.storage.database import Database
from broadcasts import DeliveryEngine, EngineConfig, Outcome, Payload, Recipient
from broadcasts.cli import send_foreground
from broadcasts.lease import LEASE_SECONDS, EngineBusy, EngineLease, Holder
from broadcasts.outbox import Outbox, OutboxStatus
from sandbox import Sandbox
from tests.auxil.actors import OPERATOR
from tests.auxil.broadcasting import consular_message_now
from tests.auxil.running import start_bot
from tests.broadcasts.builders import add_member, new_delivery

QUICK = EngineConfig(rate=None, workers=1, flush_interval=0.01, idle_interval=0.01)


class Silent:
    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        return Outcome.sent(1)


async def hold_lease(database: Database, holder: str, expires_at: float) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES ('engine', ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
            " expires_at = excluded.expires_at",
            (holder, expires_at),
        )


async def test_a_second_engine_waits_for_the_first_to_stop(database: Database) -> None:
    first = DeliveryEngine(database, Silent(), QUICK)
    second = DeliveryEngine(database, Silent(), QUICK)
    await first.start()
    with pytest.raises(EngineBusy):
        await second.start()
    await first.stop()
    await second.start()
    await second.stop()


async def test_the_lease_of_a_process_that_died_is_free(database: Database) -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await child.wait()  # its pid now names no process
    gone = replace(Holder.me(), pid=child.pid)
    await hold_lease(database, str(gone), datetime.now(UTC).timestamp() + LEASE_SECONDS)
    engine = DeliveryEngine(database, Silent(), QUICK)
    await engine.start()
    await engine.stop()


async def test_a_lease_elsewhere_is_free_only_once_it_expires(database: Database) -> None:
    now = 10_000.0
    other_machine = "consulate-server-2:4242:abc"
    await hold_lease(database, other_machine, now + 5)
    lease = EngineLease(database, clock=lambda: now)
    with pytest.raises(EngineBusy, match="consulate-server-2"):
        await lease.acquire()
    later = EngineLease(database, clock=lambda: now + 6)
    await later.acquire()
    assert await later.renew()
    assert not await lease.renew()


async def test_send_foreground_refuses_while_the_bot_sends(
    sandbox: Sandbox, services: Services, settings: Settings
) -> None:
    running = await start_bot(services, sandbox, settings)
    try:
        created = await services.broadcasts.create(
            consular_message_now("Hello"),
            datetime.now(UTC),
        )
        with_token = replace(settings, token=sandbox.token, api_base_url=sandbox.bot_api_base_url)
        with pytest.raises(ConfigError, match="send --foreground: another process"):
            await send_foreground(services.broadcasts, with_token, created.broadcast.id, OPERATOR)
    finally:
        await running.stop()


async def test_the_bot_takes_over_when_the_other_process_stops(
    sandbox: Sandbox, services: Services, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.broadcasting, "LEASE_RETRY_SECONDS", 0.05)
    foreground = DeliveryEngine(services.database, Silent(), QUICK)
    await foreground.start()
    running = await start_bot(services, sandbox, settings)
    try:
        assert services.broadcasts.engine is None
        await foreground.stop()
        for _ in range(100):
            if services.broadcasts.engine is not None:
                break
            await asyncio.sleep(0.02)
        assert services.broadcasts.engine is running.application.bot_data.broadcasting.engine
    finally:
        await running.stop()


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


async def test_an_engine_whose_lease_was_taken_stands_by_until_it_is_free(
    sandbox: Sandbox, services: Services, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcasts.engine, "RENEW_SECONDS", 0.05)
    monkeypatch.setattr(bot.broadcasting, "LEASE_RETRY_SECONDS", 0.05)
    running = await start_bot(services, sandbox, settings)
    try:
        runtime = running.application.bot_data.broadcasting
        assert services.broadcasts.engine is runtime.engine
        # An engine on another machine took the lease (this one had let it run out).
        later = datetime.now(UTC).timestamp() + 3600
        await hold_lease(services.database, "consulate-server-2:4242:abc", later)
        await _until(lambda: services.broadcasts.engine is None)
        assert runtime.engine.lost.is_set()
        async with services.database.transaction() as tx:
            await tx.execute("DELETE FROM leases WHERE name = 'engine'")
        await _until(lambda: services.broadcasts.engine is runtime.engine)
        assert not runtime.engine.lost.is_set()
    finally:
        await running.stop()


class Gate:
    """A transport whose sends wait until the test opens the gate."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.sent = 0

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        await self.open.wait()
        self.sent += 1
        return Outcome.sent(self.sent)


async def test_an_engine_that_lost_its_lease_leaves_its_claimed_rows_to_the_new_holder(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcasts.engine, "RENEW_SECONDS", 0.05)
    for user_id in range(100, 110):
        await add_member(database, user_id)
    gate = Gate()
    config = replace(QUICK, batch_size=5)
    engine = DeliveryEngine(database, gate, config)
    await engine.start()
    await engine.start_delivery(await new_delivery(database))
    outbox = Outbox(database)
    for _ in range(500):  # every row claimed (two batches), one of them being sent
        if (await outbox.counts(1))[OutboxStatus.SENDING] == 10:
            break
        await asyncio.sleep(0.01)
    await hold_lease(database, "consulate-server-2:4242:abc", datetime.now(UTC).timestamp() + 60)
    await asyncio.wait_for(engine.lost.wait(), timeout=10)
    gate.open.set()  # the request in progress finishes; the claimed rows are not sent
    await engine.stop()
    counts = await outbox.counts(1)
    assert gate.sent == 1
    # Not written back as pending: the new holder put them back as it started (crash policy)
    # and may be sending them already.
    assert (counts[OutboxStatus.SENT], counts[OutboxStatus.SENDING]) == (1, 9)
