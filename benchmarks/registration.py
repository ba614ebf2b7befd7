"""Registration (issue 3): 1,000 members register at once; a bare echo bot takes the same load.

Three processes share the machine: the sandbox (``benchmarks.support``, no rate limits, so the
bots are measured and not Telegram's limits), the bot under test, and this one, which plays
the members. Members speak the six sample languages in turn and type their country of
residence in their own language (babel's name for Spain). Each member waits for the bot's
answer before the next step. Latency is from the member's action to the last bot message
that step changes, as the member sees it.

Two loads, each run against our bot and then a bare python-telegram-bot echo bot:

- **Capacity**: every member acts the moment the bot has answered. This is the most updates
  per second the bot can take (``registration_updates_per_s``, ``echo_updates_per_s``, their
  ratio); the latency under it is queueing, printed as ``*_saturated_p99_ms``.
- **Latency**: the same members at a person's pace: before each step a member reads and taps
  for a think time drawn uniformly from ``BENCH_THINK_S`` (default 2-8 s, a quick tap to
  typing a country on a phone). ``registration_p50_ms`` and ``registration_p99_ms`` are the
  replies' latency under it. With no think time the latency only says how long the queue is:
  1,000 members waiting at once with a 250 ms p99 would need 4,000 replies a second.

On PostgreSQL (issue 14): the capacity run again with the bot's database on a throwaway
PostgreSQL server (tests/auxil/postgres.py, from the system's binaries), alternating with
SQLite runs on the same harness; ``pg_registration_vs_sqlite_ratio`` is the median PostgreSQL
rate over the median SQLite rate (goal >= 0.8). Skipped, and said so, without PostgreSQL.

``BENCH_MEMBERS`` (default 1000, or 1000 times ``BENCH_SCALE``) sets the number of members.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from babel import Locale

from benchmarks.report import bench, median, percentile
from benchmarks.support import (
    LANGUAGES,
    SandboxAddress,
    read_scalar,
    sandbox_process,
    scaled,
    started_bot,
)
from bot.storage.database import Database
from sandbox.state import FIRST_USER_ID
from tests.auxil.postgres import PostgresServer, PostgresUnavailable

MEMBERS = int(os.environ.get("BENCH_MEMBERS", scaled(1000, minimum=20)))
#: Capacity runs on each engine for the PostgreSQL comparison (their medians are compared).
PG_TURNS = int(os.environ.get("BENCH_PG_TURNS", "3"))
REG = "v1:reg"
Chat = dict[str, Any]


class Members:
    """The members' side of the sandbox, over one aiohttp session.

    Lighter than :class:`sandbox.SandboxClient` (httpx): with a thousand members the load
    generator must not be the first process to run out of CPU.
    """

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.api = f"{url}/sandbox/api/users"

    async def send(self, user_id: int, text: str) -> None:
        await self._post(user_id, "send", {"text": text})

    async def press(self, user_id: int, message_id: int, data: str) -> None:
        await self._post(user_id, "press", {"message_id": message_id, "data": data})

    async def chat(self, user_id: int, version: int | None = None, after: int = 0) -> Chat:
        """The chat after message ``after``, waiting until it changes past ``version``."""
        params = {"after": str(after)}
        if version is not None:
            params.update(version=str(version), wait="60")
        async with self.session.get(f"{self.api}/{user_id}/chat", params=params) as response:
            response.raise_for_status()
            chat: Chat = await response.json()
            return chat

    async def _post(self, user_id: int, what: str, body: dict[str, object]) -> None:
        async with self.session.post(f"{self.api}/{user_id}/{what}", json=body) as response:
            response.raise_for_status()


#: One member action: (members, user id, the chat as last seen, the bot's latest message id).
Action = Callable[[Members, int, Chat, int], Awaitable[None]]


def think_range() -> tuple[float, float]:
    low, _, high = os.environ.get("BENCH_THINK_S", "2-8").partition("-")
    return float(low), float(high or low)


def press(data: str) -> Action:
    async def act(members: Members, user_id: int, chat: Chat, last_bot_message: int) -> None:
        await members.press(user_id, last_bot_message, data)

    return act


def send(text: str) -> Action:
    async def act(members: Members, user_id: int, chat: Chat, last_bot_message: int) -> None:
        await members.send(user_id, text)

    return act


async def type_country(members: Members, user_id: int, chat: Chat, last_bot_message: int) -> None:
    language = LANGUAGES[(user_id - FIRST_USER_ID) % len(LANGUAGES)]
    await members.send(user_id, Locale.parse(language).territories["ES"])


# (action, bot messages changed by it)
REGISTRATION: list[tuple[Action, int]] = [
    (send("/start"), 2),
    (press(f"{REG}:consent:yes"), 1),
    (press(f"{REG}:type:abroad"), 1),
    (type_country, 1),
    (press(f"{REG}:skip"), 1),  # region
    (press(f"{REG}:skip"), 1),  # occupation
    (press(f"{REG}:int:consular"), 1),
    (press(f"{REG}:done"), 1),
    (press(f"{REG}:skip"), 1),  # birth year
    (press(f"{REG}:skip"), 1),  # gender: then the summary
    (press(f"{REG}:confirm"), 2),
]
ECHO: list[tuple[Action, int]] = [(send(f"hello {i}"), 1) for i in range(len(REGISTRATION))]


@dataclass
class Run:
    """What one load against one bot measured."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def updates_per_s(self) -> float:
        return len(self.latencies) / self.elapsed


