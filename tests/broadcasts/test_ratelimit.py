"""The shared token bucket, on a fake clock: pacing, burst, pause, concurrency."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from broadcasts import TokenBucket
from tests.auxil.clock import FakeClock


def _bucket(
    rate: float | None, burst: float | None = None, *, full: bool = False
) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(rate, burst, full=full, clock=clock, sleep=clock.sleep), clock


async def test_paces_at_the_rate_starting_with_one_token() -> None:
    bucket, clock = _bucket(30.0)
    start = clock.now
    stamps = []
    for _ in range(91):
        await bucket.acquire()
        stamps.append(clock.now - start)
    assert stamps[0] == 0.0
    assert stamps[-1] == pytest.approx(3.0)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) == pytest.approx(1 / 30)


@pytest.mark.parametrize("full", [False, True])
async def test_burst_after_idle_or_from_a_full_start_is_bounded(full: bool) -> None:
    bucket, clock = _bucket(100.0, burst=5, full=full)
    if not full:
        await bucket.acquire()
        clock.now += 10.0
    start = clock.now
    for _ in range(5):
        await bucket.acquire()
    assert clock.now == start
    await bucket.acquire()
    assert clock.now == pytest.approx(start + 0.01)


async def test_default_burst_is_a_twentieth_of_a_second() -> None:
    assert TokenBucket(30.0).burst == 1.5
    assert TokenBucket(1000.0).burst == 50.0
    assert TokenBucket(10.0).burst == 1.0


async def test_pause_holds_every_acquirer_back() -> None:
    bucket, clock = _bucket(10.0)
    await bucket.acquire()
    bucket.pause_for(3.0)
    paused_at = clock.now
    await bucket.acquire()
    assert clock.now >= paused_at + 3.0
    after_pause = clock.now
    await bucket.acquire()
    assert clock.now == pytest.approx(after_pause + 0.1)


async def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    bucket, clock = _bucket(10.0)
    bucket.pause_for(5.0)
    bucket.pause_for(1.0)
    assert bucket.paused_until == clock.now + 5.0


async def test_concurrent_workers_share_the_rate() -> None:
    bucket, clock = _bucket(50.0)
    start = clock.now
    stamps: list[float] = []

    async def worker() -> None:
        for _ in range(25):
            await bucket.acquire()
            stamps.append(clock.now)

    await asyncio.gather(*(worker() for _ in range(8)))
    assert len(stamps) == 200
    # 200 acquires at 50/s starting with one token: 199 intervals.
    assert max(stamps) - start == pytest.approx(199 / 50)
    # No window of one second ever holds more than rate + burst acquires.
    ordered = sorted(stamps)
    for index, stamp in enumerate(ordered):
        in_window = sum(1 for other in ordered[index:] if other < stamp + 1.0)
        assert in_window <= 50 + bucket.burst


async def test_unlimited_never_waits() -> None:
    bucket, clock = _bucket(None)
    start = clock.now
    for _ in range(1000):
        await bucket.acquire()
    assert clock.now == start


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)


async def test_a_caller_may_use_more_idle_slots_and_later_callers_pay_for_them() -> None:
    bucket, clock = _bucket(10.0, burst=1)
    await bucket.acquire()
    clock.now += 10.0
    start = clock.now
    for _ in range(5):  # replies: five at once out of the idle time
        await bucket.acquire(burst=5)
    assert clock.now == pytest.approx(start)
    await bucket.acquire()  # a broadcast's next message waits its turn after them
    assert clock.now == pytest.approx(start + 0.1)


async def test_spent_counts_the_burst_slots_taken() -> None:
    bucket, clock = _bucket(1.0, burst=5, full=True)
    assert bucket.spent() == 0.0 and bucket.is_idle()
    await bucket.acquire()
    assert bucket.spent() == pytest.approx(1.0)
    for _ in range(2):
        await bucket.acquire()
    assert bucket.spent() == pytest.approx(3.0)
    clock.now += 1.5
    assert bucket.spent() == pytest.approx(1.5) and not bucket.is_idle()
    clock.now += 10.0
    assert bucket.spent() == 0.0 and bucket.is_idle()
    bucket.pause_for(2.0)
    assert not bucket.is_idle()


async def test_a_message_a_second_spends_one_slot() -> None:
    bucket, clock = _bucket(1.0, burst=5, full=True)
    for _ in range(10):
        await bucket.acquire()
        assert bucket.spent() <= 1.0 + 1e-9
        clock.now += 1.0


async def test_recent_share_is_the_part_of_the_rate_used_in_the_last_second() -> None:
    bucket, clock = _bucket(10.0)
    assert bucket.recent_share() == 0.0
    for _ in range(5):
        await bucket.acquire()
    assert bucket.recent_share() == pytest.approx(0.5)
    for _ in range(10):
        await bucket.acquire()
    assert bucket.recent_share() == pytest.approx(1.0, abs=0.1)
    clock.now += 2.0
    assert bucket.recent_share() == 0.0
    assert TokenBucket(None).recent_share() == 0.0
