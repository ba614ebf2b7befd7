"""Live progress of a delivery: counts per outcome and the time left at the measured rate.

``Progress`` holds the exact counts, for the engine. Staff see ``BandedProgress``: every count
a band under the disclosure rule (bot/disclosure.py), and the share done and the time left
worked out from those bands only, so that neither a percentage nor an estimate gives back a
count the bands hide (33% of "fewer than 5" would say 1 of 3).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.disclosure import Band, Disclosure
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

    def banded(self, disclosure: Disclosure) -> BandedProgress:
        """What staff may see of this progress."""
        pending = disclosure.band(self.pending)
        eta = 0.0 if pending.high == 0 else (pending.high / self.rate if self.rate else None)
        return BandedProgress(
            delivery_id=self.delivery_id,
            status=self.status,
            sent=disclosure.band(self.sent),
            failed=disclosure.band(self.failed),
            unreachable=disclosure.band(self.unreachable),
            skipped=disclosure.band(self.skipped),
            cancelled=disclosure.band(self.cancelled),
            pending=pending,
            total=disclosure.band(self.total),
            finished=disclosure.band(self.finished),
            eta_seconds=eta,
        )


def combined(progresses: list[Progress]) -> Progress:
    """The exact totals of several deliveries (to band them once, not add up bands)."""

    def total(name: str) -> int:
        return sum(int(getattr(progress, name)) for progress in progresses)

    # Deliveries in progress send side by side, so their rates add up; one without a measured
    # rate yet leaves the time left unknown.
    sending = [progress.rate for progress in progresses if progress.pending]
    rate = sum(r for r in sending if r) if sending and all(sending) else None
    return Progress(
        delivery_id=0,
        status="total",
        sent=total("sent"),
        failed=total("failed"),
        unreachable=total("unreachable"),
        skipped=total("skipped"),
        cancelled=total("cancelled"),
        pending=total("pending"),
        rate=rate,
        eta_seconds=estimate_seconds_left(total("pending"), rate),
    )


@dataclass(frozen=True)
class BandedProgress:
    """A delivery's progress as staff see it: every count a band; the time left from the
    band of pending messages (its upper end) at the measured rate."""

    delivery_id: int
    status: str
    sent: Band
    failed: Band
    unreachable: Band
    skipped: Band
    cancelled: Band
    pending: Band
    total: Band
    finished: Band
    eta_seconds: float | None

    @property
    def share_done(self) -> float:
        """Between 0 and 1, from the bands only: nothing before the finished band reaches k
        (unless all is done), then its lower end over the total's."""
        if self.pending.high == 0:
            return 1.0
        if self.finished.low <= 1 or self.total.low <= 1:
            return 0.0
        return min(1.0, self.finished.low / self.total.low)


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
