"""The delivery engine's life in a process: its own Bot (an HTTP pool sized to the workers,
no AIORateLimiter, since the engine has its token bucket), started after the application
starts and stopped before it stops, so shutdown finishes the sends in flight and flushes
their statuses. While it sends, ``services.broadcasts.engine`` is set and the sweep can start
deliveries. While it runs, the metrics read the outbox depth from the database at each scrape
(bot/metrics.py).

Failover: only the process holding the "engine" lease sends (broadcasts/lease.py). Any other
process with the engine role (or a bot while ``broadcast send --foreground`` runs) stands by,
asking for the lease every LEASE_RETRY_SECONDS, and takes over as soon as the holder stops, is
gone from this machine, or (on another machine) let the lease run out. Taking over puts the
dead engine's rows left ``sending`` back to pending (the crash policy, broadcasts/engine.py).
An engine that finds its lease taken stops sending and stands by in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.metrics import METRICS
from bot.services import Services
from broadcasts.engine import DeliveryEngine, EngineConfig, effective_rate
from broadcasts.lease import EngineBusy
from broadcasts.telegram_transport import TelegramTransport

logger = logging.getLogger(__name__)

#: How often a standby asks for the lease.
LEASE_RETRY_SECONDS = 1.0


class BroadcastRuntime:
    """The engine and its transport for one process."""

    def __init__(self, services: Services, token: str, base_url: str) -> None:
        settings = services.settings
        config = EngineConfig(rate=effective_rate(settings.rate_limit, settings.paid_broadcast))
        self.services = services
        self.transport = TelegramTransport.create(
            token,
            base_url,
            pool_size=config.worker_count,
            paid_broadcast=settings.paid_broadcast,
            media_dir=settings.media_dir,
        )
        self.engine = DeliveryEngine(services.database, self.transport, config)
        self._running = False
        self._sending = False
        self._waiting: asyncio.Task[None] | None = None
        self._stop_observing: Callable[[], None] | None = None

    async def start(self) -> None:
        await self.transport.start()
        self._running = True
        self._stop_observing = METRICS.observe_outbox_depth(self.engine.outbox.depth)
        try:
            await self._start_engine()
        except EngineBusy as busy:
            logger.warning("%s: this process stands by to take over", busy)
        self._waiting = asyncio.create_task(self._stand_by(), name="engine-lease")

    async def _start_engine(self) -> None:
        await self.engine.start()
        self.services.broadcasts.engine = self.engine
        self._sending = True

    async def _stand_by(self) -> None:
        """While sending, wait for the lease to be lost; while not, ask for it."""
        while True:
            if self._sending:
                await self.engine.lost.wait()
                self._sending = False
                self.services.broadcasts.engine = None
                await self.engine.stop()
            await asyncio.sleep(LEASE_RETRY_SECONDS)
            with contextlib.suppress(EngineBusy):
                await self._start_engine()
                logger.info("This process now sends broadcasts (it took the engine lease)")

    async def stop(self) -> None:
        """Finish sends in flight, flush their statuses, close the HTTP pool."""
        if not self._running:
            return
        self._running = False
        if self._stop_observing is not None:
            self._stop_observing()
        if self._waiting is not None:
            self._waiting.cancel()
            await asyncio.gather(self._waiting, return_exceptions=True)
        self.services.broadcasts.engine = None
        await self.engine.stop()
        await self.transport.stop()
