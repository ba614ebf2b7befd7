"""The outbox: filling by chunks, language fallback, claiming, skipping, write-back, recovery."""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.leases import Lease
from broadcasts import Audience, DeliveryStatus
from broadcasts.deliveries import DeliveryRepository
from broadcasts.outbox import Outbox, OutboxStatus, RowResult
from tests.broadcasts.builders import add_member, delete_member, new_delivery, set_member


async def _fill(database: Database, delivery_id: int, chunk: int = 3) -> Outbox:
    outbox = Outbox(database, fill_chunk=chunk)
    repository = DeliveryRepository(database)
    delivery = await repository.get(delivery_id)
    assert delivery is not None
    payloads = await repository.payloads(delivery)
    chunks = 1
    while not await outbox.fill_next_chunk(delivery, sorted(payloads)):
        chunks += 1
    assert chunks >= 1
    return outbox


async def _languages(database: Database, delivery_id: int) -> dict[int, str]:
    rows = await database.fetch_all(
        "SELECT m.telegram_user_id, o.language FROM delivery_outbox o"
        " JOIN members m ON m.id = o.member_id WHERE o.delivery_id = ?",
        (delivery_id,),
    )
    return {row[0]: row[1] for row in rows}


async def test_fill_in_chunks_adds_each_audience_member_once(database: Database) -> None:
    for user_id in range(1, 11):
        await add_member(database, user_id, country="AE" if user_id % 2 else "SA")
    await add_member(database, 11, announcements=False)
    delivery_id = await new_delivery(database, audience=Audience.of(countries=["AE"]))
    outbox = await _fill(database, delivery_id, chunk=3)
    assert set(await _languages(database, delivery_id)) == {1, 3, 5, 7, 9}
    counts = await outbox.counts(delivery_id)
    assert counts[OutboxStatus.PENDING] == 5
    delivery = await DeliveryRepository(database).get(delivery_id)
    assert delivery is not None and delivery.filled


async def test_fill_falls_back_to_the_default_language(database: Database) -> None:
    await add_member(database, 1, language="en")
    await add_member(database, 2, language="ar")
    await add_member(database, 3, language="pt")
    await add_member(database, 4, language=None)
    delivery_id = await new_delivery(database, languages=("en", "ar"))
    await _fill(database, delivery_id)
    assert await _languages(database, delivery_id) == {1: "en", 2: "ar", 3: "en", 4: "en"}


async def test_fill_covers_members_up_to_the_highest_id_at_start(database: Database) -> None:
    await add_member(database, 1)
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    await add_member(database, 2)
    delivery = await DeliveryRepository(database).get(delivery_id)
    assert delivery is not None and delivery.filled
    assert (await outbox.counts(delivery_id))[OutboxStatus.PENDING] == 1


async def test_claim_skips_members_who_stopped_or_left_after_the_fill(database: Database) -> None:
    ids = [await add_member(database, user_id) for user_id in range(1, 6)]
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    await set_member(database, ids[0], "announcements", 0)
    await delete_member(database, ids[1])
    await set_member(database, ids[2], "reachable", 0)
    claim = await outbox.claim(delivery_id, limit=10, now=0.0)
    assert claim.examined == 5
    assert {row.chat_id for row in claim.rows} == {4, 5}
    counts = await outbox.counts(delivery_id)
    assert counts[OutboxStatus.SENDING] == 2
    assert counts[OutboxStatus.SKIPPED] == 3
    reasons = await database.fetch_all(
        "SELECT last_error FROM delivery_outbox WHERE status = 'skipped' ORDER BY id"
    )
    assert [row[0] for row in reasons] == ["stopped", "deleted", "unreachable"]


async def test_claim_respects_limit_and_next_attempt(database: Database) -> None:
    for user_id in range(1, 6):
        await add_member(database, user_id)
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    first = await outbox.claim(delivery_id, limit=2, now=0.0)
    assert len(first.rows) == 2
    await outbox.write_back(
        [RowResult(first.rows[0].outbox_id, OutboxStatus.PENDING, True, next_attempt_at=100.0)]
    )
    rest = await outbox.claim(delivery_id, limit=10, now=50.0)
    assert len(rest.rows) == 3
    assert (await outbox.claim(delivery_id, limit=10, now=50.0)).examined == 0
    retried = await outbox.claim(delivery_id, limit=10, now=100.0)
    assert [row.outbox_id for row in retried.rows] == [first.rows[0].outbox_id]
    assert retried.rows[0].attempts == 1


