"""Broadcast delivery (issue 4): rate at an enforced limit, ceiling, scale, crash recovery.

Every sandbox here runs in its own process (``benchmarks.support``), per-chat limit off, so
each recipient gets one message and only the global limit can answer 429.

- **Rate**: 30 ms latency, global limit 30/s (burst one second, as Telegram tolerates), 1,800
  recipients; then 300/s with 10,000. Achieved rate = messages sent / time from
  ``start_delivery`` to ``wait_finished`` (fill and final write-back included), engine at its
  production settings with ``rate`` = the limit. ``broadcast_429_provoked`` is the sum of the
  sandboxes' ``rate_limited`` counters.
- **Ceiling**: no limits, no latency. The engine (``rate=None``, its default 64 workers) against
  a bare loop of python-telegram-bot ``send_message`` calls with as many workers and the same
  request class and pool size, alternately three times each, medians.
- **Scale**: a million registered members inserted with one ``INSERT ... SELECT`` over a
  recursive CTE; ``count_audience(everyone)``; the outbox fill of one delivery to everyone by
  ``Outbox.fill_next_chunk`` called until complete. Peak RSS is the high-water mark (VmHWM)
  of a child process (``python -m benchmarks.broadcast rss``) that opens the database,
  starts a delivery to everyone (the engine fills the million-row outbox) and sends to the
  first recipients against a no-limit sandbox, then stops; the same child doing nothing but
  imports and opening the database is the baseline.
- **Crash**: a child process (``python -m benchmarks.broadcast crash``) sends a delivery at
  1000/s (the paid ceiling; 30 ms latency) and is killed with SIGKILL at a random moment; the
  rows left ``sending`` are counted in the database; a new child resumes and finishes; the
  sandbox then says how many chats got 0, 1, 2+ messages.

``BENCH_SCALE`` (e.g. 0.1) shrinks every size for a quick run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from telegram import Bot

from benchmarks.report import bench
from benchmarks.support import (
    SandboxAddress,
    create_database,
    insert_members,
    read_scalar,
    sandbox_process,
    scaled,
)
from bot.aiohttp_request import AiohttpRequest
from bot.settings import PROJECT_ROOT
from bot.storage.database import Database
from broadcasts import Audience, DeliveryEngine, EngineConfig, Payload, count_audience
from broadcasts import create_delivery as store_delivery
from broadcasts.deliveries import DeliveryRepository
from broadcasts.outbox import Outbox, OutboxStatus
from broadcasts.telegram_transport import TelegramTransport
from sandbox import SandboxClient
from sandbox.state import FIRST_USER_ID

LATENCY_MS = 30.0
CEILING_RUNS = 3
#: The crash child's sending rate (Telegram's paid-broadcast ceiling).
CRASH_RATE = 1000.0
PAYLOADS = [
    Payload("en", text="<b>Consular notice</b>: the office is closed on Friday."),
    Payload("ar", text="<b>إشعار قنصلي</b>: المكتب مغلق يوم الجمعة."),
    Payload("es", text="<b>Aviso consular</b>: la oficina cierra el viernes."),
]


# --- shared steps ---------------------------------------------------------------------------
async def create_delivery(database: Database) -> int:
    """A text delivery to everyone, in three languages (the others fall back to English)."""
    return await store_delivery(database, PAYLOADS, Audience.everyone(), "en")


def transport_for(address: SandboxAddress, config: EngineConfig) -> TelegramTransport:
    return TelegramTransport.create(
        address.token, address.bot_api_base_url, pool_size=config.worker_count
    )


async def timed_delivery(
    database: Database, transport: TelegramTransport, config: EngineConfig
) -> tuple[int, float]:
    """Create, start and finish one delivery to everyone; (messages sent, seconds)."""
    engine = DeliveryEngine(database, transport, config)
    await engine.start()
    try:
        delivery_id = await create_delivery(database)
        started = time.perf_counter()
        await engine.start_delivery(delivery_id)
        await engine.wait_finished(delivery_id)
        elapsed = time.perf_counter() - started
    finally:
        await engine.stop()
    sent = (await engine.outbox.counts(delivery_id))[OutboxStatus.SENT]
    return sent, elapsed


async def sandbox_stats(address: SandboxAddress) -> dict[str, object]:
    async with SandboxClient(address.url) as client:
        return await client.stats()


# --- rate at an enforced limit --------------------------------------------------------------
async def rate_at_limit(database: Database, limit: float) -> tuple[float, int]:
    """Send to every member at ``limit``/s against a sandbox enforcing it; (ratio, 429s)."""
    row = await database.fetch_one("SELECT count(*) FROM members")
    members = int(row[0]) if row else 0
    async with sandbox_process(users=members, latency_ms=LATENCY_MS, rate=limit) as address:
        config = EngineConfig(rate=limit)
        transport = transport_for(address, config)
        await transport.start()
        try:
            sent, elapsed = await timed_delivery(database, transport, config)
        finally:
            await transport.stop()
        stats = await sandbox_stats(address)
    rate = sent / elapsed
    print(f"# {limit:.0f}/s: {sent} sent in {elapsed:.2f} s = {rate:.2f}/s", flush=True)
    return rate / limit, int(str(stats["rate_limited"]))


async def bench_rate(folder: Path) -> None:
    path = folder / "rate.db"
    await create_database(path)
    small, large = scaled(1800), scaled(10_000)
    insert_members(path, small)
    database = await Database.open(path)
    try:
        ratio_30, limited_30 = await rate_at_limit(database, 30.0)
        insert_members(path, large - small)
        ratio_300, limited_300 = await rate_at_limit(database, 300.0)
    finally:
        await database.close()
    bench("broadcast_rate_ratio_30", ratio_30, "ratio")
    bench("broadcast_rate_ratio_300", ratio_300, "ratio")
    bench("broadcast_429_provoked", limited_30 + limited_300, "count")


# --- ceiling --------------------------------------------------------------------------------
async def bare_ptb(address: SandboxAddress, chat_ids: list[int], workers: int) -> float:
    """Messages/s of ``workers`` tasks calling ``Bot.send_message`` for every chat id."""
    request = AiohttpRequest(workers, read_timeout=10.0, pool_timeout=10.0)
    bot = Bot(address.token, base_url=address.bot_api_base_url, request=request)
    await bot.initialize()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat_id in chat_ids:
        queue.put_nowait(chat_id)
    text = PAYLOADS[0].text or ""

    async def worker() -> None:
        while not queue.empty():
            await bot.send_message(queue.get_nowait(), text, parse_mode="HTML")

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    finally:
        await bot.shutdown()
    return len(chat_ids) / elapsed


async def bench_ceiling(folder: Path) -> None:
    path = folder / "ceiling.db"
    await create_database(path)
    # Long enough (about 10 s a run at 3,000 msgs/s) that starting and finishing a delivery
    # do not weigh in the rate.
    count = scaled(30_000)
    insert_members(path, count)
    config = EngineConfig(rate=None)
    chat_ids = [FIRST_USER_ID + index for index in range(count)]
    engine_rates: list[float] = []
    bare_rates: list[float] = []
    database = await Database.open(path)
    try:
        async with sandbox_process(users=count) as address:
            transport = transport_for(address, config)
            await transport.start()
            try:
                for _ in range(CEILING_RUNS):
                    sent, elapsed = await timed_delivery(database, transport, config)
                    engine_rates.append(sent / elapsed)
                    bare_rates.append(await bare_ptb(address, chat_ids, config.worker_count))
            finally:
                await transport.stop()
    finally:
        await database.close()
    print(f"# engine runs {[round(r) for r in engine_rates]} msgs/s", flush=True)
    print(f"# bare PTB runs {[round(r) for r in bare_rates]} msgs/s", flush=True)
    engine_rate, bare_rate = statistics.median(engine_rates), statistics.median(bare_rates)
    bench("broadcast_ceiling_msgs_per_s", engine_rate, "msgs/s")
    bench("bare_ptb_msgs_per_s", bare_rate, "msgs/s")
    bench("broadcast_ceiling_ratio", engine_rate / bare_rate, "ratio")


# --- scale ----------------------------------------------------------------------------------
async def child(*arguments: str) -> str:
    """Run ``python -m benchmarks.broadcast ARGUMENTS``; its last stdout line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.broadcast",
        *arguments,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"benchmarks.broadcast {arguments[0]} exited {process.returncode}")
    return output.decode().strip().splitlines()[-1]