async def member(
    members: Members,
    user_id: int,
    steps: list[tuple[Action, int]],
    think: tuple[float, float] | None,
    run: Run,
) -> None:
    # People do not all press at the same millisecond: spread the first actions over a second.
    await asyncio.sleep(random.random())
    chat = await members.chat(user_id)
    seen = {m["message_id"]: m for m in chat["messages"]}
    last_bot_message_id = 0
    for action, expected in steps:
        if think:
            await asyncio.sleep(random.uniform(*think))
        started = time.perf_counter()
        await action(members, user_id, chat, last_bot_message_id)
        changed: dict[int, Chat] = {}
        while len(changed) < expected:
            # Only the pressed message and newer ones can change.
            chat = await members.chat(user_id, chat["version"], after=last_bot_message_id - 1)
            for message in chat["messages"]:
                if message["sender"] == "bot" and message != seen.get(message["message_id"]):
                    changed[message["message_id"]] = message
                seen[message["message_id"]] = message
        run.latencies.append(time.perf_counter() - started)
        last_bot_message_id = max(changed)


async def load(
    sandbox: SandboxAddress,
    users: range,
    steps: list[tuple[Action, int]],
    think: tuple[float, float] | None,
) -> Run:
    run = Run()
    connector = aiohttp.TCPConnector(limit=0)  # every member holds a long poll at once
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        members = Members(session, sandbox.url)
        started = time.perf_counter()
        await asyncio.gather(*(member(members, uid, steps, think, run) for uid in users))
        run.elapsed = time.perf_counter() - started
    return run


async def start_bot(
    command: list[str], sandbox: SandboxAddress, db: Path | str
) -> asyncio.subprocess.Process:
    """``python COMMAND`` on the SQLite file ``db``, or the PostgreSQL database its URL names."""
    where = {"BOT_DATABASE_URL": db} if isinstance(db, str) else {"BOT_DB_PATH": str(db)}
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        "BOT_RATE_LIMIT": "100000",
        **where,
    }
    process, _log = await started_bot(env, tuple(command))
    return process


async def measure(
    command: list[str], steps: list[tuple[Action, int]], databases: Path
) -> tuple[Run, Run]:
    """The capacity run, then the paced run, each with fresh members and a fresh database
    (``databases`` with ``-0.db`` and ``-1.db`` appended)."""
    runs: list[Run] = []
    for think in (None, think_range()):
        async with sandbox_process(users=MEMBERS) as sandbox:
            database = databases.with_name(f"{databases.name}-{len(runs)}.db")
            process = await start_bot(command, sandbox, database)
            try:
                users = range(FIRST_USER_ID, FIRST_USER_ID + MEMBERS)
                runs.append(await load(sandbox, users, steps, think))
            finally:
                process.terminate()
                await process.wait()
    return runs[0], runs[1]


