"""The delivery engine: fills outboxes, claims batches, sends through shared rate-limited workers.

One feeder task fills each running delivery's outbox chunk by chunk (sending starts with the
first chunk) and claims due rows into an in-memory queue; ``workers`` sender tasks take rows,
wait for the shared token bucket, send through the transport and record results; one flusher
task writes results back in batches (every ``flush_interval`` s or ``write_back_size`` results).

Outcomes: sent; a 429 pauses *all* sending for its retry_after and the same row is sent again;
403 (blocked, deactivated) marks the row and the member unreachable (``members.reachable = 0``),
never retried; "chat not found" fails the row with Telegram's words and leaves the member
reachable, with one warning per delivery: a registered member has talked to the bot, so the
bot is talking to the wrong server or token, and retrying cannot help until someone fixes that
(and restarts); 5xx, timeouts and network errors are retried after an exponential backoff
(``backoff_base * 2**(attempt-1)``, capped) and failed with the last reason after
``max_attempts``; any other refusal fails at once with Telegram's description. Members who
stopped announcements, were deleted, unregistered or became unreachable after the fill are
skipped when their row is claimed.

Crash policy. A row is marked ``sending`` (in its claim batch) before its request is made and
``sent`` (in a later write-back batch) after. At start, rows left ``sending`` go back to
``pending`` and are sent again. So after a kill -9 at any point nothing is lost, and the only
possible duplicates are rows whose request had been made but whose result was not yet written
back: at most the rows in ``sending`` at the crash (claimed batch + queue + unflushed results,
bounded by queue size + workers + write_back_size). A timed-out request that Telegram did in fact
deliver is also sent again on retry; Telegram offers no way to tell. Filling is crash-safe too:
each chunk and its cursor are committed together.

Several engines (failover). An engine sends only while it holds the "engine" lease
(broadcasts/lease.py), renewed every third of its term by a task of its own; it fills and
claims only while its last renewal is surely still in force, so by the time another engine can
take the lease over (and put the rows left ``sending`` back to pending), this one has stopped
claiming. An engine whose renewal finds the lease taken stops sending (``lost`` is set) and
writes back only final results, never "pending", since those rows are the new holder's now.

Stop: ``stop()`` stops claiming, puts queued rows back to pending, lets requests in progress
finish (up to ``grace_seconds``), then flushes every result and re-reads the statuses (below).
Pause keeps the rows, resume continues, cancel marks the rows not yet sent ``cancelled``.

Changes from another process. The database is the source of truth for a delivery's status;
``python main.py broadcast pause|resume|cancel`` changes it while the bot's engine runs. So the
feeder re-reads the status of every delivery it holds, in one query, every ``sync_interval``
seconds, and applies what changed: ``paused`` stops feeding it (queued rows go back to pending,
as on a local pause); ``sending`` again feeds it again; ``cancelled`` stops it for good (queued
rows are not sent, rows left pending become ``cancelled``, ``wait_finished`` returns). Requests
already in progress finish, so up to one interval's worth of messages (plus those in flight)
may still go out after an external pause or cancel. Every status move is a conditional UPDATE
(from the states it may come from), so a cancelled or paused delivery is never marked
``done`` and a cancelled one never comes back; when the move to ``done`` finds another status
the engine re-reads at once. Only this engine's own ``start_delivery`` (the sweep here) and
``start()`` make it run a delivery: one in ``sending`` that it does not hold belongs to another
engine (``broadcast send --foreground``) or to one that stopped, and is picked up at the next
``start()``, never adopted live, so no delivery is fed by two engines at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.metrics import METRICS
from bot.storage.database import Database
from broadcasts.deliveries import Delivery, DeliveryRepository, DeliveryStatus
from broadcasts.lease import LEASE_SECONDS, RENEW_SECONDS, EngineLease
from broadcasts.outbox import ClaimedRow, Outbox, OutboxStatus, RowResult
from broadcasts.payload import Payload
from broadcasts.progress import Progress, RateMeter, build_progress
from broadcasts.ratelimit import TokenBucket
from broadcasts.transport import Outcome, OutcomeKind, Recipient, Transport

logger = logging.getLogger(__name__)

#: Telegram's free broadcast rate, and the ceiling with paid broadcasts.
FREE_RATE = 30.0
PAID_RATE_CEILING = 1000.0


def effective_rate(rate_limit: float, paid_broadcast: bool) -> float:
    """The sending rate to use: BOT_RATE_LIMIT, at most 1000/s (Telegram's paid ceiling)."""
    if rate_limit > FREE_RATE and not paid_broadcast:
        logger.warning(
            "BOT_RATE_LIMIT %.0f/s is above Telegram's free %.0f/s; Telegram will answer 429 "
            "unless paid broadcasts are on",
            rate_limit,
            FREE_RATE,
        )
    return min(rate_limit, PAID_RATE_CEILING)


def default_workers(rate: float | None) -> int:
    """Enough concurrent requests to keep the rate with up to ~200 ms per request."""
    if rate is None:
        return 64
    return max(4, min(200, math.ceil(rate * 0.2)))


@dataclass(frozen=True)
class EngineConfig:
    """Tuning; the defaults suit production. ``rate=None`` means no client-side limit."""

    rate: float | None = FREE_RATE
    workers: int | None = None
    batch_size: int | None = None
    flush_interval: float = 0.2
    flush_size: int | None = None
    max_attempts: int = 5
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    max_flood_retries: int = 10
    idle_interval: float = 0.5
    grace_seconds: float = 10.0
    sync_interval: float = 1.0

    @property
    def worker_count(self) -> int:
        return self.workers or default_workers(self.rate)

    @property
    def claim_size(self) -> int:
        """Rows claimed at once: about a quarter second of sending, 20 to 500.

        Under load every trip to SQLite waits its turn in the busy event loop (tens of ms, not
        the 1 ms SQLite needs), so at high rates claims and write-backs must be few and large
        or the workers starve; at low rates small claims keep a /stop honoured promptly.
        """
        if self.batch_size is not None:
            return self.batch_size
        if self.rate is None:
            return 500
        return max(20, min(500, math.ceil(self.rate / 4)))

    @property
    def write_back_size(self) -> int:
        return self.flush_size or max(200, 2 * self.claim_size)

    @property
    def queue_size(self) -> int:
        return max(2 * self.claim_size, 2 * self.worker_count)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))


