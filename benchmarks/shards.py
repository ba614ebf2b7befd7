"""Sharded workers (issue 14): inbound updates per second with two worker processes against one.

The sandbox runs in its own process (``benchmarks.support``, no rate limits) with the members
as its users. The bot runs as ``main.py run`` with BOT_SHARDS (``SHARDS``, 8) and a webhook
address, once as one process and once as two on the same database; the second process takes
half of the shards. Once the shards are shared out, this process queues every update at once,
in one transaction, as the webhook receiver would have (bot/inbound.py), and times from that
commit to the queue's last update handled. Each member sends ``/start`` (two replies: the
welcome and the consent question) and then ``/help``, so each shard has work throughout.

Each is run ``BENCH_SHARD_TURNS`` times (3), one and two processes in turn; the figures are
medians. They are ``shard_workers_1_updates_per_s`` and ``shard_workers_2_updates_per_s``,
their ratio ``shard_scaling_2_vs_1`` (goal on PostgreSQL, 2 cores: 1.5 or more), and each
process's own share of the two-process run (``shard_worker_<n>_of_2_updates_per_s``: the
updates of the shards it held, over the same time), from which an N-process estimate can be
made.

Where the CPU went in each run, from /proc: ``shard_worker_cpu_per_update_<n>`` (the worker
processes', in ms per update), ``shard_other_cpu_per_update_<n>`` (everything else on the
machine: the sandbox standing in for Telegram, the database server, this load) and
``shard_cores_busy_<n>``. On a machine with few cores they say what bounds the ratio: two
workers can go no faster than the cores divided by the sum of the two costs, so a worker that
costs less per update raises both rates and can lower their ratio. A closing ``#`` line gives
that ceiling and the estimate for N processes on cores of their own.

``BENCH_MEMBERS`` (default 1000, or 1000 times ``BENCH_SCALE``) sets the number of members.
Where the database lives is decided in one place, :func:`database_env`: the PostgreSQL database
``BOT_DATABASE_URL`` names when it is set; else a new database per run on a throwaway
PostgreSQL server (tests/auxil/postgres.py, from the system's binaries), as the goal is stated
for PostgreSQL; without PostgreSQL, a new SQLite file per run, and the output says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import bench, median
from benchmarks.support import SandboxAddress, sandbox_process, scaled, started_bot
from bot.inbound import queue_depth, sender_of, shard_of
from bot.storage.database import Database
from bot.storage.leases import Holder
from sandbox.state import FIRST_USER_ID
from tests.auxil.postgres import PostgresServer, PostgresUnavailable
from tests.auxil.process import free_port

MEMBERS = int(os.environ.get("BENCH_MEMBERS", scaled(1000, minimum=20)))
#: Runs of each kind, alternating one process and two (their medians are compared: this
#: machine is shared and one run can be slowed by anything else on it).
TURNS = int(os.environ.get("BENCH_SHARD_TURNS", "3"))
SHARDS = 8
TEXTS = ("/start", "/help")
SECRET = "bench-secret-0123456789"


async def throwaway_postgres() -> PostgresServer | None:
    """A throwaway PostgreSQL server for the runs, unless BOT_DATABASE_URL names one or the
    system has none (then SQLite, said on the output)."""
    if os.environ.get("BOT_DATABASE_URL"):
        return None
    try:
        return await asyncio.to_thread(PostgresServer.start)  # it runs a loop of its own
    except PostgresUnavailable as exc:
        print(f"# shards on SQLite files: PostgreSQL is not available ({exc})", flush=True)
        return None


def database_env(folder: Path, run: int, server: PostgresServer | None = None) -> dict[str, str]:
    """The one place the benchmark's database is chosen: BOT_DATABASE_URL when set (every run
    on that database; update ids differ per run), else a new SQLite file per run."""
    url = os.environ.get("BOT_DATABASE_URL")
    if url:
        return {"BOT_DATABASE_URL": url}
    if server is not None:
        return {"BOT_DATABASE_URL": server.fresh_database()}
    return {"BOT_DB_PATH": str(folder / f"shards-{run}.sqlite3")}


async def open_database(env: dict[str, str]) -> Database:
    """The database ``database_env`` chose, as this process opens it."""
    return await Database.open(env.get("BOT_DATABASE_URL") or Path(env["BOT_DB_PATH"]))


def update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": f"Member{user_id}"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {**person, "type": "private"},
            "from": person,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def start_worker(
    sandbox: SandboxAddress, database: dict[str, str]
) -> asyncio.subprocess.Process:
    port = free_port()
    env = {
        **os.environ,
        **database,
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        "BOT_RATE_LIMIT": "100000",
        "BOT_SHARDS": str(SHARDS),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "CONSOLE_PORT": "0",
        "BOT_OPS_PORT": "0",  # each process its own operations port
    }
    process, _log = await started_bot(env)
    return process


@asynccontextmanager
async def workers(
    count: int, sandbox: SandboxAddress, database: dict[str, str]
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """``count`` worker processes, one after the other (the first migrates the database)."""
    processes: list[asyncio.subprocess.Process] = []
    try:
        for _ in range(count):
            processes.append(await start_worker(sandbox, database))
        yield processes
    finally:
        for process in processes:
            process.terminate()
            await process.wait()


async def shard_holders(database: Database) -> dict[int, int]:
    """Which process (pid) holds each shard."""
    rows = await database.fetch_all("SELECT name, holder FROM leases WHERE name LIKE 'shard-%'")
    held = {int(str(row[0]).removeprefix("shard-")): Holder.parse(str(row[1])) for row in rows}
    return {shard: holder.pid for shard, holder in held.items() if holder is not None}


async def shared_out(database: Database, processes: int) -> dict[int, int]:
    """Wait until every shard is held, evenly by the ``processes``; who holds which."""
    async with asyncio.timeout(120):
        while True:
            holders = await shard_holders(database)
            per_process = [list(holders.values()).count(pid) for pid in set(holders.values())]
            if len(holders) == SHARDS and per_process == [SHARDS // processes] * processes:
                return holders
            await asyncio.sleep(0.1)


async def queue_all(database: Database, first_update_id: int) -> int:
    """Queue every member's updates in one transaction, as the receiver would; how many."""
    updates = [
        update(first_update_id + index * len(TEXTS) + turn, FIRST_USER_ID + index, text)
        for index in range(MEMBERS)
        for turn, text in enumerate(TEXTS)
    ]
    now = time.time()
    async with database.transaction() as tx:
        for data in updates:
            user_id = sender_of(data)
            await tx.execute(
                "INSERT INTO inbound_updates (update_id, user_id, shard, body, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (data["update_id"], user_id, shard_of(user_id, SHARDS), json.dumps(data), now),
            )
    return len(updates)


