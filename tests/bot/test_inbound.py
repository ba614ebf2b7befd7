"""Sharded update handling (bot/inbound.py): the receiver appends each update durably before
its 200, once per update_id; shard workers handle each person's updates in order, share the
shards out between processes and take over a shard whose holder is gone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.inbound import InboundQueue, ShardWorkers, in_shard, queue_depth, sender_of, shard_of
from bot.settings import Settings
from bot.storage.database import Database
from bot.webhook import SECRET_HEADER, WebhookReceiver, web_server

SECRET = "the-right-secret-0123456789"
LIMIT = 4000


def message_from(update_id: int, user_id: int, text: str = "hi") -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "M"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {**person, "type": "private"},
            "from": person,
        },
    }


async def queued_rows(database: Database) -> list[tuple[Any, ...]]:
    """(update_id, user_id, shard, handled, body is set) of every row, read outside any
    transaction: what is committed."""
    rows = await database.fetch_all(
        "SELECT update_id, user_id, shard, handled, CASE WHEN body IS NULL THEN 0 ELSE 1 END"
        " FROM inbound_updates ORDER BY update_id"
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(
    ("update", "sender"),
    [
        (message_from(1, 42), 42),
        ({"update_id": 2, "callback_query": {"id": "q", "from": {"id": 43}}}, 43),
        ({"update_id": 3, "poll_answer": {"poll_id": "p", "user": {"id": 44}}}, 44),
        ({"update_id": 4, "my_chat_member": {"chat": {"id": 45}, "from": {"id": 45}}}, 45),
        ({"update_id": 5, "edited_message": {"from": {"id": 46}}}, 46),
        ({"update_id": 6, "poll": {"id": "p", "question": "?"}}, None),
    ],
)
def test_the_sender_is_found_in_every_kind_of_update(
    update: dict[str, Any], sender: int | None
) -> None:
    assert sender_of(update) == sender


def test_a_person_is_in_one_shard_and_no_one_is_in_shard_0() -> None:
    assert [shard_of(user, 4) for user in (8, 9, 10, 11)] == [0, 1, 2, 3]
    assert shard_of(None, 4) == 0
    assert in_shard(1, 4)(9) and not in_shard(1, 4)(10)


@pytest.fixture
async def receiver_url(database: Database) -> AsyncIterator[str]:
    """The webhook receiver on a real port, queuing into ``database`` with two shards."""
    queue = InboundQueue(database, shards=2)
    receiver = WebhookReceiver("/telegram", SECRET, queue.append, max_body=LIMIT)
    async with web_server(receiver.routes(), "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}/telegram"


@pytest.mark.sqlite_only
async def test_the_receiver_answers_only_once_the_update_is_committed(
    receiver_url: str, database: Database
) -> None:
    """While another process holds the database's write lock the call is not answered; once
    it lets go, the update is committed (seen by another connection) when the 200 comes."""
    blocker = sqlite3.connect(database.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    async with httpx.AsyncClient() as http:
        call = asyncio.create_task(
            http.post(receiver_url, json=message_from(7, 43), headers={SECRET_HEADER: SECRET})
        )
        await asyncio.sleep(0.5)
        assert not call.done()
        blocker.execute("COMMIT")
        blocker.close()
        response = await asyncio.wait_for(call, timeout=10)
    assert response.status_code == 200
    assert await queued_rows(database) == [(7, 43, 1, 0, 1)]


async def test_a_retried_update_is_queued_once(receiver_url: str, database: Database) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(2):
            response = await http.post(
                receiver_url, json=message_from(8, 42), headers={SECRET_HEADER: SECRET}
            )
            assert response.status_code == 200
    assert await queued_rows(database) == [(8, 42, 0, 0, 1)]
    assert await queue_depth(database) == 1


async def test_the_receiver_still_refuses_a_wrong_secret_a_big_body_and_a_non_update(
    receiver_url: str, database: Database
) -> None:
    async with httpx.AsyncClient() as http:
        wrong = await http.post(
            receiver_url, json=message_from(9, 42), headers={SECRET_HEADER: "wrong-secret-xxxxx"}
        )
        big = await http.post(
            receiver_url,
            json=message_from(10, 42, "x" * LIMIT),
            headers={SECRET_HEADER: SECRET},
        )
        no_id = await http.post(
            receiver_url, json={"message": {"text": "hi"}}, headers={SECRET_HEADER: SECRET}
        )
    assert [wrong.status_code, big.status_code, no_id.status_code] == [403, 413, 400]
    assert await queued_rows(database) == []


async def test_a_failed_insert_is_not_answered_200(receiver_url: str, database: Database) -> None:
    """Telegram must retry an update the queue could not keep."""
    async with database.transaction() as tx:
        await tx.execute("DROP TABLE inbound_updates")
    async with httpx.AsyncClient() as http:
        response = await http.post(
            receiver_url, json=message_from(11, 42), headers={SECRET_HEADER: SECRET}
        )
    assert response.status_code == 500


class Handled:
    """A ``handle`` recording the updates it was given, as (user id, text)."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, str]] = []
        self.changed = asyncio.Event()

    async def handle(self, update: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # let the other shards' workers run in between
        message = update["message"]
        self.updates.append((message["from"]["id"], message["text"]))
        self.changed.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(30):
            while len(self.updates) < count:
                self.changed.clear()
                await self.changed.wait()

    def of(self, user_id: int) -> list[str]:
        return [text for user, text in self.updates if user == user_id]


def fast_workers(
    database: Database, shards: int, handle: Callable[[dict[str, Any]], Any], **options: Any
) -> ShardWorkers:
    return ShardWorkers(database, shards, handle, tick_seconds=0.05, poll_seconds=0.05, **options)


async def test_each_persons_updates_are_handled_once_in_order(database: Database) -> None:
    queue = InboundQueue(database, shards=3)
    members = (301, 302, 303, 304, 305)
    update_id = 0
    for step in range(6):
        for member in members:
            update_id += 1
            await queue.append(message_from(update_id, member, f"step {step}"))
    handled = Handled()
    workers = fast_workers(database, 3, handled.handle)
    await workers.start()
    try:
        await handled.until(30)
        assert workers.held == [0, 1, 2]
    finally:
        await workers.stop()
    for member in members:
        assert handled.of(member) == [f"step {step}" for step in range(6)]
    rows = await queued_rows(database)
    assert len(rows) == 30 and all(row[1:] == (None, shard_of_row(row), 1, 0) for row in rows)
    assert await queue_depth(database) == 0


def shard_of_row(row: tuple[Any, ...]) -> int:
    return int(row[2])


async def shared_out(first: ShardWorkers, second: ShardWorkers) -> None:
    """Wait (at most 30 s) until each of the two holds two shards."""
    for _ in range(600):
        if len(first.held) == len(second.held) == 2:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the shards were not shared out: {first.held} {second.held}")


async def test_two_processes_share_the_shards_and_one_takes_over_from_the_other(
    database: Database, settings: Settings
) -> None:
    """The second to start takes half the shards; when it stops (giving them up) the first
    takes them back and handles what was queued for them, reading their people again."""
    other_connection = await Database.open(settings.database)
    queue = InboundQueue(database, shards=4)
    first_handled, second_handled = Handled(), Handled()
    taken: list[list[int]] = []

    async def on_take(wanted: Callable[[int], bool]) -> None:
        taken.append([user for user in (400, 401, 402, 403) if wanted(user)])

    first = fast_workers(database, 4, first_handled.handle, on_take=on_take)
    second = fast_workers(other_connection, 4, second_handled.handle)
    try:
        await first.start()
        assert first.held == [0, 1, 2, 3]
        await second.start()
        await shared_out(first, second)
        assert sorted(first.held + second.held) == [0, 1, 2, 3]
        for index, member in enumerate((400, 401, 402, 403)):
            await queue.append(message_from(index + 1, member, "before"))
        await first_handled.until(2)
        await second_handled.until(2)
        await second.stop()
        for index, member in enumerate((400, 401, 402, 403)):
            await queue.append(message_from(index + 11, member, "after"))
        await first_handled.until(6)
        assert first.held == [0, 1, 2, 3]
    finally:
        await first.stop()
        await other_connection.close()
    assert sorted(first_handled.updates[2:]) == [(m, "after") for m in (400, 401, 402, 403)]
    assert sorted(taken[:4]) == [[400], [401], [402], [403]]
    assert len(taken) == 6  # and the two taken back, each with its person


async def test_a_worker_whose_holder_hangs_is_replaced_when_its_lease_expires(
    database: Database, settings: Settings
) -> None:
    """A holder that stops renewing (hung, or on a machine we cannot see) loses its shard when
    the lease runs out; the update it never marked handled is handled by the new holder."""
    other_connection = await Database.open(settings.database)
    queue = InboundQueue(database, shards=1)
    stuck = asyncio.Event()

    async def hang(update: dict[str, Any]) -> None:
        stuck.set()
        await asyncio.Event().wait()

    handled = Handled()
    hung = fast_workers(database, 1, hang, lease_seconds=0.5)
    standby = fast_workers(other_connection, 1, handled.handle, lease_seconds=0.5)
    await hung.start()
    try:
        await queue.append(message_from(1, 500, "in flight"))
        await asyncio.wait_for(stuck.wait(), timeout=10)
        assert hung._supervisor is not None
        hung._supervisor.cancel()  # no more renewals: as if the process hung
        await standby.start()
        await handled.until(1)
        assert standby.held == [0]
    finally:
        await standby.stop()
        for worker in hung._workers.values():
            assert worker.task is not None
            worker.task.cancel()
        await other_connection.close()
    assert handled.updates == [(500, "in flight")]