#: Claim only while the lease is in force for at least this long yet (renewal keeps it ahead).
CLAIM_MARGIN_SECONDS = RENEW_SECONDS / 2

_CANCELLABLE = (DeliveryStatus.CREATED, DeliveryStatus.SENDING, DeliveryStatus.PAUSED)
_ENDED = (DeliveryStatus.DONE, DeliveryStatus.CANCELLED)


@dataclass
class _Running:
    """The engine's in-memory state of one delivery it knows about."""

    delivery: Delivery
    payloads: dict[str, Payload]
    status: DeliveryStatus
    filled: bool
    in_flight: int = 0
    meter: RateMeter = field(default_factory=RateMeter)
    warned_chat_not_found: bool = False

    def payload_for(self, language: str) -> Payload:
        return self.payloads.get(language) or self.payloads[self.delivery.default_language]


class DeliveryEngine:
    """Runs every delivery in status ``sending``; ``start()`` / ``stop()`` with the app."""

    def __init__(
        self,
        database: Database,
        transport: Transport,
        config: EngineConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or EngineConfig()
        self.deliveries = DeliveryRepository(database)
        self.outbox = Outbox(database)
        self.bucket = TokenBucket(self.config.rate)
        self.lease = EngineLease(database, clock)
        #: Set when another process took the lease over: this engine no longer sends.
        self.lost = asyncio.Event()
        self._lost = False
        self._lease_valid_until = 0.0  # time.monotonic() until which the lease surely holds
        self._keeper: asyncio.Task[None] | None = None
        self._transport = transport
        self._clock = clock
        self._running: dict[int, _Running] = {}
        self._finished: dict[int, asyncio.Event] = {}
        self._queue: asyncio.Queue[ClaimedRow | None] = asyncio.Queue()
        self._results: list[tuple[int, RowResult]] = []
        self._wake = asyncio.Event()
        self._flush_now = asyncio.Event()
        self._stopping = False
        self._flushing = False
        self._next_sync = 0.0
        self._changes = 0
        self._feeder: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._workers: list[asyncio.Task[None]] = []

    # --- life cycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Take the lease (:class:`EngineBusy` if another process's engine runs), put rows a
        crash left in flight back to pending, load unfinished deliveries, run."""
        asked = time.monotonic()
        await self.lease.acquire()
        self._lease_valid_until = asked + LEASE_SECONDS
        self._lost = False
        self.lost.clear()
        self._keeper = asyncio.create_task(self._keep_lease(), name="delivery-lease")
        recovered = await self.outbox.recover_in_flight()
        if recovered:
            logger.info("Resending %d outbox rows left in flight by the last run", recovered)
        for delivery in await self.deliveries.with_status(
            DeliveryStatus.SENDING, DeliveryStatus.PAUSED
        ):
            await self._load(delivery)
        self._stopping = False
        self._flushing = True
        self._feeder = asyncio.create_task(self._feed(), name="delivery-feeder")
        self._flusher = asyncio.create_task(self._flush_loop(), name="delivery-flusher")
        self._workers = [
            asyncio.create_task(self._work(), name=f"delivery-worker-{index}")
            for index in range(self.config.worker_count)
        ]
        logger.info(
            "Delivery engine started: %d workers, rate %s/s, %d deliveries to resume",
            len(self._workers),
            self.config.rate or "unlimited",
            len(self._running),
        )

    async def stop(self) -> None:
        """Stop claiming, release queued rows, finish requests in progress, flush results."""
        if self._feeder is None:
            return
        self._stopping = True
        self._wake.set()
        await self._feeder
        self._release_queued()
        for _ in self._workers:
            self._queue.put_nowait(None)
        _, late = await asyncio.wait(self._workers, timeout=self.config.grace_seconds)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        self._flushing = False
        self._flush_now.set()
        assert self._flusher is not None
        await self._flusher
        await self._flush()
        await self._sync()  # rows released above of a delivery cancelled elsewhere: cancelled
        await self._stop_keeping_lease()
        await self.lease.release()
        self._feeder = self._flusher = None
        self._workers = []
        logger.info("Delivery engine stopped")

    async def kill(self) -> None:
        """Cancel every task at once and write nothing more, as a crash would (for tests).

        Only the lease is given up, as a dead process's would be (by its pid), so that an
        engine in the same test process can start again.
        """
        tasks = [
            task for task in (self._feeder, self._flusher, self._keeper, *self._workers) if task
        ]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.lease.release()
        self._feeder = self._flusher = self._keeper = None
        self._workers = []
        self._results = []

    # --- staff actions -------------------------------------------------------------------------
    async def start_delivery(self, delivery_id: int) -> None:
        """Begin a created delivery: fill its outbox and send (the engine may be stopped)."""
        delivery = await self._require(delivery_id)
        if delivery.status is not DeliveryStatus.CREATED or not await self.deliveries.set_status(
            delivery_id, DeliveryStatus.SENDING, expected=(DeliveryStatus.CREATED,)
        ):
            raise ValueError(f"delivery {delivery_id} is {delivery.status}, not created")
        await self._load(await self._require(delivery_id))
        self._changes += 1
        logger.info("Delivery %d started", delivery_id)
        self._wake.set()

    async def pause(self, delivery_id: int) -> None:
        """Stop sending a delivery for now; queued rows go back to pending."""
        await self._change(delivery_id, DeliveryStatus.SENDING, DeliveryStatus.PAUSED)

    async def resume(self, delivery_id: int) -> None:
        await self._change(delivery_id, DeliveryStatus.PAUSED, DeliveryStatus.SENDING)

    async def cancel(self, delivery_id: int) -> None:
        """Send nothing more; rows not yet sent become ``cancelled``."""
        await self._require(delivery_id)
        if not await self.deliveries.set_status(
            delivery_id, DeliveryStatus.CANCELLED, expected=_CANCELLABLE
        ):
            return
        running = self._running.get(delivery_id)
        if running is not None:
            running.status = DeliveryStatus.CANCELLED
            self._changes += 1
        cancelled = await self.outbox.cancel_pending(delivery_id)
        logger.info("Delivery %d cancelled: %d rows not sent", delivery_id, cancelled)
        if running is not None:
            self._drop_if_idle(running)
        self._finished_event(delivery_id).set()

    # --- reports -------------------------------------------------------------------------------
    async def progress(self, delivery_id: int) -> Progress:
        """Live counts, the measured rate and the estimated time left."""
        delivery = await self._require(delivery_id)
        counts = await self.outbox.counts(delivery_id)
        running = self._running.get(delivery_id)
        rate = running.meter.rate() if running else None
        return build_progress(delivery_id, delivery.status.value, counts, rate)

    async def wait_finished(self, delivery_id: int) -> None:
        """Return once the delivery is done or cancelled."""
        delivery = await self._require(delivery_id)
        if delivery.status in (DeliveryStatus.DONE, DeliveryStatus.CANCELLED):
            return
        await self._finished_event(delivery_id).wait()

    # --- feeding -------------------------------------------------------------------------------
    async def _feed(self) -> None:
        while not self._stopping:
            if time.monotonic() >= self._next_sync:
                await self._sync()
            worked = False
            for running in list(self._running.values()):
                if self._stopping:
                    break
                if running.status is DeliveryStatus.SENDING:
                    worked = await self._feed_one(running) or worked
            if not worked:
                await self._idle()

    async def _feed_one(self, running: _Running) -> bool:
        """Fill a chunk and/or claim a batch; finish the delivery when nothing is left."""
        if time.monotonic() > self._lease_valid_until - CLAIM_MARGIN_SECONDS:
            return False  # the renewal is late: another engine may take over at any moment
        worked = False
        if not running.filled:
            running.filled = await self.outbox.fill_next_chunk(
                running.delivery, sorted(running.payloads)
            )
            worked = True
        room = self.config.queue_size - self._queue.qsize()
        if room < min(self.config.claim_size, self.config.queue_size) // 2:
            return worked
        claim = await self.outbox.claim(
            running.delivery.id,
            min(room, self.config.claim_size),
            self._clock(),
            lease_holder=str(self.lease.holder),
        )
        running.in_flight += len(claim.rows)
        for row in claim.rows:
            self._queue.put_nowait(row)
        if claim.examined:
            return True
        if running.filled and running.in_flight == 0:
            await self._finish_if_complete(running)
        return worked

    async def _finish_if_complete(self, running: _Running) -> None:
        delivery_id = running.delivery.id
        if await self.outbox.has_unfinished(delivery_id):
            return
        if not await self.deliveries.set_status(
            delivery_id, DeliveryStatus.DONE, expected=(DeliveryStatus.SENDING,)
        ):
            self._next_sync = 0.0  # changed by another process: re-read before feeding again
            return
        running.status = DeliveryStatus.DONE
        del self._running[delivery_id]
        logger.info("Delivery %d done", delivery_id)
        self._finished_event(delivery_id).set()

    async def _sync(self) -> None:
        """Apply the status changes another process made to the deliveries held here."""
        self._next_sync = time.monotonic() + self.config.sync_interval
        if not self._running:
            return
        changes = self._changes
        stored = await self.deliveries.statuses(list(self._running))
        if changes != self._changes:
            self._next_sync = 0.0  # a local action raced the read: read again
            return
        ended = []
        for delivery_id, running in self._running.items():
            status = stored.get(delivery_id)
            if status is None or status is running.status:
                continue
            if running.status in _ENDED:
                continue  # final here: nothing brings it back
            logger.info("Delivery %d %s by another process", delivery_id, status)
            running.status = status
            if status in _ENDED:
                ended.append(running)
            else:
                self._wake.set()
        for running in ended:
            if running.status is DeliveryStatus.CANCELLED:
                await self.outbox.cancel_pending(running.delivery.id)
            self._drop_if_idle(running)
            self._finished_event(running.delivery.id).set()

    # --- the lease -----------------------------------------------------------------------------
    async def _keep_lease(self) -> None:
        """Renew the lease every RENEW_SECONDS; stop sending if another engine took it."""
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            asked = time.monotonic()
            try:
                renewed = await self.lease.renew()
            except Exception as exc:  # the database's own errors differ by engine
                logger.warning("The engine lease was not renewed: %r", exc)
                continue  # the lease's term runs out; claiming stops before it does
            if renewed:
                self._lease_valid_until = asked + LEASE_SECONDS
                continue
            logger.error("Another process took the engine lease over: this engine stops sending")
            self._lost = True
            self._stopping = True
            self._wake.set()
            self.lost.set()
            return

    async def _stop_keeping_lease(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None

    def _drop_if_idle(self, running: _Running) -> None:
        """Forget a finished delivery once none of its rows is in flight."""
        if running.in_flight == 0 and self._running.get(running.delivery.id) is running:
            del self._running[running.delivery.id]

    async def _idle(self) -> None:
        await _wait_for_event(self._wake, self.config.idle_interval)

    # --- sending -------------------------------------------------------------------------------
    async def _work(self) -> None:
        while (row := await self._queue.get()) is not None:
            if self._queue.qsize() <= self.config.queue_size // 2:
                self._wake.set()
            self._record(row.delivery_id, await self._deliver(row))

    async def _deliver(self, row: ClaimedRow) -> RowResult:
        """Send one row (retrying through 429 pauses) and say what became of it."""
        for _ in range(self.config.max_flood_retries):
            held = self._held(row)
            if held is not None:
                return held
            await self.bucket.acquire()
            held = self._held(row)
            if held is not None:
                return held
            running = self._running[row.delivery_id]
            recipient = Recipient(row.chat_id, row.language)
            outcome = await self._transport.send(recipient, running.payload_for(row.language))
            METRICS.broadcast_sent(outcome.kind.value)
            if outcome.kind is not OutcomeKind.RATE_LIMITED:
                return self._result_of(row, outcome)
            METRICS.rate_limited_by_telegram("broadcast")
            logger.warning("429 from Telegram: pausing all sending for %.0f s", outcome.retry_after)
            self.bucket.pause_for(outcome.retry_after)
        return self._retry_later(row, "flood control", count_attempt=False)

    def _held(self, row: ClaimedRow) -> RowResult | None:
        """The result for a row that must not be sent now (cancelled, paused, stopping)."""
        running = self._running.get(row.delivery_id)
        if running is None or running.status is DeliveryStatus.CANCELLED:
            return RowResult(row.outbox_id, OutboxStatus.CANCELLED)
        if running.status is not DeliveryStatus.SENDING or self._stopping:
            return RowResult(row.outbox_id, OutboxStatus.PENDING)
        return None

    def _result_of(self, row: ClaimedRow, outcome: Outcome) -> RowResult:
        if outcome.kind is OutcomeKind.SENT:
            return RowResult(
                row.outbox_id,
                OutboxStatus.SENT,
                attempted=True,
                message_id=outcome.message_id,
                poll_id=outcome.poll_id,
            )
        if outcome.kind is OutcomeKind.UNREACHABLE:
            return RowResult(
                row.outbox_id, OutboxStatus.UNREACHABLE, attempted=True, error=outcome.error
            )
        if outcome.kind is OutcomeKind.CHAT_NOT_FOUND:
            self._warn_chat_not_found(row.delivery_id)
        if outcome.kind is OutcomeKind.RETRY and row.attempts + 1 < self.config.max_attempts:
            return self._retry_later(row, outcome.error or "retry", count_attempt=True)
        return RowResult(row.outbox_id, OutboxStatus.FAILED, attempted=True, error=outcome.error)

    def _warn_chat_not_found(self, delivery_id: int) -> None:
        running = self._running.get(delivery_id)
        if running is None or running.warned_chat_not_found:
            return
        running.warned_chat_not_found = True
        logger.warning(
            "Delivery %d: Telegram does not know a registered member's chat (chat not found). "
            "Is the bot using the right token and Bot API server? Such rows fail; the members "
            "stay reachable",
            delivery_id,
        )

    def _retry_later(self, row: ClaimedRow, error: str, *, count_attempt: bool) -> RowResult:
        attempt = row.attempts + 1
        return RowResult(
            row.outbox_id,
            OutboxStatus.PENDING,
            attempted=count_attempt,
            next_attempt_at=self._clock() + self.config.backoff(attempt),
            error=error,
        )

    def _release_queued(self) -> None:
        """Rows claimed but not yet taken by a worker go back to pending."""
        while not self._queue.empty():
            row = self._queue.get_nowait()
            if row is not None:
                self._record(row.delivery_id, RowResult(row.outbox_id, OutboxStatus.PENDING))

    # --- writing results back ------------------------------------------------------------------
    def _record(self, delivery_id: int, result: RowResult) -> None:
        self._results.append((delivery_id, result))
        running = self._running.get(delivery_id)
        if running is not None and result.status not in (
            OutboxStatus.PENDING,
            OutboxStatus.CANCELLED,
        ):
            running.meter.record()
        if len(self._results) >= self.config.write_back_size or self._queue.empty():
            self._flush_now.set()

    async def _flush_loop(self) -> None:
        while self._flushing:
            await _wait_for_event(self._flush_now, self.config.flush_interval)
            await self._flush()

    async def _flush(self) -> None:
        batch, self._results = self._results, []
        if not batch:
            return
        # Rows this engine would put back to pending belong to the lease's new holder.
        await self.outbox.write_back(
            [r for _, r in batch if not (self._lost and r.status is OutboxStatus.PENDING)]
        )
        ended = {}
        for delivery_id, _ in batch:
            running = self._running.get(delivery_id)
            if running is not None:
                running.in_flight -= 1
                if running.status in _ENDED and running.in_flight == 0:
                    ended[delivery_id] = running
        for delivery_id, running in ended.items():
            if running.status is DeliveryStatus.CANCELLED:
                # rows that a retry put back to pending after the cancel
                await self.outbox.cancel_pending(delivery_id)
            self._drop_if_idle(running)
        self._wake.set()

    # --- helpers -------------------------------------------------------------------------------
    async def _load(self, delivery: Delivery) -> None:
        payloads = await self.deliveries.payloads(delivery)
        self._running[delivery.id] = _Running(
            delivery, payloads, delivery.status, filled=delivery.filled
        )

    async def _change(
        self, delivery_id: int, expected: DeliveryStatus, new: DeliveryStatus
    ) -> None:
        delivery = await self._require(delivery_id)
        if delivery.status is not expected or not await self.deliveries.set_status(
            delivery_id, new, expected=(expected,)
        ):
            raise ValueError(f"delivery {delivery_id} is {delivery.status}, not {expected}")
        running = self._running.get(delivery_id)
        if running is not None:
            running.status = new
            self._changes += 1
        logger.info("Delivery %d %s", delivery_id, new)
        self._wake.set()

    async def _require(self, delivery_id: int) -> Delivery:
        delivery = await self.deliveries.get(delivery_id)
        if delivery is None:
            raise LookupError(f"no delivery {delivery_id}")
        return delivery

    def _finished_event(self, delivery_id: int) -> asyncio.Event:
        return self._finished.setdefault(delivery_id, asyncio.Event())


async def _wait_for_event(event: asyncio.Event, timeout: float) -> None:
    """Wait until ``event`` is set or ``timeout`` passes, then clear it.

    ``asyncio.timeout`` rather than ``wait_for``, which in Python 3.11 can swallow a
    cancellation that arrives as the event is set.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
    event.clear()
