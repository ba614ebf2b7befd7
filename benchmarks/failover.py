"""Engine failover (issue 14): the sending engine killed mid-broadcast, a standby takes over.

Two ``main.py run --roles engine`` processes on one database, a sandbox in a third (30 ms
latency, no rate limit; the engines keep BOT_RATE_LIMIT). A delivery to every member is
``sending`` before the first engine starts, so that engine sends it; the second stands by. Once
the standby waits and a third of the members have the message, the sending engine is killed
with SIGKILL. The standby takes the "engine" lease (a dead pid on this machine gives way at
once), puts the rows left in flight back to pending and finishes the delivery.

- ``failover_lost``: members with no message (goal 0).
- ``failover_duplicates``: messages beyond one per member (goal: at most
  ``failover_in_flight``, the rows the standby found ``sending``, from its log).
- ``failover_takeover_s``: from the kill to the standby's "now sends broadcasts" (goal < 10).

Not measured: a holder on another machine, which a standby can only tell by the lease running
out (LEASE_SECONDS in broadcasts/lease.py, 6 s, plus up to a second's retry). Freezing the
sending engine with SIGSTOP would look like that, but on SQLite a process frozen inside a
write transaction keeps the file's one write lock and stops every other writer with it.

The database is chosen in one place, :func:`database_env`: a SQLite file in a temporary folder,
then a database on a throwaway PostgreSQL server (tests/auxil/postgres.py; its figures are
``failover_pg_*``, skipped and said so without PostgreSQL).
``BENCH_SCALE`` shrinks the member count.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.report import bench
from benchmarks.support import (
    SandboxAddress,
    insert_members_into,
    sandbox_process,
    scaled,
)
from bot.settings import PROJECT_ROOT
from bot.storage.database import Database
from broadcasts import Audience, Payload, create_delivery
from broadcasts.deliveries import DeliveryRepository, DeliveryStatus
from tests.auxil.postgres import PostgresServer, PostgresUnavailable
from tests.auxil.process import in_flight_taken_over

LATENCY_MS = 30.0
RATE = 200.0
#: Share of the members who have the message when the sending engine is stopped.
KILL_AT = 1 / 3
TIMEOUT_S = 300.0


# --- the database: the one place that chooses it --------------------------------------------
def database_env(folder: Path, name: str, server: PostgresServer | None) -> dict[str, str]:
    """The variables that point ``main.py`` at the database of one run."""
    if server is not None:
        return {"BOT_DATABASE_URL": server.fresh_database()}
    return {"BOT_DB_PATH": str(folder / f"{name}.db")}


async def open_database(env: dict[str, str]) -> Database:
    """The benchmark's own connection to the database ``env`` names."""
    return await Database.open(env.get("BOT_DATABASE_URL") or Path(env["BOT_DB_PATH"]))