async def drained(database: Database) -> None:
    async with asyncio.timeout(1800):
        while True:
            if not await queue_depth(database):
                return
            await asyncio.sleep(0.05)


async def handled_per_shard(database: Database, first_update_id: int) -> dict[int, int]:
    rows = await database.fetch_all(
        "SELECT shard, count(*) FROM inbound_updates WHERE handled = 1 AND update_id >= ?"
        " GROUP BY shard",
        (first_update_id,),
    )
    return {int(row[0]): int(row[1]) for row in rows}


@dataclass(frozen=True)
class Measured:
    """One run: updates/s in all and per process, and where the CPU went meanwhile."""

    rate: float
    per_process: list[float]
    worker_cpu_ms: float  # CPU of the worker processes, per update
    other_cpu_ms: float  # CPU of everything else on the machine, per update
    cores_busy: float  # the machine's busy cores, on average


async def measure(count: int, run: int, folder: Path, server: PostgresServer | None) -> Measured:
    """The updates/s of ``count`` worker processes, each process's own, and their CPU."""
    env = database_env(folder, run, server)
    first_update_id = run * 10_000_000 + 1
    async with sandbox_process(users=MEMBERS) as sandbox, workers(count, sandbox, env) as procs:
        database = await open_database(env)
        try:
            holders = await shared_out(database, count)
            started = time.perf_counter()
            cpu_before = cpu_seconds(procs)
            total = await queue_all(database, first_update_id)
            await drained(database)
            cpu_after = cpu_seconds(procs)
            elapsed = time.perf_counter() - started
            per_shard = await handled_per_shard(database, first_update_id)
        finally:
            await database.close()
    per_process = [
        sum(n for shard, n in per_shard.items() if holders.get(shard) == process.pid) / elapsed
        for process in procs
    ]
    workers_cpu, machine_cpu = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    return Measured(
        rate=total / elapsed,
        per_process=per_process,
        worker_cpu_ms=1000 * workers_cpu / total,
        other_cpu_ms=1000 * max(0.0, machine_cpu - workers_cpu) / total,  # ticks: rounding
        cores_busy=machine_cpu / elapsed,
    )


