"""Broadcasts for tests: a transport that records what it would have sent, a delivery engine
on it, the operator's consular message, and a broadcast sent to a few members through the
real service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from bot.access import Actor, Role, StaffMember
from bot.services import Services
from broadcasts import Audience, DeliveryEngine, EngineConfig, Outcome, Payload, Recipient
from broadcasts.compose import BroadcastRequest, Category
from broadcasts.payload import DeliveryKind
from broadcasts.progress import BandedProgress
from broadcasts.schedule import Schedule
from tests.auxil.actors import OPERATOR
from tests.broadcasts.builders import add_member

#: A second staff member, to approve what the command line composes.
APPROVER = Actor.in_chat(2, StaffMember(2, Role.EDITOR, frozenset()))


class Recorder:
    """A transport that records what it would have sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        self.sent.append((recipient.chat_id, payload.text or ""))
        return Outcome.sent(len(self.sent))


@asynccontextmanager
async def running_engine(services: Services) -> AsyncIterator[tuple[DeliveryEngine, Recorder]]:
    """A delivery engine on a Recorder, attached to the broadcast service while it runs."""
    recorder = Recorder()
    config = EngineConfig(rate=None, workers=2, flush_interval=0.01, idle_interval=0.01)
    engine = DeliveryEngine(services.database, recorder, config)
    await engine.start()
    services.broadcasts.engine = engine
    try:
        yield engine, recorder
    finally:
        services.broadcasts.engine = None
        await engine.stop()


def consular_message_now(text: str, audience: Audience | None = None) -> BroadcastRequest:
    """The operator's consular message in English, sent now to ``audience`` (everyone)."""
    return BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=Category.CONSULAR,
        payloads=[Payload("en", text=text)],
        audience=audience or Audience.everyone(),
        schedule=Schedule.now(),
        author=OPERATOR,
    )


async def send_to_london(
    services: Services, count: int, now: datetime
) -> tuple[int, BandedProgress]:
    """Send a message now to ``count`` new members in London; return the broadcast's id and
    its delivery's progress as staff see it."""
    for index in range(count):
        await add_member(
            services.database, 900 + index, consulate_id="london", country="GB", language="en"
        )
    request = consular_message_now("Hello", Audience.of(consulates=["london"]))
    broadcast_id = (await services.broadcasts.create(request, now)).broadcast.id
    await services.broadcasts.approve(broadcast_id, APPROVER)
    async with running_engine(services) as (engine, _):
        (started,) = await services.broadcasts.sweep(now)
        await engine.wait_finished(started.delivery_id)
        progress = await services.broadcasts.delivery_progress(
            broadcast_id, started.delivery_id, OPERATOR
        )
    return broadcast_id, progress
