"""Named leases: one holder at a time, taken over when the holder expires or is surely gone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace

from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.leases import Holder, Lease, LeaseHeld


async def test_of_two_processes_racing_for_a_free_lease_exactly_one_wins(
    database: Database, settings: Settings
) -> None:
    other_process = await Database.open(settings.database)
    try:
        first = Lease(database, "sweep", 10)
        second = Lease(other_process, "sweep", 10)
        won = await asyncio.gather(first.try_acquire(), second.try_acquire())
    finally:
        await other_process.close()
    assert sorted(won) == [False, True]


async def test_a_lease_not_renewed_in_time_is_taken_over_and_the_old_holder_learns_it(
    database: Database,
) -> None:
    now = 1000.0
    first = Lease(database, "engine", 5, clock=lambda: now)
    await first.acquire()
    second = Lease(database, "engine", 5, clock=lambda: now + 3)
    try:
        await second.acquire()
        raise AssertionError("taken while the first holder's lease ran")
    except LeaseHeld as held:
        assert held.holder == str(first.holder)
    later = Lease(database, "engine", 5, clock=lambda: now + 6)
    await later.acquire()
    assert not await first.renew()
    assert await later.renew()


async def test_a_lease_held_by_a_process_that_has_gone_is_taken_at_once(
    database: Database,
) -> None:
    gone = replace(Holder.me(), pid=_gone_pid())
    await Lease(database, "jobs", 60, holder=gone).acquire()
    assert await Lease(database, "jobs", 60).try_acquire()


async def test_different_names_are_different_leases(database: Database) -> None:
    assert await Lease(database, "shard-0", 10).try_acquire()
    assert await Lease(database, "shard-1", 10).try_acquire()
    assert not await Lease(database, "shard-0", 10).try_acquire()


def _gone_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
