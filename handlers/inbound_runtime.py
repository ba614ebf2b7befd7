"""Sharded update handling wired to python-telegram-bot: what the runner starts in webhook
"queue" mode (BOT_SHARDS). The queue and the workers themselves (bot/inbound.py) know nothing
of python-telegram-bot; this is the Telegram side, which the runner (bot/runner.py) enters.

A worker hands each update to ``Application.process_update`` and then flushes the
persistence (``update_persistence``), so the conversation state the update changed is in the
database before the worker marks the update handled. Taking over a shard reads that shard's
people's state again from the database (persistence_flush.py ``reload_people``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from telegram import Update

from bot.inbound import Handle, InboundQueue, ShardWorkers, queue_depth
from bot.metrics import METRICS
from bot.webhook import Deliver, MalformedUpdate
from handlers.context import App
from handlers.persistence_flush import reload_people


def decoded_update(application: App, data: dict[str, Any]) -> Update:
    """The update in ``data``; MalformedUpdate (the receiver's 400) if it is not one."""
    try:
        return Update.de_json(data, application.bot)
    except Exception as exc:  # de_json raises whatever a malformed field trips over
        raise MalformedUpdate(f"{type(exc).__name__}: {exc}") from exc


@asynccontextmanager
async def sharded_workers(application: App, shards: int) -> AsyncIterator[Deliver]:
    """Run this process's shard workers inside the ``async with``; yield the receiver's
    ``deliver``, which queues each update. At the end the workers finish the update in
    progress and give their shards up."""
    database = application.bot_data.services.database
    queue = InboundQueue(database, shards)

    async def reload(wanted: Callable[[int], bool]) -> None:
        await reload_people(application, wanted)

    workers = ShardWorkers(database, shards, _handler(application), reload)
    queue.on_append(workers.wake)

    async def append(data: dict[str, Any]) -> None:
        decoded_update(application, data)  # refuse what is not an update before queuing it
        await queue.append(data)

    await workers.start()
    stop_observing = METRICS.observe_inbound_depth(partial(queue_depth, database))
    try:
        yield append
    finally:
        stop_observing()
        await workers.stop()


def _handler(application: App) -> Handle:
    async def handle(data: dict[str, Any]) -> None:
        await application.process_update(decoded_update(application, data))
        await application.update_persistence()

    return handle