async def bench_scale(folder: Path) -> None:
    path = folder / "scale.db"
    await create_database(path)
    members = scaled(1_000_000)
    started = time.perf_counter()
    insert_members(path, members)
    print(f"# {members} members inserted in {time.perf_counter() - started:.2f} s", flush=True)
    database = await Database.open(path)
    try:
        started = time.perf_counter()
        counted = await count_audience(database, Audience.everyone())
        count_seconds = time.perf_counter() - started
        assert counted == members, counted
        delivery_id = await create_delivery(database)
        repository = DeliveryRepository(database)
        delivery = await repository.get(delivery_id)
        assert delivery is not None
        languages = sorted(await repository.payloads(delivery))
        outbox = Outbox(database)
        started = time.perf_counter()
        while not await outbox.fill_next_chunk(delivery, languages):
            pass
        fill_seconds = time.perf_counter() - started
        filled = (await outbox.counts(delivery_id))[OutboxStatus.PENDING]
        assert filled == members, filled
    finally:
        await database.close()
    bench("audience_count_1m_s", count_seconds, "s")
    bench("outbox_fill_1m_s", fill_seconds, "s")

    send = scaled(10_000)
    async with sandbox_process(users=send) as address:
        peak = float(await child("rss", str(path), address.url, address.token, str(send)))
        baseline = float(await child("rss", str(path), address.url, address.token, "0"))
    bench("broadcast_peak_rss_mb", peak, "MB")
    bench("broadcast_baseline_rss_mb", baseline, "MB")


