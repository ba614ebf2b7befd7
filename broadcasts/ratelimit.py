"""One async token bucket shared by every sender worker, with a global pause for 429s.

It is a virtual-scheduling bucket (GCRA): each ``acquire`` reserves the next free slot,
``1 / rate`` after the previous one, and sleeps until it. Late wake-ups therefore never cost
throughput, and the long-run rate is exactly ``rate``. The bucket starts holding one token,
and holds at most ``burst`` (default: 50 ms of sending, at least 1), so after an idle spell
at most ``burst`` requests go out together: a server-side bucket of the same rate and any
burst >= ours never answers 429. ``pause_for`` (on a 429) holds every slot back until the
pause ends; sleepers re-check the pause when they wake. The bot's replies take their
slots from the same bucket (see bot/sending_budget.py).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Seconds of sending the bucket may hold after an idle spell.
BURST_SECONDS = 0.05


class TokenBucket:
    """``await bucket.acquire()`` before each request; ``rate=None`` means unlimited."""

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else _default_burst(rate)
        self._clock = clock
        self._sleep = sleep
        self._next_slot = clock()
        self._paused_until = 0.0

    @property
    def interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    async def acquire(self, burst: float | None = None) -> None:
        """Wait for this caller's slot (and for any pause to end).

        ``burst`` lets this caller use more of the slots left idle just before now than the
        bucket's own burst (replies, which a person waits for, unlike a broadcast).
        """
        while True:
            await self._wait_for_pause()
            slot = self._reserve(burst if burst is not None else self.burst)
            delay = slot - self._clock()
            if delay > 0:
                await self._sleep(delay)
            if self._paused_until <= self._clock():
                return

    def pause_for(self, seconds: float) -> None:
        """Hold all sending for ``seconds`` (a 429's retry_after); restart with no burst."""
        until = self._clock() + max(seconds, 0.0)
        if until > self._paused_until:
            self._paused_until = until
            self._next_slot = max(self._next_slot, until)

    async def _wait_for_pause(self) -> None:
        while (remaining := self._paused_until - self._clock()) > 0:
            await self._sleep(remaining)

    def _reserve(self, burst: float) -> float:
        """The caller's slot: the next free one, but no earlier than ``burst`` slots back."""
        now = self._clock()
        if not self.rate:
            return now
        earliest = now - (burst - 1.0) * self.interval
        slot = max(self._next_slot, earliest)
        self._next_slot = slot + self.interval
        return slot


def _default_burst(rate: float | None) -> float:
    if not rate:
        return math.inf
    return max(1.0, rate * BURST_SECONDS)
