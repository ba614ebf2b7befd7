"""One delivery engine per database: the "engine" lease says which process sends.

An engine starting puts the rows left ``sending`` back to pending (the crash policy in
broadcasts/engine.py). If another process's engine were running on the same database, those
rows would be its requests in flight, and they would be sent twice. So an engine holds the
lease while it runs, renewing it as it goes, and an engine in another process that finds it
held does not start (it may stand by, see bot/broadcasting.py). The term is short so that a
standby takes over within seconds of a holder on another machine dying (a dead holder on this
machine, no such pid, gives way at once); the holder renews it every third of the term. The
lease itself is bot/storage/leases.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.storage.database import Database
from bot.storage.leases import Holder, Lease, LeaseHeld

__all__ = ["LEASE_SECONDS", "RENEW_SECONDS", "EngineBusy", "EngineLease", "Holder"]

LEASE_SECONDS = 6.0
RENEW_SECONDS = LEASE_SECONDS / 3


class EngineBusy(Exception):
    """Another live process's engine holds the lease."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"another process is sending broadcasts ({holder})")
        self.holder = holder


class EngineLease(Lease):
    """The engine's lease: :class:`EngineBusy` when another engine sends."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        super().__init__(database, "engine", LEASE_SECONDS, clock=clock)

    async def acquire(self) -> None:
        try:
            await super().acquire()
        except LeaseHeld as held:
            raise EngineBusy(held.holder) from None
