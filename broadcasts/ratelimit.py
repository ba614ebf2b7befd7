"""One async token bucket shared by every sender worker, with a global pause for 429s.

It is a virtual-scheduling bucket (GCRA): each ``acquire`` reserves the next free slot,
``1 / rate`` after the previous one, and sleeps until it. Late wake-ups therefore never cost
throughput, and the long-run rate is exactly ``rate``. The bucket starts holding one token
(``full=True``: its whole burst), and holds at most ``burst`` (default: 50 ms of sending, at
least 1), so after an idle spell at most ``burst`` requests go out together: a server-side
bucket of the same rate and any burst >= ours never answers 429. ``pause_for`` (on a 429)
holds every slot back until the pause ends; sleepers re-check the pause when they wake. The
bot's replies take their slots from the same bucket, and each chat's messages from a bucket
of its own (see bot/sending_budget.py), which asks :meth:`TokenBucket.spent` and
:meth:`TokenBucket.recent_share` which limit a 429 most likely reflects.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Seconds of sending the bucket may hold after an idle spell.
BURST_SECONDS = 0.05
#: The span :meth:`TokenBucket.recent_share` looks back over, in seconds.
RECENT_WINDOW = 1.0


class TokenBucket:
    """``await bucket.acquire()`` before each request; ``rate=None`` means unlimited."""

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        *,
        full: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else _default_burst(rate)
        self._clock = clock
        self._sleep = sleep
        self._next_slot = clock() - (self._banked_slots if full else 0.0)
        self._paused_until = 0.0
        # The slots reserved lately (at most a window's worth), for recent_share.
        window = math.ceil(rate * RECENT_WINDOW) + 1 if rate else 0
        self._recent: deque[float] = deque(maxlen=window)

    @property
    def interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    @property
    def _banked_slots(self) -> float:
        """How far behind now the next slot may lag: the idle time worth ``burst - 1`` slots."""
        if not self.rate or math.isinf(self.burst):
            return 0.0
        return (self.burst - 1.0) * self.interval

    def spent(self) -> float:
        """How many slots of the burst are taken, counting those reserved ahead.

        0 after a quiet spell; about 1 just after a request at the steady rate (or one after a
        quiet spell); more when requests came faster than the rate (a burst being spent, or
        slots reserved for the future).
        """
        if not self.rate:
            return 0.0
        return max(0.0, (self._next_slot - (self._clock() - self._banked_slots)) / self.interval)

    def is_idle(self) -> bool:
        """True when the bucket holds its whole burst and no pause: a new one would be the same."""
        return self.spent() == 0.0 and self._paused_until <= self._clock()

    def recent_share(self) -> float:
        """The share of the rate taken by the slots reserved in the last ``RECENT_WINDOW`` s
        (and ahead of now): 0 for an idle bucket, about 1 for one sending at its rate."""
        if not self.rate:
            return 0.0
        since = self._clock() - RECENT_WINDOW
        taken = sum(1 for slot in self._recent if slot > since)
        return taken / (self.rate * RECENT_WINDOW)

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
        self._recent.append(slot)
        return slot


def _default_burst(rate: float | None) -> float:
    if not rate:
        return math.inf
    return max(1.0, rate * BURST_SECONDS)
