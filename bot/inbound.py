"""Sharded update handling: the webhook's durable queue and the workers that drain it.

In webhook "queue" mode (BOT_SHARDS set) the receiver (bot/webhook.py) only checks the secret
and the size, then ``InboundQueue.append`` writes the update to the ``inbound_updates`` table
and the call is answered 200 once that insert has committed: an update Telegram saw accepted
survives any crash. Its update_id is unique there, so a call Telegram retries is queued once.

Each update belongs to the shard of the person it is from (``sender_of``), user id modulo the
number of shards (none: shard 0). ``ShardWorkers`` runs in every process with the bot role: it
holds the lease ``shard-<n>`` (bot/storage/leases.py) of the shards it works on and runs one
worker per shard, which takes the shard's waiting updates in update order and hands them to
``handle`` one at a time. So one person's updates are handled in order, by one process at a
time. The processes share the shards out: each takes at most its fair part (shards divided by
the live processes, which show themselves with a lease ``bot-worker:<holder>``) and gives up
what is over it, so a second process started beside a first takes half of the shards.

``handle`` must have made durable whatever handling the update changed (the conversation
state, bot/persistence.py) before it returns; only then is the update marked handled, its
body and sender cleared (personal data) and the row kept an hour against Telegram's late
retries. A worker killed between the two (SIGKILL) leaves that one update waiting, so the
process that takes the shard over handles it again: at most the update in flight at the kill
is handled twice, and none is lost. A process that dies leaves its leases to be taken at once
on the same machine (no such pid) or when they expire (``LEASE_SECONDS``) from another.

Whoever takes a shard over first calls ``on_take``, so that it reads the shard's people's
conversation state again from the database rather than trusting what it loaded at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.storage.database import Database
from bot.storage.inbound import InboundRepository, Queued
from bot.storage.leases import Holder, Lease
from bot.webhook import MalformedUpdate

logger = logging.getLogger(__name__)

#: A shard's lease (and a process's presence) lasts this long without renewal.
LEASE_SECONDS = 15.0
#: How often a process renews its leases and looks for shards to take or give up.
TICK_SECONDS = 1.0
#: How often an idle worker looks for new updates (the receiver in the same process wakes it).
POLL_SECONDS = 0.2
#: Updates a worker reads at a time (still handled one at a time).
BATCH = 20
#: A handled update's row (update_id only) is kept this long against Telegram's retries.
KEEP_HANDLED_SECONDS = 3600.0
#: A waiting update no worker took within a day is dropped (Telegram keeps them no longer).
KEEP_WAITING_SECONDS = 86400.0
#: How often a process prunes the queue.
PRUNE_SECONDS = 60.0

PRESENCE_PREFIX = "bot-worker:"

Handle = Callable[[dict[str, Any]], Awaitable[None]]
OnTake = Callable[[Callable[[int], bool]], Awaitable[None]]


def sender_of(update: Mapping[str, Any]) -> int | None:
    """The id of the person an update is from: ``from`` of a message, a button press, a chat
    member change..., ``user`` of a poll answer or a reaction; None when it names nobody."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, Mapping):
            continue
        person = value.get("from") or value.get("user")
        if isinstance(person, Mapping) and isinstance(person.get("id"), int):
            return int(person["id"])
    return None


def shard_of(user_id: int | None, shards: int) -> int:
    return 0 if user_id is None else user_id % shards


def in_shard(shard: int, shards: int) -> Callable[[int], bool]:
    """Whether a person (by user id) belongs to ``shard``."""
    return lambda user_id: shard_of(user_id, shards) == shard


