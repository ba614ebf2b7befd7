"""1,000 members register at once through the sandbox; a bare echo bot takes the same load.

Both bots run as their own process against one in-process sandbox (no rate limits, so the
bots are measured, not Telegram's limits; BOT_RATE_LIMIT is raised for the same reason). Each
simulated member waits for the bot's answer before the next step, like a person. Latency is
from the member's action to the bot's last expected message for that step.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.report import bench, percentile
from bot.settings import PROJECT_ROOT
from sandbox import FaultConfig, Sandbox, SandboxClient

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000"))
REG = "v1:reg"
Action = Callable[[SandboxClient, int, dict[str, object]], Awaitable[object]]


def press(data: str) -> Action:
    async def act(client: SandboxClient, user_id: int, last: dict[str, object]) -> object:
        return await client.press(user_id, int(str(last["message_id"])), data)

    return act


def send(text: str) -> Action:
    async def act(client: SandboxClient, user_id: int, last: dict[str, object]) -> object:
        return await client.send(user_id, text)

    return act


# (action, bot messages changed by it)
REGISTRATION: list[tuple[Action, int]] = [
    (send("/start"), 2),
    (press(f"{REG}:consent:yes"), 1),
    (press(f"{REG}:type:abroad"), 1),
    (send("spain"), 1),
    (press(f"{REG}:skip"), 1),  # city
    (press(f"{REG}:skip"), 1),  # region
    (press(f"{REG}:skip"), 1),  # occupation
    (press(f"{REG}:skip"), 1),  # skills
    (press(f"{REG}:int:consular"), 1),
    (press(f"{REG}:done"), 1),
    (press(f"{REG}:skip"), 1),  # birth year
    (press(f"{REG}:skip"), 1),  # gender
    (press(f"{REG}:skip"), 1),  # intention
    (send("Skip"), 2),  # phone: acknowledgement, then the summary
    (press(f"{REG}:confirm"), 2),
]
ECHO: list[tuple[Action, int]] = [(send(f"hello {i}"), 1) for i in range(len(REGISTRATION))]


async def member(
    client: SandboxClient, user_id: int, steps: list[tuple[Action, int]], latencies: list[float]
) -> None:
    # People do not all press at the same millisecond: spread the first actions over a second.
    await asyncio.sleep(random.random())
    state = await client.chat_state(user_id)
    version = int(state["version"])
    last: dict[str, object] = {"message_id": 0}
    seen = {m["message_id"]: m for m in state["messages"]}
    for action, expected in steps:
        started = time.perf_counter()
        await action(client, user_id, last)
        changed: dict[int, dict[str, object]] = {}
        while len(changed) < expected:
            body = await client._call(
                "GET", f"users/{user_id}/chat", params={"version": version, "wait": 30}
            )
            version = int(body["version"])
            for message in body["messages"]:
                if message["sender"] == "bot" and message != seen.get(message["message_id"]):
                    changed[int(message["message_id"])] = message
        latencies.append(time.perf_counter() - started)
        last = changed[max(changed)]
        seen = {m["message_id"]: m for m in body["messages"]}


async def load(sandbox: Sandbox, steps: list[tuple[Action, int]]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    async with SandboxClient(sandbox.url, timeout=120, max_connections=None) as client:
        user_ids = []
        for _ in range(MEMBERS):
            user_ids.append(int((await client.create_user("Bench", language_code="en"))["id"]))
        started = time.perf_counter()
        await asyncio.gather(*(member(client, uid, steps, latencies) for uid in user_ids))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def start_bot(command: list[str], sandbox: Sandbox, db: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        "BOT_DB_PATH": str(db),
        "BOT_RATE_LIMIT": "100000",
    }
    process = await asyncio.create_subprocess_exec(
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
    return process


async def measure(
    command: list[str], steps: list[tuple[Action, int]], db: Path
) -> tuple[float, list[float]]:
    faults = FaultConfig(global_rate=None, per_chat_rate=None)
    async with Sandbox(port=0, faults=faults) as sandbox:
        process = await start_bot(command, sandbox, db)
        try:
            return await load(sandbox, steps)
        finally:
            process.terminate()
            await process.wait()


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ours = await measure(
            [sys.executable, "main.py", "run"], REGISTRATION, Path(folder) / "a.db"
        )
        echo = await measure(
            [sys.executable, "-m", "benchmarks.echo_bot"], ECHO, Path(folder) / "b.db"
        )
    rate, latencies = ours
    echo_rate, echo_latencies = echo
    bench("registration_p50_ms", percentile(latencies, 0.50) * 1000, "ms")
    bench("registration_p99_ms", percentile(latencies, 0.99) * 1000, "ms")
    bench("registration_updates_per_s", rate, "updates/s")
    bench("echo_updates_per_s", echo_rate, "updates/s")
    # The same latency for the bare echo bot shows how much of it the harness itself costs.
    bench("echo_p99_ms", percentile(echo_latencies, 0.99) * 1000, "ms")
    bench("registration_vs_echo_ratio", rate / echo_rate, "ratio")
