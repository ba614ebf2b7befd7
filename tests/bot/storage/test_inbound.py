"""The inbound queue's rows: handled rows lose their body and sender and go after an hour;
waiting rows nobody took go after a day; a member's /delete takes their waiting updates."""

from __future__ import annotations

from bot.services import Services
from bot.storage.database import Database
from bot.storage.inbound import InboundRepository

HOUR, DAY = 3600.0, 86400.0


async def rows(database: Database) -> list[tuple[object, ...]]:
    found = await database.fetch_all(
        "SELECT update_id, user_id, handled, body FROM inbound_updates ORDER BY update_id"
    )
    return [tuple(row) for row in found]


async def test_handling_clears_the_body_and_the_sender(database: Database) -> None:
    queue = InboundRepository(database)
    assert await queue.append(1, 42, 0, '{"update_id": 1}', now=100.0)
    assert not await queue.append(1, 42, 0, '{"update_id": 1}', now=101.0)
    (waiting,) = await queue.next_waiting(0, 10)
    assert await queue.mark_handled(waiting.id, now=102.0)
    assert not await queue.mark_handled(waiting.id, now=103.0)
    assert await rows(database) == [(1, None, 1, None)]
    assert not await queue.append(1, 42, 0, '{"update_id": 1}', now=104.0)  # a late retry


async def test_pruning_keeps_handled_rows_an_hour_and_waiting_rows_a_day(
    database: Database,
) -> None:
    queue = InboundRepository(database)
    now = 10 * DAY
    for update_id, received in ((1, now - 2 * HOUR), (2, now - 2 * DAY), (3, now - 10)):
        await queue.append(update_id, 42, 0, "{}", now=received)
    first, *_ = await queue.next_waiting(0, 1)
    await queue.mark_handled(first.id, now=now - 2 * HOUR)
    assert await queue.prune(now - HOUR, now - DAY) == (1, 1)
    assert [row[0] for row in await rows(database)] == [3]


async def test_a_members_erasure_takes_their_waiting_updates(services: Services) -> None:
    queue = InboundRepository(services.database)
    await services.registration.agree(42, "en")
    await queue.append(1, 42, 0, "{}", now=1.0)
    await queue.append(2, 43, 1, "{}", now=1.0)
    await services.members.erase(42)
    assert [row[:2] for row in await rows(services.database)] == [(2, 43)]