async def test_write_back_stores_results_and_marks_unreachable_members(
    database: Database,
) -> None:
    member_ids = [await add_member(database, user_id) for user_id in (1, 2, 3)]
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    rows = (await outbox.claim(delivery_id, limit=10, now=0.0)).rows
    await outbox.write_back(
        [
            RowResult(rows[0].outbox_id, OutboxStatus.SENT, True, message_id=7, poll_id="p-1"),
            RowResult(rows[1].outbox_id, OutboxStatus.UNREACHABLE, True, error="blocked"),
            RowResult(rows[2].outbox_id, OutboxStatus.FAILED, True, error="Bad Gateway"),
        ]
    )
    counts = await outbox.counts(delivery_id)
    assert (counts[OutboxStatus.SENT], counts[OutboxStatus.UNREACHABLE]) == (1, 1)
    assert counts[OutboxStatus.FAILED] == 1
    reachable = await database.fetch_all("SELECT id, reachable FROM members ORDER BY id")
    assert [tuple(row) for row in reachable] == [
        (member_ids[0], 1),
        (member_ids[1], 0),
        (member_ids[2], 1),
    ]
    recipient = await outbox.recipient_of_poll("p-1")
    assert recipient is not None
    assert (recipient.delivery_id, recipient.member_id, recipient.message_id) == (
        delivery_id,
        member_ids[0],
        7,
    )
    failed = await database.fetch_one(
        "SELECT last_error, attempts FROM delivery_outbox WHERE status = 'failed'"
    )
    assert failed is not None and tuple(failed) == ("Bad Gateway", 1)


async def test_recover_puts_rows_in_flight_back_to_pending(database: Database) -> None:
    for user_id in range(1, 4):
        await add_member(database, user_id)
    delivery_id = await new_delivery(database)
    await DeliveryRepository(database).set_status(delivery_id, DeliveryStatus.SENDING)
    outbox = await _fill(database, delivery_id)
    await outbox.claim(delivery_id, limit=2, now=0.0)
    assert await outbox.recover_in_flight() == 2
    assert (await outbox.counts(delivery_id))[OutboxStatus.PENDING] == 3


async def test_deleting_a_member_keeps_the_row_without_the_link(database: Database) -> None:
    member_id = await add_member(database, 1)
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    await delete_member(database, member_id)
    row = await database.fetch_one("SELECT member_id, status FROM delivery_outbox")
    assert row is not None and tuple(row) == (None, "pending")
    assert (await outbox.counts(delivery_id))[OutboxStatus.PENDING] == 1


async def test_depth_counts_the_rows_still_to_send_of_deliveries_being_sent(
    database: Database,
) -> None:
    for user_id in range(1, 6):
        await add_member(database, user_id)
    deliveries = DeliveryRepository(database)
    sending = await new_delivery(database)
    paused = await new_delivery(database)
    outbox = await _fill(database, sending)
    await _fill(database, paused)
    await deliveries.set_status(sending, DeliveryStatus.SENDING)
    await deliveries.set_status(paused, DeliveryStatus.PAUSED)
    assert await outbox.depth() == 5  # the paused delivery's rows wait for no sender
    claimed = (await outbox.claim(sending, limit=2, now=0.0)).rows
    assert await outbox.depth() == 5  # claimed rows are in flight, not yet sent
    await outbox.write_back([RowResult(row.outbox_id, OutboxStatus.SENT) for row in claimed])
    assert await outbox.depth() == 3


async def test_an_engine_that_lost_its_lease_claims_nothing(database: Database) -> None:
    """The lease is checked in the claim's own transaction: a takeover between the engine's
    last renewal and its claim leaves every row to the new holder."""
    for user_id in range(1, 4):
        await add_member(database, user_id)
    delivery_id = await new_delivery(database)
    outbox = await _fill(database, delivery_id)
    old, new = Lease(database, "engine", 6), Lease(database, "engine", 6)
    await old.acquire()
    assert len((await outbox.claim(delivery_id, 1, 0.0, lease_holder=str(old.holder))).rows) == 1
    await old.release()
    await new.acquire()  # the takeover
    lost = await outbox.claim(delivery_id, 10, 0.0, lease_holder=str(old.holder))
    assert (lost.rows, lost.examined) == ([], 0)
    assert len((await outbox.claim(delivery_id, 10, 0.0, lease_holder=str(new.holder))).rows) == 2
