"""Prometheus metrics: what an operator watches, in one registry, served as /metrics.

Updates handled (a counter: updates/s is its rate) and the time each took (a histogram, from
the moment the update's turn came to the end of its handlers), the delivery engine's sends by
outcome (the send rate is the rate of ``outcome="sent"``), Telegram's 429 answers (to
broadcasts or to replies), errors by kind (the error handler's exceptions by class), and two
depths read when Prometheus scrapes: messages waiting in the outbox, updates waiting in the
inbound queue. The code where each event happens calls :data:`METRICS`; bot/operations.py
serves it.

No label carries personal data: every label value comes from a small fixed set (an update's
type, a send's outcome, where a 429 came from, an exception's class name), never a user id, a
chat id or any text a person wrote. The registry is this module's own, not the
prometheus_client default, so a test can build a fresh :class:`Metrics`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

logger = logging.getLogger(__name__)

#: The media type of what ``generate_latest`` writes: the text format every Prometheus reads
#: (prometheus_client's own server answers a plain scrape with it too).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Handler latencies: most replies take milliseconds; a registration step that waits for the
#: database, or a reply paced to one a second per chat, can take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Outcomes of the engine's sends (broadcasts/transport.py OutcomeKind), shown from zero.
SEND_OUTCOMES = ("sent", "rate_limited", "unreachable", "chat_not_found", "retry", "failed")
#: Where a 429 came from: the delivery engine, or the bot's own replies (bot/sending_budget.py).
RATE_LIMITED_SOURCES = ("broadcast", "reply")
#: How long a depth read at scrape time may take before the scrape goes on without it.
READ_TIMEOUT_SECONDS = 2.0

DepthReader = Callable[[], Awaitable[int]]


class Metrics:
    """Every metric the bot exports, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates_handled = Counter(
            "diaspora_bot_updates_handled",
            "Telegram updates handled, by update type.",
            ["type"],
            registry=self.registry,
        )
        self.update_seconds = Histogram(
            "diaspora_bot_update_handling_seconds",
            "Time to run one update's handlers, once its turn came.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.broadcast_sends = Counter(
            "diaspora_bot_broadcast_sends",
            "Messages the delivery engine tried to send, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "diaspora_bot_telegram_rate_limited",
            "429 Too Many Requests answers from Telegram, by what was being sent.",
            ["source"],
            registry=self.registry,
        )
        self.errors = Counter(
            "diaspora_bot_errors",
            "Errors while handling updates and jobs, by exception class.",
            ["kind"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "diaspora_bot_outbox_depth_messages",
            "Messages waiting in the outbox of deliveries being sent (read at scrape time).",
            registry=self.registry,
        )
        self.inbound_depth = Gauge(
            "diaspora_bot_inbound_queue_depth_updates",
            "Updates received and not yet handled (read at scrape time).",
            registry=self.registry,
        )
        for outcome in SEND_OUTCOMES:
            self.broadcast_sends.labels(outcome=outcome)
        for source in RATE_LIMITED_SOURCES:
            self.rate_limited.labels(source=source)
        self._readers: dict[str, tuple[Gauge, DepthReader]] = {}

    def update_handled(self, update_type: str, seconds: float) -> None:
        self.updates_handled.labels(type=update_type).inc()
        self.update_seconds.observe(seconds)

    def broadcast_sent(self, outcome: str) -> None:
        self.broadcast_sends.labels(outcome=outcome).inc()

    def rate_limited_by_telegram(self, source: str) -> None:
        self.rate_limited.labels(source=source).inc()

    def error(self, kind: str) -> None:
        self.errors.labels(kind=kind).inc()

    def observe_outbox_depth(self, read: DepthReader) -> Callable[[], None]:
        """Read the outbox depth with ``read`` at every scrape; returns what stops that."""
        return self._observe("outbox", self.outbox_depth, read)

    def observe_inbound_depth(self, read: DepthReader) -> Callable[[], None]:
        """Read the inbound queue depth with ``read`` at every scrape; returns what stops that."""
        return self._observe("inbound", self.inbound_depth, read)

    def _observe(self, name: str, gauge: Gauge, read: DepthReader) -> Callable[[], None]:
        entry = (gauge, read)
        self._readers[name] = entry

        def stop() -> None:
            if self._readers.get(name) is entry:
                del self._readers[name]

        return stop

    async def exposition(self) -> bytes:
        """Read the depths, then every metric in Prometheus's text format."""
        for name, (gauge, read) in list(self._readers.items()):
            try:
                async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                    gauge.set(await read())
            except Exception as exc:  # a scrape must answer even when one reading cannot
                logger.warning("Metrics: could not read the %s depth: %s", name, type(exc).__name__)
        return generate_latest(self.registry)


#: The process's metrics, updated where each event happens.
METRICS = Metrics()
