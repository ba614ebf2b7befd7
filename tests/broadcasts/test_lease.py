"""One delivery engine per database: a second process's engine does not start while the first
runs (it would resend the first one's requests in flight), and a dead holder gives way."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest

import bot.broadcasting
from bot.errors import ConfigError
from bot.services import Services
from bot.settings import Settings
from bot.storage.database import Database
from broadcasts import Audience, DeliveryEngine, EngineConfig, Outcome, Payload, Recipient
from broadcasts.cli import send_foreground
from broadcasts.compose import BroadcastRequest, Category
from broadcasts.lease import LEASE_SECONDS, EngineBusy, EngineLease, Holder
from broadcasts.payload import DeliveryKind
from broadcasts.schedule import Schedule
from sandbox import Sandbox
from tests.auxil.actors import OPERATOR
from tests.auxil.running import start_bot

QUICK = EngineConfig(rate=None, workers=1, flush_interval=0.01, idle_interval=0.01)

pytestmark = pytest.mark.both_backends


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
            BroadcastRequest(
                kind=DeliveryKind.MESSAGE,
                category=Category.CONSULAR,
                payloads=[Payload("en", text="Hello")],
                audience=Audience.everyone(),
                schedule=Schedule.now(),
                author=OPERATOR,
            ),
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