def cpu_seconds(processes: list[asyncio.subprocess.Process]) -> tuple[float, float]:
    """CPU seconds used so far by ``processes``, and by the whole machine (every core's busy
    time: user, nice, system, interrupts; not the time the hypervisor gave to others)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = 0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        used += int(fields[11]) + int(fields[12])  # utime, stime
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    )
    return used / ticks, (user + nice + system + irq + softirq) / ticks


async def run() -> None:
    server = await throwaway_postgres()
    ones: list[Measured] = []
    twos: list[Measured] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for turn in range(TURNS):
                ones.append(await measure(1, 2 * turn + 1, Path(folder), server))
                twos.append(await measure(2, 2 * turn + 2, Path(folder), server))
    finally:
        if server is not None:
            server.stop()
    one, two = median([m.rate for m in ones]), median([m.rate for m in twos])
    bench("shard_workers_1_updates_per_s", one, "updates/s")
    bench("shard_workers_2_updates_per_s", two, "updates/s")
    for number in (1, 2):
        rates = [m.per_process[number - 1] for m in twos]
        bench(f"shard_worker_{number}_of_2_updates_per_s", median(rates), "updates/s")
    bench("shard_scaling_2_vs_1", two / one, "ratio")
    for count, runs in ((1, ones), (2, twos)):
        worker_cpu = median([m.worker_cpu_ms for m in runs])
        other_cpu = median([m.other_cpu_ms for m in runs])
        bench(f"shard_cores_busy_{count}", median([m.cores_busy for m in runs]), "cores")
        bench(f"shard_worker_cpu_per_update_{count}", worker_cpu, "ms")
        bench(f"shard_other_cpu_per_update_{count}", other_cpu, "ms")
    print(capacity_note(worker_cpu, other_cpu), flush=True)  # the two-process runs'


def capacity_note(worker_cpu_ms: float, other_cpu_ms: float) -> str:
    """What the two-process run's CPU per update says: this machine's ceiling, and the
    estimate for N processes on cores of their own."""
    cores = os.cpu_count() or 1
    if worker_cpu_ms <= 0:  # the clock counts 10 ms ticks
        return "# Two processes: the run was too short to measure their CPU."
    return (
        f"# Two processes: each update cost the workers {worker_cpu_ms:.2f} ms of CPU and"
        f" everything else here (the sandbox standing in for Telegram, the database server, this"
        f" load) {other_cpu_ms:.2f} ms, so these {cores} cores allow at most"
        f" {1000 * cores / (worker_cpu_ms + other_cpu_ms):.0f} updates/s. N processes on cores"
        f" of their own, with the server and Telegram elsewhere: about"
        f" N x {1000 / worker_cpu_ms:.0f} updates/s."
    )
