"""One delivery engine per database: a lease row says which process sends.

An engine starting puts the rows left ``sending`` back to pending (the crash policy in
broadcasts/engine.py). If another process's engine were running on the same database, those
rows would be its requests in flight, and they would be sent twice. So an engine holds the
lease while it runs, renewing it as it goes, and an engine in another process that finds it
held does not start. A lease is free when its process has gone (on this machine, checked by
pid) or when it was not renewed for ``LEASE_SECONDS`` (a holder on another machine).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.storage.database import Database

LEASE_SECONDS = 30.0


class EngineBusy(Exception):
    """Another live process's engine holds the lease."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"another process is sending broadcasts ({holder})")
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """A running engine: its machine, process and instance (two engines in one process differ)."""

    host: str
    pid: int
    instance: str

    @classmethod
    def me(cls) -> Holder:
        return cls(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12])

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.instance}"

    def alive(self) -> bool:
        """False only when the process is surely gone (same machine, no such pid)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class EngineLease:
    """Acquire before sending, renew while sending, release when stopped."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.holder = Holder.me()
        self._clock = clock

    async def acquire(self) -> None:
        """Take the lease, or raise :class:`EngineBusy` if a live engine elsewhere holds it."""
        now = self._clock()
        async with self.database.transaction() as tx:
            row = await tx.fetch_one("SELECT holder, expires_at FROM engine_lease WHERE id = 1")
            if row is not None and row[0] != str(self.holder) and row[1] > now:
                other = Holder.parse(row[0])
                if other is None or other.alive():
                    raise EngineBusy(row[0])
            await tx.execute(
                "INSERT INTO engine_lease (id, holder, expires_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at",
                (str(self.holder), now + LEASE_SECONDS),
            )

    async def renew(self) -> bool:
        """Extend the lease; False if it is no longer ours."""
        async with self.database.transaction() as tx:
            changed = await tx.execute(
                "UPDATE engine_lease SET expires_at = ? WHERE id = 1 AND holder = ?",
                (self._clock() + LEASE_SECONDS, str(self.holder)),
            )
        return changed > 0

    async def release(self) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "DELETE FROM engine_lease WHERE id = 1 AND holder = ?", (str(self.holder),)
            )
