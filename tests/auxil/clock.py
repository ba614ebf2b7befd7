"""A fake clock for code that takes ``clock`` and ``sleep``: time moves only when someone sleeps."""

from __future__ import annotations

import asyncio


class FakeClock:
    """A clock that only moves when someone sleeps: the earliest sleeper wakes first."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._wake_times: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake_at = self.now + max(seconds, 0.0)
        self._wake_times.append(wake_at)
        while True:
            for _ in range(5):  # let every runnable task reach its own sleep first
                await asyncio.sleep(0)
            if wake_at == min(self._wake_times):
                break
        self._wake_times.remove(wake_at)
        self.now = max(self.now, wake_at)
