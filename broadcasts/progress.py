"""Live progress of a delivery: counts per outcome and the time left at the measured rate."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from broadcasts.outbox import OutboxStatus

#: Seconds of recent completions the rate is measured over.
RATE_WINDOW = 10.0


@dataclass(frozen=True)
class Progress:
    """Counts for one delivery; ``pending`` includes rows being sent right now."""

    delivery_id: int
    status: str
    sent: int
    failed: int
    unreachable: int
    skipped: int
    cancelled: int
    pending: int
    rate: float | None
    eta_seconds: float | None

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.failed
            + self.unreachable
            + self.skipped
            + self.cancelled
            + self.pending
        )

    @property
    def finished(self) -> int:
        return self.total - self.pending


def build_progress(
    delivery_id: int,
    status: str,
    counts: Mapping[OutboxStatus, int],
    rate: float | None,
) -> Progress:
    """Progress from outbox counts and the measured rate (None when not measured)."""
    pending = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
    return Progress(
        delivery_id=delivery_id,
        status=status,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        unreachable=counts.get(OutboxStatus.UNREACHABLE, 0),
        skipped=counts.get(OutboxStatus.SKIPPED, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0),
        pending=pending,
        rate=rate,
        eta_seconds=estimate_seconds_left(pending, rate),
    )


def estimate_seconds_left(pending: int, rate: float | None) -> float | None:
    if pending == 0:
        return 0.0
    if not rate:
        return None
    return pending / rate


class RateMeter:
    """Completions per second over the last ``window`` seconds."""

    def __init__(
        self, window: float = RATE_WINDOW, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self._clock = clock
        self._stamps: deque[tuple[float, int]] = deque()

    def record(self, count: int = 1) -> None:
        now = self._clock()
        self._stamps.append((now, count))
        self._trim(now)

    def rate(self) -> float | None:
        now = self._clock()
        self._trim(now)
        if len(self._stamps) < 2:
            return None
        span = now - self._stamps[0][0]
        if span <= 0:
            return None
        return sum(count for _, count in self._stamps) / span

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0][0] < now - self.window:
            self._stamps.popleft()
