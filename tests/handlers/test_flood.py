"""The flood gate: a person sending too fast is told once, then not answered until their bucket
has refilled; time is driven by a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import (
    Chat,
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    Message,
    Update,
    User,
)
from telegram.ext import ApplicationHandlerStop

from bot.services import Services
from bot.settings import Settings
from bot.updates import MAX_WAITING_PER_PERSON
from handlers.flood import (
    FLOOD_BURST,
    FLOOD_REFILL_PER_SECOND,
    NOTICE,
    TRACKED_PEOPLE,
    FloodGate,
    Verdict,
)
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.clock import FakeClock
from tests.auxil.running import flood_gate_of, start_bot
from tests.broadcasts.builders import add_member

PASS, NOTIFY, DROP = Verdict.PASS, Verdict.NOTIFY, Verdict.DROP
REFILL_SECONDS = FLOOD_BURST / FLOOD_REFILL_PER_SECOND


def _gate() -> tuple[FloodGate, FakeClock]:
    clock = FakeClock()
    return FloodGate(clock=clock), clock


def test_a_burst_passes_then_one_notice_then_silence() -> None:
    gate, _ = _gate()
    verdicts = [gate.admit(7) for _ in range(FLOOD_BURST + 5)]
    assert verdicts == [PASS] * FLOOD_BURST + [NOTIFY] + [DROP] * 4


def test_tokens_that_come_back_let_updates_through_without_a_new_notice() -> None:
    gate, clock = _gate()
    for _ in range(FLOOD_BURST + 1):
        gate.admit(7)
    clock.now += 2.0 / FLOOD_REFILL_PER_SECOND
    assert [gate.admit(7) for _ in range(3)] == [PASS, PASS, DROP]


def test_once_the_bucket_is_full_again_a_new_flood_is_told_again() -> None:
    gate, clock = _gate()
    for _ in range(FLOOD_BURST + 1):
        gate.admit(7)
    clock.now += REFILL_SECONDS
    verdicts = [gate.admit(7) for _ in range(FLOOD_BURST + 2)]
    assert verdicts == [PASS] * FLOOD_BURST + [NOTIFY, DROP]


def test_people_have_buckets_of_their_own() -> None:
    gate, _ = _gate()
    for _ in range(FLOOD_BURST + 1):
        gate.admit(7)
    assert gate.admit(8) is PASS


def test_full_buckets_are_forgotten() -> None:
    gate, clock = _gate()
    for person in range(TRACKED_PEOPLE):
        gate.admit(person)
    assert len(gate) == TRACKED_PEOPLE
    clock.now += REFILL_SECONDS
    gate.admit(TRACKED_PEOPLE)
    assert len(gate) == 1


def test_a_flood_reaches_the_gate_before_the_update_processor_drops_anything() -> None:
    assert MAX_WAITING_PER_PERSON > FLOOD_BURST


async def test_block_reports_and_updates_without_a_person_pass() -> None:
    gate, _ = _gate()
    person = User(7, "Member", is_bot=False)
    for _ in range(FLOOD_BURST + 1):
        gate.admit(person.id)
    blocked = ChatMemberUpdated(
        Chat(person.id, Chat.PRIVATE),
        person,
        datetime.now(UTC),
        ChatMemberMember(User(1, "Bot", is_bot=True)),
        ChatMemberBanned(User(1, "Bot", is_bot=True), datetime.now(UTC)),
    )
    context = None  # never needed: nothing is dropped, nobody is told
    await gate.guard(Update(1, my_chat_member=blocked), context)  # type: ignore[arg-type]
    await gate.guard(Update(2), context)  # type: ignore[arg-type]


async def test_a_notice_that_cannot_be_sent_still_drops_the_update() -> None:
    gate, _ = _gate()
    person = User(7, "Member", is_bot=False)
    for _ in range(FLOOD_BURST):
        gate.admit(person.id)
    message = Message(1, datetime.now(UTC), Chat(person.id, Chat.PRIVATE), person, text="hi")

    class Broken:
        @property
        def services(self) -> None:
            raise RuntimeError("the database is gone")

    with pytest.raises(ApplicationHandlerStop):
        await gate.guard(Update(3, message=message), Broken())  # type: ignore[arg-type]


# --- through the sandbox, with the real application ---------------------------------------------


class Verdicts(list[Verdict]):
    """The gate's verdicts in order, with an event set at each new one."""

    def __init__(self) -> None:
        super().__init__()
        self.added = asyncio.Event()

    def record(self, verdict: Verdict) -> Verdict:
        self.append(verdict)
        self.added.set()
        return verdict

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(15):
            while len(self) < count:
                await self.added.wait()
                self.added.clear()


@pytest.fixture
async def watched(
    sandbox: Sandbox, services: Services, settings: Settings
) -> AsyncIterator[tuple[FakeClock, Verdicts]]:
    """The application with its flood gate on a fake clock, the gate's verdicts recorded."""
    running = await start_bot(services, sandbox, settings, flood_gate=True)
    group, handler = flood_gate_of(running.application)
    assert group == -2  # before the gatekeeper (-1) and every feature
    gate: FloodGate = handler.callback.__self__
    clock = FakeClock()
    gate.clock = clock
    verdicts = Verdicts()
    admit = gate.admit
    gate.admit = lambda person: verdicts.record(admit(person))  # type: ignore[method-assign]
    yield clock, verdicts
    await running.stop()


async def _flood(client: SandboxClient, person: ChatUser, texts: list[str], seen: Verdicts) -> None:
    """Send every text at once, and return when the gate has seen them all."""
    for text in texts:
        await client.send(person.id, text)
    await seen.wait_for(len(texts))


async def test_a_flood_gets_one_notice_then_silence_until_the_bucket_refills(
    watched: tuple[FakeClock, Verdicts], client: SandboxClient, services: Services
) -> None:
    clock, verdicts = watched
    person = await ChatUser.create(client, "Rápido", "es")
    await _flood(client, person, [f"hola {n}" for n in range(40)], verdicts)
    assert verdicts == [PASS] * FLOOD_BURST + [NOTIFY] + [DROP] * (40 - FLOOD_BURST - 1)

    clock.now += REFILL_SECONDS
    (help_text,) = await person.send("/help")
    assert "/language" in help_text["text"]  # answered again

    spanish = services.languages.translator("es")
    notice = spanish.gettext(NOTICE)
    assert notice != NOTICE
    texts = [message["text"] for message in await person.bot_messages()]
    assert texts.count(notice) == 1
    assert texts.index(notice) == FLOOD_BURST  # after the answers to the first twenty
    assert len(texts) == FLOOD_BURST + 2


async def test_staff_are_limited_too_and_told_in_the_language_they_chose(
    watched: tuple[FakeClock, Verdicts], client: SandboxClient, services: Services
) -> None:
    _, verdicts = watched
    person = await ChatUser.create(client, "Admin", "en")
    await add_member(services.database, person.id, language="ar")
    await services.staff.ensure_admins([person.id])
    await _flood(client, person, ["/broadcasts"] * (FLOOD_BURST + 3), verdicts)
    assert verdicts.count(NOTIFY) == 1
    arabic = services.languages.translator("ar")
    texts = [message["text"] for message in await person.bot_messages()]
    assert texts[-1] == arabic.direction(arabic.gettext(NOTICE))
