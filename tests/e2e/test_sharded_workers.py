"""Sharded workers (issue 14, item 3), as an operator runs them: two `main.py run` processes
with BOT_SHARDS on one database behind one webhook address (a reverse proxy passing each call
to the first receiver that answers). A member is mid-registration when the process working on
their shard is killed with SIGKILL; the other process takes the shard over and finishes the
registration from the state in the database, losing no update and handling none twice."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.storage.database import Database
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.process import BotProcess, free_port
from tests.auxil.proxy import FailoverProxy
from tests.e2e.test_registration import start_and_consent

REG = "v1:reg"
SECRET = "right-secret-of-24-chars"
SHARDS = 2
STEP_TIMEOUT = 60.0  # a takeover, then the bot's own pace per chat
# The questions after the region, each skipped, before the summary.
QUESTIONS_AFTER_REGION = ("work", "hear about", "born", "gender")


@pytest.fixture
async def external_sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(port=0, faults=FaultConfig(global_rate=None, per_chat_rate=None)) as server:
        yield server


def worker_env(
    sandbox: Sandbox, database: Path | str, webhook_url: str, port: int
) -> dict[str, str]:
    where = "BOT_DATABASE_URL" if isinstance(database, str) else "BOT_DB_PATH"
    return {
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        where: str(database),
        "BOT_SHARDS": str(SHARDS),
        "WEBHOOK_URL": webhook_url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


async def shard_holder_pid(db: Database, shard: int) -> int:
    row = await db.fetch_one("SELECT holder FROM leases WHERE name = ?", (f"shard-{shard}",))
    assert row is not None
    return int(str(row[0]).rsplit(":", 2)[1])


async def queue_counts(db: Database) -> tuple[int, int]:
    """(updates waiting, updates handled) in the inbound queue, as committed."""
    row = await db.fetch_one(
        "SELECT count(*) - coalesce(sum(handled), 0), coalesce(sum(handled), 0)"
        " FROM inbound_updates"
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def queue_drained(db: Database) -> None:
    """Wait until no update waits: the last reply's update is marked handled too."""
    for _ in range(600):
        if (await queue_counts(db))[0] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the inbound queue did not drain")


async def step(user: ChatUser, question: Message, data: str) -> Message:
    """Press a button; exactly one message answers it (two: it was handled twice)."""
    (answer,) = await user.choose(question, data, timeout=STEP_TIMEOUT)
    return answer


@pytest.mark.slow
async def test_a_standby_finishes_a_registration_after_the_shards_worker_is_killed(
    settings: Settings, external_sandbox: Sandbox
) -> None:
    database = settings.database
    ports = [free_port(), free_port()]
    proxy = FailoverProxy([f"http://127.0.0.1:{port}/telegram" for port in ports])
    processes: list[BotProcess] = []
    async with (
        proxy.serving("/telegram") as webhook_url,
        SandboxClient(external_sandbox.url) as client,
    ):
        try:
            for port in ports:  # one after the other: the first creates the database
                process = await BotProcess.start(
                    worker_env(external_sandbox, database, webhook_url, port)
                )
                processes.append(process)
                await process.wait_for_line("Receiving updates by webhook", timeout=60)
            await processes[1].wait_for_line("Inbound: took shard", timeout=60)
            await processes[0].wait_for_line("Inbound: gave up shard", timeout=60)
            db = await Database.open(database, create=False)

            user = await ChatUser.create(client, "Shard", "en")
            question = await start_and_consent(user)
            question = await step(user, question, f"{REG}:type:abroad")
            (question,) = await user.send("portugal", timeout=STEP_TIMEOUT)
            assert "region" in question["text"].lower()
            await queue_drained(db)
            handled_before_kill = (await queue_counts(db))[1]

            owner_pid = await shard_holder_pid(db, user.id % SHARDS)
            (owner,) = [p for p in processes if p.process.pid == owner_pid]
            (standby,) = [p for p in processes if p is not owner]
            await owner.stop(signal.SIGKILL)

            question = await step(user, question, f"{REG}:region:bicol")
            await standby.wait_for_line(f"Inbound: took shard {user.id % SHARDS}")
            asked = [question["text"]]
            while f"{REG}:confirm" not in str(question.get("inline_keyboard", [])):
                question = await step(user, question, f"{REG}:skip")
                asked.append(question["text"])
            done = await step(user, question, f"{REG}:confirm")
            assert "You are registered" in done["text"]
            await queue_drained(db)
            members = [
                tuple(row)
                for row in await db.fetch_all("SELECT country, region_id, status FROM members")
            ]
            counts = await queue_counts(db)
            await db.close()
        finally:
            for process in processes:
                await process.stop()
    # Each question once, in order: an update handled twice would have skipped one.
    assert len(asked) == len(QUESTIONS_AFTER_REGION) + 1
    for question_text, expected in zip(asked, QUESTIONS_AFTER_REGION, strict=False):
        assert expected in question_text
    assert "Portugal" in asked[-1] and "Bicol" in asked[-1]
    assert members == [("PT", "bicol", "registered")]
    # The presses since the kill: the region, a skip per question, the confirmation.
    assert counts == (0, handled_before_kill + len(asked) + 1)