async def rss_child(path: Path, address: SandboxAddress, send: int) -> float:
    """Fill a delivery to everyone and send to ``send`` recipients; peak RSS in MB.

    With ``send`` 0: only the imports and opening the database (the baseline)."""
    database = await Database.open(path)
    try:
        if send:
            config = EngineConfig(rate=None)
            transport = transport_for(address, config)
            await transport.start()
            engine = DeliveryEngine(database, transport, config)
            await engine.start()
            try:
                await engine.start_delivery(await create_delivery(database))
                async with SandboxClient(address.url) as client:
                    # Another process's counter: there is no event to wait on.
                    while int((await client.stats())["messages_sent"]) < send:  # noqa: ASYNC110
                        await asyncio.sleep(0.2)
            finally:
                await engine.stop()
                await transport.stop()
    finally:
        await database.close()
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec. (ru_maxrss of RUSAGE_SELF
    keeps the forking parent's high-water mark across exec on Linux, so a child started by a
    61 MB parent would report at least 61 MB whatever it does.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- crash ----------------------------------------------------------------------------------
async def bench_crash(folder: Path) -> None:
    path = folder / "crash.db"
    await create_database(path)
    members = scaled(10_000)
    insert_members(path, members)
    async with sandbox_process(users=members, latency_ms=LATENCY_MS) as address:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.broadcast",
            "crash",
            str(path),
            address.url,
            address.token,
            "--start",
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        line = (await process.stdout.readline()).decode().split()
        delivery_id = int(line[1])
        delay = random.uniform(0.1, 0.8) * members / CRASH_RATE
        await asyncio.sleep(delay)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        in_flight = read_scalar(
            path, "SELECT count(*) FROM delivery_outbox WHERE status = ?", ("sending",)
        )
        sent_before = read_scalar(
            path, "SELECT count(*) FROM delivery_outbox WHERE status = ?", ("sent",)
        )
        print(
            f"# killed after {delay:.2f} s: {sent_before} rows sent, {in_flight} in flight",
            flush=True,
        )
        await child("crash", str(path), address.url, address.token, "--resume", str(delivery_id))
        async with httpx.AsyncClient(base_url=address.url) as http:
            histogram = {int(k): v for k, v in (await http.get("/bench/counts")).json().items()}
    print(f"# messages per chat: {histogram}", flush=True)
    bench("crash_in_flight", in_flight, "rows")
    bench("crash_lost", histogram.get(0, 0), "recipients")
    bench("crash_duplicates", sum(v for k, v in histogram.items() if k >= 2), "recipients")


async def crash_child(path: Path, address: SandboxAddress, resume: int | None) -> None:
    """Start a delivery to everyone (print ``STARTED id``) or resume one; run to the end."""
    database = await Database.open(path)
    config = EngineConfig(rate=CRASH_RATE)
    transport = transport_for(address, config)
    await transport.start()
    engine = DeliveryEngine(database, transport, config)
    await engine.start()
    try:
        if resume is None:
            delivery_id = await create_delivery(database)
            await engine.start_delivery(delivery_id)
            print(f"STARTED {delivery_id}", flush=True)
        else:
            delivery_id = resume
        await engine.wait_finished(delivery_id)
        print("DONE", flush=True)
    finally:
        await engine.stop()
        await transport.stop()
        await database.close()


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as name:
        folder = Path(name)
        await bench_rate(folder)
        await bench_ceiling(folder)
        await bench_scale(folder)
        await bench_crash(folder)


def main(argv: list[str] | None = None) -> None:
    """The child processes: ``rss DB URL TOKEN SEND`` and ``crash DB URL TOKEN ...``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.broadcast")
    modes = parser.add_subparsers(dest="mode", required=True)
    rss = modes.add_parser("rss")
    crash = modes.add_parser("crash")
    for mode in (rss, crash):
        mode.add_argument("db", type=Path)
        mode.add_argument("url")
        mode.add_argument("token")
    rss.add_argument("send", type=int)
    group = crash.add_mutually_exclusive_group(required=True)
    group.add_argument("--start", action="store_true")
    group.add_argument("--resume", type=int)
    args = parser.parse_args(argv)
    address = SandboxAddress(args.url, args.token)
    if args.mode == "rss":
        print(f"{asyncio.run(rss_child(args.db, address, args.send)):.1f}", flush=True)
    else:
        asyncio.run(crash_child(args.db, address, args.resume))


if __name__ == "__main__":
    main()
