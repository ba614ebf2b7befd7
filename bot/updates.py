"""Updates from different people run concurrently; updates from the same person run in the
order they arrived, so a conversation never sees two of its steps at once.

A person's later updates wait for their earlier ones *before* taking one of the shared slots.
PTB's processor takes its slot before :meth:`do_process_update` runs, so if its semaphore were
the limit, one person sending fifty messages at once would hold every slot while waiting for
themselves and everyone else would wait too. PTB's semaphore is therefore left wide open and
the real limit is taken here, after the person's own turn has come. Beyond
``max_waiting_per_person`` queued updates, further ones from that person are dropped: no one
typing by hand gets that far ahead of the bot.

Each update's arrival time is kept for its handlers (:func:`arrival_time`): a person's update
may wait behind their earlier ones (whose replies are paced to one a second per chat), and the
flood gate (handlers/flood.py) must count updates as they came, not as their turns come.
Each update is counted in the metrics (bot/metrics.py) with the time its handlers took, from
its turn to their end.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.metrics import METRICS

logger = logging.getLogger(__name__)

#: PTB's own limit, set so high that it never binds (see the module docstring).
UNBOUNDED = 1_000_000
#: One person's updates kept waiting at most. Above the flood gate's burst (20, see
#: handlers/flood.py), so the update that overflows the gate reaches it and the person is told;
#: the gate drops the rest in microseconds, and beyond this nothing more is kept in memory.
MAX_WAITING_PER_PERSON = 50

_arrived_at: ContextVar[float] = ContextVar("update_arrived_at")


def arrival_time() -> float:
    """When the update being handled reached the processor (``time.monotonic``); now if unknown."""
    return _arrived_at.get(time.monotonic())


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` at once across people, in order within each person."""

    def __init__(
        self, max_concurrent_updates: int, max_waiting_per_person: int = MAX_WAITING_PER_PERSON
    ) -> None:
        super().__init__(UNBOUNDED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._max_waiting = max_waiting_per_person
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        _arrived_at.set(time.monotonic())  # this update's own task: its handlers see it
        user_id = _user_id(update)
        if user_id is None:
            async with self._slots:
                await _timed(update, coroutine)
            return
        if self._waiting.get(user_id, 0) >= self._max_waiting:
            _discard(coroutine)
            logger.warning(
                "dropped an update: one person already had %d waiting", self._max_waiting
            )
            return
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] = self._waiting.get(user_id, 0) + 1
        try:
            async with lock, self._slots:
                await _timed(update, coroutine)
        finally:
            self._waiting[user_id] -= 1
            if not self._waiting[user_id]:  # no one else queued: forget the lock
                del self._waiting[user_id]
                del self._locks[user_id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


async def _timed(update: object, coroutine: Awaitable[Any]) -> None:
    """Run an update's handlers, counting it and their time in the metrics."""
    started = time.perf_counter()
    try:
        await coroutine
    finally:
        METRICS.update_handled(update_type(update), time.perf_counter() - started)


def update_type(update: object) -> str:
    """The kind of update (``message``, ``callback_query``, ...): a metric label that names no
    one; ``other`` for what is not a Telegram update."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return str(kind)
    return "other"


def _user_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (avoids "never awaited" warnings)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