class InboundQueue:
    """The receiver's side: append each update to the queue of its shard."""

    def __init__(
        self,
        database: Database,
        shards: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repository = InboundRepository(database)
        self.shards = shards
        self._clock = clock
        self._listeners: list[Callable[[int], None]] = []

    def on_append(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(shard)`` after each update is queued (wakes a worker in-process)."""
        self._listeners.append(listener)

    async def append(self, update: dict[str, Any]) -> None:
        """Queue the update; returns once the insert is committed (the receiver's 200)."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise MalformedUpdate("no integer update_id")
        user_id = sender_of(update)
        shard = shard_of(user_id, self.shards)
        body = json.dumps(update, ensure_ascii=False, separators=(",", ":"))
        if not await self.repository.append(update_id, user_id, shard, body, self._clock()):
            logger.info("Inbound: update %d was already queued (a retry)", update_id)
            return
        for listener in self._listeners:
            listener(shard)


async def queue_depth(database: Database) -> int:
    """How many updates wait in the inbound queue (for a queue-depth metric)."""
    return await InboundRepository(database).depth()


@dataclass
class _Worker:
    """One shard's lease and the task working on it."""

    lease: Lease
    task: asyncio.Task[None] | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class ShardWorkers:
    """This process's part of the shards: leases taken and renewed, one worker per shard."""

    def __init__(
        self,
        database: Database,
        shards: int,
        handle: Handle,
        on_take: OnTake | None = None,
        *,
        lease_seconds: float = LEASE_SECONDS,
        tick_seconds: float = TICK_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.repository = InboundRepository(database)
        self.shards = shards
        self._handle = handle
        self._on_take = on_take
        self._lease_seconds = lease_seconds
        self._tick = tick_seconds
        self._poll = poll_seconds
        self._clock = clock
        self.holder = Holder.me()
        self._presence = self._lease(f"{PRESENCE_PREFIX}{self.holder}")
        self._workers: dict[int, _Worker] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._pruned_at = 0.0

    @property
    def held(self) -> list[int]:
        """The shards this process works on now."""
        return sorted(self._workers)

    def wake(self, shard: int) -> None:
        """An update was queued for ``shard``: its worker here, if any, looks at once."""
        worker = self._workers.get(shard)
        if worker is not None:
            worker.wake.set()

    async def start(self) -> None:
        """Show this process to the others and take its part of the shards."""
        await self._presence.acquire()
        await self._balance()
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop(self) -> None:
        """Finish the updates in progress, then give every shard up for the others to take."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for shard in self.held:
            await self._give_up(shard)
        await self._presence.release()

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            try:
                await self._renew()
                await self._balance()
                await self._prune_now_and_then()
            except Exception:
                logger.exception("Inbound: renewing or sharing out the shards failed")

    async def _renew(self) -> None:
        """Renew the presence and each shard; stop at once the worker of a shard now lost."""
        if not await self._presence.renew():
            await self._presence.acquire()
        for shard in self.held:
            if not await self._workers[shard].lease.renew():
                logger.warning("Inbound: lost shard %d to another process", shard)
                await self._stop_worker(shard)

    async def _balance(self) -> None:
        """Give up shards above this process's fair part, or take free ones up to it."""
        fair = await self._fair_part()
        while len(self._workers) > fair:
            await self._give_up(max(self._workers))
        for shard in range(self.shards):
            if len(self._workers) >= fair:
                break
            if shard not in self._workers:
                await self._try_take(shard)

    async def _fair_part(self) -> int:
        holders = await self.repository.holders_named(PRESENCE_PREFIX, self._clock())
        alive = [h for h in map(Holder.parse, holders) if h is None or h.alive()]
        return math.ceil(self.shards / max(1, len(alive)))

    async def _try_take(self, shard: int) -> None:
        lease = self._lease(f"shard-{shard}")
        if not await lease.try_acquire():
            return
        worker = _Worker(lease)
        self._workers[shard] = worker
        try:
            if self._on_take is not None:
                await self._on_take(in_shard(shard, self.shards))
        except BaseException:
            del self._workers[shard]
            await lease.release()
            raise
        worker.task = asyncio.create_task(self._work(shard, worker))
        logger.info("Inbound: took shard %d of %d", shard, self.shards)

    async def _give_up(self, shard: int) -> None:
        lease = self._workers[shard].lease
        await self._stop_worker(shard)
        await lease.release()
        logger.info("Inbound: gave up shard %d", shard)

    async def _stop_worker(self, shard: int) -> None:
        """Let the worker finish the update in progress, then forget it."""
        worker = self._workers.pop(shard)
        worker.stopping.set()
        worker.wake.set()
        if worker.task is not None:
            await worker.task

    async def _work(self, shard: int, worker: _Worker) -> None:
        while not worker.stopping.is_set():
            try:
                batch = await self.repository.next_waiting(shard, BATCH)
                for queued in batch:
                    if worker.stopping.is_set():
                        return
                    await self._handle_one(shard, queued)
            except Exception:
                logger.exception("Inbound: the worker of shard %d failed; retrying", shard)
                batch = []
            if not batch:
                worker.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(worker.wake.wait(), self._poll)

    async def _handle_one(self, shard: int, queued: Queued) -> None:
        """Handle one update, then mark it handled (see the module docstring for a kill in
        between). An update whose handling raises is logged and marked handled, so that it
        cannot stop the shard."""
        try:
            await self._handle(json.loads(queued.body))
        except Exception:
            logger.exception(
                "Inbound: update %d of shard %d could not be handled", queued.update_id, shard
            )
        await self.repository.mark_handled(queued.id, self._clock())

    async def _prune_now_and_then(self) -> None:
        now = self._clock()
        if now - self._pruned_at < PRUNE_SECONDS:
            return
        self._pruned_at = now
        _handled, dropped = await self.repository.prune(
            now - KEEP_HANDLED_SECONDS, now - KEEP_WAITING_SECONDS
        )
        if dropped:
            logger.warning("Inbound: dropped %d updates no worker took within a day", dropped)

    def _lease(self, name: str) -> Lease:
        return Lease(
            self.database, name, self._lease_seconds, holder=self.holder, clock=self._clock
        )
