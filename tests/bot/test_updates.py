"""One person's updates run in order and cannot crowd everyone else out."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.updates import PerUserUpdateProcessor, arrival_time


def update_from(user_id: int, update_id: int) -> Update:
    message = Message(
        update_id,
        datetime.now(UTC),
        Chat(user_id, Chat.PRIVATE),
        from_user=User(user_id, "Member", is_bot=False),
        text="hello",
    )
    return Update(update_id, message=message)


async def test_updates_from_one_person_run_one_at_a_time_in_order() -> None:
    processor = PerUserUpdateProcessor(8)
    handled: list[int] = []
    running = 0

    async def handle(number: int) -> None:
        nonlocal running
        running += 1
        assert running == 1, "two of one person's updates ran at once"
        await asyncio.sleep(0.001 * (number % 3))
        handled.append(number)
        running -= 1

    await asyncio.gather(
        *(processor.process_update(update_from(7, n), handle(n)) for n in range(15))
    )
    assert handled == list(range(15))


async def test_a_flood_from_one_person_does_not_hold_up_another() -> None:
    processor = PerUserUpdateProcessor(4)
    release = asyncio.Event()

    async def stuck() -> None:
        await release.wait()

    async def quick() -> None:
        pass

    flood = [
        asyncio.create_task(processor.process_update(update_from(1, n), stuck())) for n in range(15)
    ]
    await asyncio.sleep(0.01)  # the flood is queued before the other person writes
    async with asyncio.timeout(1):
        await processor.process_update(update_from(2, 100), quick())
    release.set()
    await asyncio.gather(*flood)


async def test_updates_beyond_the_waiting_limit_are_dropped() -> None:
    processor = PerUserUpdateProcessor(4, max_waiting_per_person=3)
    release = asyncio.Event()
    ran: list[int] = []

    async def handle(number: int) -> None:
        await release.wait()
        ran.append(number)

    tasks = [
        asyncio.create_task(processor.process_update(update_from(1, n), handle(n)))
        for n in range(6)
    ]
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*tasks)
    assert ran == [0, 1, 2]


async def test_handlers_see_when_their_update_arrived_not_when_its_turn_came() -> None:
    processor = PerUserUpdateProcessor(4)
    release = asyncio.Event()
    seen: list[float] = []

    async def first() -> None:
        await release.wait()

    async def second() -> None:
        seen.append(arrival_time())

    tasks = [
        asyncio.create_task(processor.process_update(update_from(1, 1), first())),
        asyncio.create_task(processor.process_update(update_from(1, 2), second())),
    ]
    await asyncio.sleep(0.01)  # both have arrived; the second waits behind the first
    both_arrived = time.monotonic()
    release.set()
    await asyncio.gather(*tasks)
    assert seen and seen[0] < both_arrived
