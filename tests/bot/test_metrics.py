"""Metrics: each counter moves where its event happens, read through /metrics as Prometheus
reads it, and no label names a person."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.metrics import SEND_OUTCOMES, Metrics
from bot.services import Services
from bot.updates import update_type
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.scraping import samples_of, scrape, value_of
from tests.broadcasts.builders import add_members, new_delivery

UPDATES = "diaspora_bot_updates_handled_total"
LATENCY_COUNT = "diaspora_bot_update_handling_seconds_count"
SENDS = "diaspora_bot_broadcast_sends_total"
RATE_LIMITED = "diaspora_bot_telegram_rate_limited_total"
ERRORS = "diaspora_bot_errors_total"
#: Every label the bot's metrics may carry (``le`` is the histogram's bucket).
LABEL_NAMES = {"type", "outcome", "source", "kind", "le"}


async def test_a_fresh_registry_shows_every_send_outcome_at_zero() -> None:
    samples = samples_of((await Metrics().exposition()).decode())
    for outcome in SEND_OUTCOMES:
        assert value_of(samples, SENDS, outcome=outcome) == 0
    assert value_of(samples, RATE_LIMITED, source="broadcast") == 0
    assert value_of(samples, RATE_LIMITED, source="reply") == 0


async def test_depths_are_read_at_each_scrape_until_observing_stops() -> None:
    metrics = Metrics()
    depth = 7

    async def read() -> int:
        return depth

    stop = metrics.observe_outbox_depth(read)
    first = samples_of((await metrics.exposition()).decode())
    assert value_of(first, "diaspora_bot_outbox_depth_messages") == 7
    depth = 3
    second = samples_of((await metrics.exposition()).decode())
    assert value_of(second, "diaspora_bot_outbox_depth_messages") == 3
    stop()
    depth = 99
    third = samples_of((await metrics.exposition()).decode())
    assert value_of(third, "diaspora_bot_outbox_depth_messages") == 3  # no longer read


async def test_a_depth_that_cannot_be_read_leaves_the_rest_of_the_scrape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()

    async def broken() -> int:
        raise ConnectionError("the database went away")

    async def queued() -> int:
        return 4

    metrics.observe_outbox_depth(broken)
    metrics.observe_inbound_depth(queued)
    metrics.update_handled("message", 0.02)
    with caplog.at_level(logging.WARNING, logger="bot.metrics"):
        samples = samples_of((await metrics.exposition()).decode())
    assert value_of(samples, "diaspora_bot_inbound_queue_depth_updates") == 4
    assert value_of(samples, UPDATES, type="message") == 1
    assert "could not read the outbox depth: ConnectionError" in caplog.text


def test_an_update_s_type_is_its_kind_and_anything_else_is_other() -> None:
    from telegram import Update

    update = Update.de_json(
        {
            "update_id": 1,
            "callback_query": {
                "id": "5",
                "from": {"id": 4999011, "is_bot": False, "first_name": "A"},
                "chat_instance": "x",
                "data": "menu",
            },
        },
        None,
    )
    assert update_type(update) == "callback_query"
    assert update_type(object()) == "other"


async def test_updates_and_their_handling_time_are_counted(bot: App, client: SandboxClient) -> None:
    before = await scrape(bot)
    user = await ChatUser.create(client, "Nadia", "en")
    await user.send("/help")
    await user.send("/help")
    after = await scrape(bot)
    assert value_of(after, UPDATES, type="message") - value_of(before, UPDATES, type="message") >= 2
    assert value_of(after, LATENCY_COUNT) - value_of(before, LATENCY_COUNT) >= 2


async def test_broadcast_sends_and_telegram_s_429_are_counted(
    bot: App, client: SandboxClient, services: Services
) -> None:
    recipients = [(await client.create_user(f"R{i}", "en"))["id"] for i in range(5)]
    await add_members(services.database, recipients)
    await client.set_faults(
        injections=[
            {
                "method": "sendMessage",
                "chat_id": recipients[0],
                "status": 429,
                "retry_after": 1,
                "count": 1,
            }
        ]
    )
    before = await scrape(bot)
    await broadcast_to_everyone(services)
    after = await scrape(bot)

    def moved(name: str, **labels: str) -> float:
        return value_of(after, name, **labels) - value_of(before, name, **labels)

    assert moved(SENDS, outcome="sent") == 5
    assert moved(SENDS, outcome="rate_limited") == 1
    assert moved(RATE_LIMITED, source="broadcast") == 1
    assert value_of(after, "diaspora_bot_outbox_depth_messages") == 0  # all sent


async def test_a_429_to_a_reply_is_counted(bot: App, client: SandboxClient) -> None:
    user = await ChatUser.create(client, "Omar", "en")
    await client.set_faults(
        injections=[{"method": "sendMessage", "chat_id": user.id, "status": 429, "retry_after": 1}]
    )
    before = await scrape(bot)
    await user.send("/help", timeout=10)
    after = await scrape(bot)
    moved = value_of(after, RATE_LIMITED, source="reply") - value_of(
        before, RATE_LIMITED, source="reply"
    )
    assert moved == 1


async def test_an_error_in_a_handler_is_counted_by_its_class(
    bot: App, client: SandboxClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(telegram_user_id: int) -> object:
        raise RuntimeError("the registration table is unreadable")

    user = await ChatUser.create(client, "Lina", "en")
    monkeypatch.setattr(services, "sending_corridor", broken)
    before = await scrape(bot)
    await user.send("/remit")  # the apology
    after = await scrape(bot)
    moved = value_of(after, ERRORS, kind="RuntimeError") - value_of(
        before, ERRORS, kind="RuntimeError"
    )
    assert moved == 1


async def test_no_label_carries_a_user_id_or_what_they_wrote(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Samira", "en")
    await user.send("/start")
    await user.send("My passport number is X1234567")
    recipients = [(await client.create_user(f"R{i}", "en"))["id"] for i in range(3)]
    await add_members(services.database, recipients)
    await broadcast_to_everyone(services)

    samples = await scrape(bot)
    assert value_of(samples, SENDS, outcome="sent") >= 3  # the broadcast is in the figures
    labels = [(name, value) for sample in samples for name, value in sample.labels.items()]
    assert {name for name, _ in labels} <= LABEL_NAMES
    people = [str(user.id), *map(str, recipients)]
    for name, value in labels:
        assert not any(person in value for person in people), (name, value)
        assert "passport" not in value.lower() and "X1234567" not in value


async def broadcast_to_everyone(services: Services) -> None:
    """Send a message to every member through the running bot's engine, to the end."""
    engine = services.broadcasts.engine
    assert engine is not None
    delivery_id = await new_delivery(services.database)
    await engine.start_delivery(delivery_id)
    async with asyncio.timeout(20):
        await engine.wait_finished(delivery_id)
