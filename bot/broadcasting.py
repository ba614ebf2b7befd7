"""The delivery engine's life in a process: its own Bot (an HTTP pool sized to the workers,
no AIORateLimiter, since the engine has its token bucket), started after the application
starts and stopped before it stops, so shutdown finishes the sends in flight and flushes
their statuses. While it runs, ``services.broadcasts.engine`` is set and the sweep can start
deliveries. If another process's engine holds the lease (a ``broadcast send --foreground``),
the bot starts without sending and takes over once that process stops. While it runs, the
metrics read the outbox depth from the database at each scrape (bot/metrics.py).
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

#: How often a bot whose engine could not start asks for the lease again.
LEASE_RETRY_SECONDS = 5.0


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
        self._waiting: asyncio.Task[None] | None = None
        self._stop_observing: Callable[[], None] | None = None

    async def start(self) -> None:
        await self.transport.start()
        self._running = True
        self._stop_observing = METRICS.observe_outbox_depth(self.engine.outbox.depth)
        try:
            await self._start_engine()
        except EngineBusy as busy:
            logger.warning("%s: this bot sends broadcasts once that process stops", busy)
            self._waiting = asyncio.create_task(self._start_when_free(), name="engine-lease")

    async def _start_engine(self) -> None:
        await self.engine.start()
        self.services.broadcasts.engine = self.engine

    async def _start_when_free(self) -> None:
        while True:
            await asyncio.sleep(LEASE_RETRY_SECONDS)
            with contextlib.suppress(EngineBusy):
                await self._start_engine()
                logger.info("The other process stopped: this bot now sends broadcasts")
                return

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
