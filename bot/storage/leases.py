"""Named leases: one process at a time does a thing, across every process on the database.

A lease row names its holder (machine, process, instance) and when it expires. The holder
renews it while it works; another process takes it over when the holder is surely gone (on
this machine, no such pid) or has not renewed it in time (a holder on another machine, or one
that hangs). The delivery engine, each scheduled job and each shard of incoming updates holds
one, so several processes can run for failover without doing anything twice.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class Holder:
    """A process holding leases: its machine, pid and instance (two holders in one process
    differ)."""

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


class LeaseHeld(Exception):
    """Another live holder has the lease."""

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"the {name} lease is held by {holder}")
        self.name = name
        self.holder = holder


class Lease:
    """The lease called ``name``: acquire before the work, renew while working, release after."""

    def __init__(
        self,
        database: Database,
        name: str,
        seconds: float,
        *,
        holder: Holder | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.name = name
        self.seconds = seconds
        self.holder = holder or Holder.me()
        self._clock = clock

    async def acquire(self) -> None:
        """Take the lease, or raise :class:`LeaseHeld` if a live holder elsewhere has it.

        Each step is one compare-and-set statement, so two processes racing for a free or
        expired lease cannot both win, on either engine."""
        now = self._clock()
        me = str(self.holder)
        async with self.database.transaction() as tx:
            taken = await tx.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at"
                " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
                (self.name, me, now + self.seconds, now),
            )
            if taken:
                return
            row = await tx.fetch_one("SELECT holder FROM leases WHERE name = ?", (self.name,))
            other = "" if row is None else str(row[0])
            gone = Holder.parse(other)
            if gone is not None and not gone.alive():
                taken = await tx.execute(
                    "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ?",
                    (me, now + self.seconds, self.name, other),
                )
        if not taken:
            raise LeaseHeld(self.name, other)

    async def try_acquire(self) -> bool:
        """Take the lease if it is free; False (nothing raised) when another holder has it."""
        try:
            await self.acquire()
        except LeaseHeld:
            return False
        return True

    async def renew(self) -> bool:
        """Extend the lease; False if it is no longer ours."""
        changed = await self.database.execute(
            "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?",
            (self._clock() + self.seconds, self.name, str(self.holder)),
        )
        return changed > 0

    async def release(self) -> None:
        await self.database.execute(
            "DELETE FROM leases WHERE name = ? AND holder = ?", (self.name, str(self.holder))
        )
