"""The delivery engine's life in a process: its own Bot (an HTTP pool sized to the workers,
no AIORateLimiter, since the engine has its token bucket), started after the application
starts and stopped before it stops, so shutdown finishes the sends in flight and flushes
their statuses. While it runs, ``services.broadcasts.engine`` is set and the sweep can start
deliveries.
"""

from __future__ import annotations

import logging

from bot.services import Services
from broadcasts.engine import DeliveryEngine, EngineConfig, effective_rate
from broadcasts.telegram_transport import TelegramTransport

logger = logging.getLogger(__name__)


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
        )
        self.engine = DeliveryEngine(services.database, self.transport, config)
        self._running = False

    async def start(self) -> None:
        await self.transport.start()
        await self.engine.start()
        self.services.broadcasts.engine = self.engine
        self._running = True

    async def stop(self) -> None:
        """Finish sends in flight, flush their statuses, close the HTTP pool."""
        if not self._running:
            return
        self._running = False
        self.services.broadcasts.engine = None
        await self.engine.stop()
        await self.transport.stop()