def check_everyone_registered(database: Path) -> None:
    """A reply is not enough: every simulated member must end up registered."""
    registered = read_scalar(database, "SELECT count(*) FROM members WHERE status = 'registered'")
    if registered != MEMBERS:
        raise RuntimeError(f"{database.name}: {registered} of {MEMBERS} members registered")


async def capacity_on(database: Path | str) -> Run:
    """One capacity run of our bot with fresh members on ``database``; all must register."""
    async with sandbox_process(users=MEMBERS) as sandbox:
        process = await start_bot(["main.py", "run"], sandbox, database)
        try:
            users = range(FIRST_USER_ID, FIRST_USER_ID + MEMBERS)
            run = await load(sandbox, users, REGISTRATION, None)
        finally:
            process.terminate()
            await process.wait()
    opened = await Database.open(database, create=False)
    try:
        row = await opened.fetch_one("SELECT count(*) FROM members WHERE status = 'registered'")
    finally:
        await opened.close()
    if row is None or row[0] != MEMBERS:
        raise RuntimeError(f"{database}: not every member registered")
    return run


async def postgres_against_sqlite(folder: Path) -> None:
    """``pg_registration_vs_sqlite_ratio``: capacity runs alternating between a fresh SQLite
    file and a fresh PostgreSQL database, compared by their medians."""
    try:
        server = await asyncio.to_thread(PostgresServer.start)  # it runs a loop of its own
    except PostgresUnavailable as exc:
        print(f"SKIPPED pg_registration_vs_sqlite_ratio: {exc}", flush=True)
        return
    sqlite_rates: list[float] = []
    postgres_rates: list[float] = []
    try:
        for turn in range(PG_TURNS):
            sqlite_rates.append((await capacity_on(folder / f"pg-cmp-{turn}.db")).updates_per_s)
            postgres_rates.append((await capacity_on(server.fresh_database())).updates_per_s)
    finally:
        server.stop()
    bench("registration_sqlite_updates_per_s", median(sqlite_rates), "updates/s")
    bench("registration_pg_updates_per_s", median(postgres_rates), "updates/s")
    bench("pg_registration_vs_sqlite_ratio", median(postgres_rates) / median(sqlite_rates), "ratio")


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ours = await measure(["main.py", "run"], REGISTRATION, Path(folder) / "ours")
        for run_number in (0, 1):
            check_everyone_registered(Path(folder) / f"ours-{run_number}.db")
        echo = await measure(["-m", "benchmarks.echo_bot"], ECHO, Path(folder) / "echo")
    (capacity, paced), (echo_capacity, echo_paced) = ours, echo
    bench("registration_p50_ms", percentile(paced.latencies, 0.50) * 1000, "ms")
    bench("registration_p99_ms", percentile(paced.latencies, 0.99) * 1000, "ms")
    bench("echo_p99_ms", percentile(echo_paced.latencies, 0.99) * 1000, "ms")
    bench("registration_updates_per_s", capacity.updates_per_s, "updates/s")
    bench("echo_updates_per_s", echo_capacity.updates_per_s, "updates/s")
    bench(
        "registration_vs_echo_ratio", capacity.updates_per_s / echo_capacity.updates_per_s, "ratio"
    )
    bench("registration_saturated_p99_ms", percentile(capacity.latencies, 0.99) * 1000, "ms")
    bench("echo_saturated_p99_ms", percentile(echo_capacity.latencies, 0.99) * 1000, "ms")
    bench("registration_paced_updates_per_s", paced.updates_per_s, "updates/s")
    with tempfile.TemporaryDirectory() as folder:
        await postgres_against_sqlite(Path(folder))
