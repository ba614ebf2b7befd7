"""Shared pieces of the broadcast and poll benchmarks.

- :func:`insert_members`: registered members inserted in bulk inside SQLite (a recursive CTE,
  no row through Python), with varied breakdown attributes; member ``i`` has Telegram user id
  ``FIRST_USER_ID + i - 1``, the id the sandbox gives its ``i``-th user.
- A sandbox in its own process: ``python -m benchmarks.support --users N --rate R ...``
  constructs ``Sandbox(FaultConfig(...))`` (``main.py sandbox`` has no rate or burst flags),
  creates ``N`` users directly in its state (10,000 HTTP calls would dominate the set-up), and
  adds one read-only route, ``GET /bench/counts``: how many chats hold 0, 1, 2, ... bot
  messages, for the crash benchmark's loss and duplicate counts.
  :func:`sandbox_process` starts it and yields its address.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.settings import PROJECT_ROOT
from bot.storage.database import Database
from sandbox import FaultConfig, Sandbox
from sandbox.state import FIRST_USER_ID

#: Values the bulk-inserted members cycle through (so breakdowns have several groups).
CONSULATES = ("dubai", "riyadh", "madrid", "rome", "hongkong")
COUNTRIES = ("AE", "SA", "ES", "IT", "HK", "QA", "KW")
MEMBER_TYPES = ("abroad", "leaving", "returned")
GENDERS = ("female", "male", "other", "undisclosed")
LANGUAGES = ("en", "fil", "ar", "es", "fr", "pt")


def scale() -> float:
    """``BENCH_SCALE`` (default 1): every size is multiplied by it, for a quick run."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def scaled(size: int, minimum: int = 100) -> int:
    return max(minimum, int(size * scale()))


def _case(column: str, values: tuple[str, ...], stride: int = 1) -> str:
    """A SQL expression picking one of ``values`` from the CTE counter ``n``."""
    arms = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ((n / {stride}) % {len(values)}) {arms} END AS {column}"


async def create_database(path: Path) -> None:
    """An empty database with every migration applied."""
    database = await Database.open(path)
    await database.close()


#: ``count`` registered members after the highest id, in one portable INSERT ... SELECT
#: (parameters: the highest id, it plus count - 1, the first Telegram user id).
_INSERT_MEMBERS = (
    "WITH RECURSIVE seq(n) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT n + 1 FROM seq"
    " WHERE n < ?)"
    " INSERT INTO members (id, telegram_user_id, language, reachable, status,"
    " consent_version, consent_at, registered_at, member_type, country, consulate_id,"
    " birth_year, gender, announcements, created_at, updated_at)"
    " SELECT n + 1, ? + n, "
    + ", ".join(
        (
            _case("language", LANGUAGES),
            "1, 'registered', 'bench-1', '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00'",
            _case("member_type", MEMBER_TYPES, 7),
            _case("country", COUNTRIES, 3),
            _case("consulate_id", CONSULATES, 11),
            "1950 + (n * 7919) % 55",
            _case("gender", GENDERS, 13),
            "1, '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00'",
        )
    )
    + " FROM seq"
)


def insert_members(path: Path, count: int) -> None:
    """Insert ``count`` registered members (ids 1..count) into the SQLite file, quickly."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        first = connection.execute("SELECT coalesce(max(id), 0) FROM members").fetchone()[0]
        connection.execute(_INSERT_MEMBERS, (first, first + count - 1, FIRST_USER_ID))
        connection.commit()
    finally:
        connection.close()


async def insert_members_into(database: Database, count: int) -> None:
    """The same members through the ``Database`` interface (either engine)."""
    async with database.transaction() as tx:
        row = await tx.fetch_one("SELECT coalesce(max(id), 0) FROM members")
        first = int(row[0]) if row else 0
        await tx.execute(_INSERT_MEMBERS, (first, first + count - 1, FIRST_USER_ID))


def read_scalar(path: Path, sql: str, parameters: tuple[object, ...] = ()) -> int:
    """One integer from a read-only query (its own connection: safe while others write)."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        return int(connection.execute(sql, parameters).fetchone()[0])
    finally:
        connection.close()


# --- the bot's process ----------------------------------------------------------------------
async def started_bot(
    env: dict[str, str], command: tuple[str, ...] = ("main.py", "run")
) -> tuple[asyncio.subprocess.Process, asyncio.Task[None]]:
    """A bot (``python COMMAND``) started with ``env`` and taking updates; and the task that
    keeps reading its log, so a full pipe never blocks it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(60):
        while b"Receiving updates" not in await process.stdout.readline():
            pass
    return process, asyncio.create_task(_drain(process))


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.readline():
        pass


# --- the sandbox process --------------------------------------------------------------------
@dataclass(frozen=True)
class SandboxAddress:
    url: str
    token: str

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.url}/bot"


@contextlib.asynccontextmanager
async def sandbox_process(
    *,
    users: int,
    latency_ms: float = 0.0,
    rate: float | None = None,
    burst: float | None = None,
) -> AsyncIterator[SandboxAddress]:
    """Run the sandbox in a child process with ``users`` users; per-chat limit off."""
    command = [sys.executable, "-m", "benchmarks.support", "--users", str(users)]
    command += ["--latency-ms", str(latency_ms)]
    if rate is not None:
        command += ["--rate", str(rate)]
    if burst is not None:
        command += ["--burst", str(burst)]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(120):
            line = (await process.stdout.readline()).decode().split()
        if len(line) != 3 or line[0] != "SANDBOX":
            raise RuntimeError(f"the sandbox process did not start: {line}")
        yield SandboxAddress(line[1], line[2])
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()


class _BenchSandbox(Sandbox):
    """The sandbox plus ``GET /bench/counts`` (bot messages per chat, as a histogram)."""

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.add_routes([web.get("/bench/counts", self._counts)])
        return app

    async def _counts(self, request: web.Request) -> web.StreamResponse:
        histogram = Counter(
            sum(1 for message in chat if message.sender == "bot")
            for chat in self.state.chats.values()
        )
        return web.json_response({str(k): v for k, v in sorted(histogram.items())})


async def _serve(args: argparse.Namespace) -> None:
    # A client killed mid-request (the crash benchmark) is expected, not worth a traceback.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    faults = FaultConfig(
        latency_ms=args.latency_ms,
        global_rate=args.rate,
        global_burst=args.burst,
        per_chat_rate=None,
    )
    sandbox = _BenchSandbox(port=0, faults=faults)
    for index in range(args.users):
        sandbox.state.add_user(f"Member{index}", LANGUAGES[index % len(LANGUAGES)])
    await sandbox.start()
    print(f"SANDBOX {sandbox.url} {sandbox.token}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the sandbox for the benchmarks")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=None, help="global messages/s")
    parser.add_argument("--burst", type=float, default=None, help="global burst (messages)")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