# --- one engine process ---------------------------------------------------------------------
class EngineProcess:
    """``main.py run --roles engine`` with its log read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._seen = 0

    @classmethod
    async def start(cls, env: dict[str, str]) -> EngineProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROJECT_ROOT / "main.py"),
            "run",
            "--roles",
            "engine",
            env=env,
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def wait_for(self, needle: str) -> str:
        """The next line holding ``needle`` (the process's output is read until then)."""
        assert self.process.stdout is not None
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                for line in self.lines[self._seen :]:
                    self._seen += 1
                    if needle in line:
                        return line
                raw = await self.process.stdout.readline()
                if not raw:
                    raise RuntimeError("the engine exited:\n" + "".join(self.lines))
                self.lines.append(raw.decode(errors="replace"))

    async def drain(self) -> None:
        """Keep reading (a full pipe would block the process) until it exits."""
        assert self.process.stdout is not None
        while raw := await self.process.stdout.readline():
            self.lines.append(raw.decode(errors="replace"))

    async def end(self, sig: int) -> None:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        await self.process.wait()


@dataclass(frozen=True)
class Failover:
    takeover_s: float
    in_flight: int
    lost: int
    duplicates: int


async def sending_delivery(env: dict[str, str]) -> int:
    """A delivery to everyone, ``sending`` before any engine starts (the first one takes it)."""
    database = await open_database(env)
    try:
        delivery_id = await create_delivery(
            database, [Payload("en", text="Consular notice")], Audience.everyone(), "en"
        )
        await DeliveryRepository(database).set_status(
            delivery_id, DeliveryStatus.SENDING, expected=(DeliveryStatus.CREATED,)
        )
    finally:
        await database.close()
    return delivery_id


async def wait_for_sent(http: httpx.AsyncClient, count: float) -> None:
    """Until the sandbox has taken ``count`` messages from the bot."""
    for _ in range(int(TIMEOUT_S / 0.05)):
        stats = (await http.get("/sandbox/api/stats")).json()
        if int(stats["messages_sent"]) >= count:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {count} messages sent")


async def failover(folder: Path, name: str, server: PostgresServer | None = None) -> Failover:
    """One run: the sending engine killed at KILL_AT, measured."""
    members = scaled(6000)
    db_env = database_env(folder, name, server)
    database = await open_database(db_env)
    try:
        await insert_members_into(database, members)
    finally:
        await database.close()
    delivery_id = await sending_delivery(db_env)
    async with (
        sandbox_process(users=members, latency_ms=LATENCY_MS) as address,
        httpx.AsyncClient(base_url=address.url) as http,
    ):
        env = engine_env(address, db_env)
        sending = await EngineProcess.start(env)
        await sending.wait_for("Delivery engine started")
        reading = asyncio.create_task(sending.drain())
        standby = await EngineProcess.start(env)
        try:
            await standby.wait_for("stands by to take over")
            await wait_for_sent(http, members * KILL_AT)
            stopped = time.monotonic()
            sending.process.send_signal(signal.SIGKILL)
            await standby.wait_for("now sends broadcasts")
            takeover = time.monotonic() - stopped
            await standby.wait_for(f"Delivery {delivery_id} done")
        finally:
            await sending.end(signal.SIGKILL)
            await reading
            await standby.end(signal.SIGTERM)
        histogram = {int(k): v for k, v in (await http.get("/bench/counts")).json().items()}
    in_flight = in_flight_taken_over(standby.lines)
    print(f"# {name}: messages per chat {histogram}, {in_flight} rows in flight", flush=True)
    duplicates = sum((count - 1) * chats for count, chats in histogram.items() if count > 1)
    return Failover(takeover, in_flight, histogram.get(0, 0), duplicates)


def engine_env(address: SandboxAddress, db_env: dict[str, str]) -> dict[str, str]:
    """An engine on the sandbox's token at RATE (paid broadcasts: above the free 30/s), in this
    process's environment without the bot's own settings."""
    prefixes = ("BOT_", "TELEGRAM_", "WEBHOOK_", "SANDBOX_", "CONSOLE_")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(prefixes)},
        **db_env,
        "TELEGRAM_BOT_TOKEN": address.token,
        "TELEGRAM_API_BASE_URL": address.bot_api_base_url,
        "BOT_RATE_LIMIT": str(RATE),
        "BOT_PAID_BROADCAST": "1",
        "BOT_OPS_PORT": "0",  # each process its own operations port
    }


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-failover-") as name:
        folder = Path(name)
        report("failover", await failover(folder, "killed"))
        try:
            server = await asyncio.to_thread(PostgresServer.start)  # it runs its own loop
        except PostgresUnavailable as exc:
            print(f"SKIPPED failover_pg_*: {exc}", flush=True)
            return
        try:
            report("failover_pg", await failover(folder, "killed-pg", server))
        finally:
            server.stop()


def report(prefix: str, killed: Failover) -> None:
    bench(f"{prefix}_lost", killed.lost, "recipients")
    bench(f"{prefix}_in_flight", killed.in_flight, "rows")
    bench(f"{prefix}_duplicates", killed.duplicates, "messages")
    bench(f"{prefix}_takeover_s", killed.takeover_s, "s")
