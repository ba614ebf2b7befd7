"""Process roles as an operator runs them (`main.py run --roles ...`, real child processes on
one database, SQLite or PostgreSQL, and one sandbox in the test): the sending engine killed
with SIGKILL mid-broadcast and a standby completing it; a scheduled job run by one of two
processes that own it; the sandbox served by the bot role's process and joined by another's."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.services import Services
from bot.settings import Settings
from bot.storage.database import Database
from sandbox import Sandbox, SandboxClient
from tests.auxil.broadcasting import APPROVER, consular_message_now
from tests.auxil.chat import ChatUser
from tests.auxil.ecb import RATE_DATE, RATES, ecb_xml
from tests.auxil.process import BotProcess, free_port, in_flight_taken_over
from tests.broadcasts.builders import add_member

MEMBERS = 200
WEBHOOK_SECRET = "right-secret-of-24-chars"


def bot_env(sandbox: Sandbox, database: Path | str, **more: str) -> dict[str, str]:
    """A process on the SQLite file or the PostgreSQL URL ``database`` (Settings.database)."""
    where = "BOT_DATABASE_URL" if isinstance(database, str) else "BOT_DB_PATH"
    return {
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        where: str(database),
        **more,
    }


async def add_members(client: SandboxClient, database: Database) -> list[int]:
    users = []
    for index in range(MEMBERS):
        user = await client.create_user(f"Member{index}", "en")
        await add_member(database, user["id"])
        users.append(int(user["id"]))
    return users


async def broadcast_now(services: Services) -> None:
    """An announcement to everyone, due now and approved: the sending engine's sweep starts it."""
    created = await services.broadcasts.create(
        consular_message_now("Consular notice"), datetime.now(UTC)
    )
    await services.broadcasts.approve(created.broadcast.id, APPROVER)


async def wait_for_sent(client: SandboxClient, count: int) -> None:
    for _ in range(1200):
        if int((await client.stats())["messages_sent"]) >= count:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {count} messages sent")


@pytest.mark.slow
async def test_a_standby_engine_completes_the_broadcast_of_a_killed_one(
    settings: Settings, services: Services, sandbox: Sandbox, client: SandboxClient
) -> None:
    users = await add_members(client, services.database)
    env = bot_env(sandbox, settings.database, BOT_RATE_LIMIT="20")
    sending = await BotProcess.start(env, "--roles", "engine")
    standby: BotProcess | None = None
    try:
        await sending.wait_for_line("Delivery engine started", timeout=60)
        standby = await BotProcess.start(env, "--roles", "engine")
        await standby.wait_for_line("stands by to take over", timeout=60)
        await broadcast_now(services)
        await wait_for_sent(client, MEMBERS // 4)
        await sending.stop(signal.SIGKILL)
        await standby.wait_for_line("now sends broadcasts", timeout=60)
        await standby.wait_for_line(" done", timeout=120)
    finally:
        if sending.process.returncode is None:
            await sending.stop(signal.SIGKILL)
        if standby is not None:
            assert await standby.stop() == 0, "".join(standby.output)
    received = [
        sum(1 for message in await client.chat(user) if message["sender"] == "bot")
        for user in users
    ]
    in_flight = in_flight_taken_over(standby.output)
    assert min(received) == 1, "a member got nothing"
    assert sum(received) - MEMBERS <= in_flight
    assert "Traceback" not in "".join(standby.output)


@pytest.fixture
async def ecb() -> AsyncIterator[tuple[str, list[str]]]:
    """A local ECB serving the day's rates: its address and the requests it got."""
    requests: list[str] = []

    async def rates(request: web.Request) -> web.Response:
        requests.append(request.path)
        return web.Response(body=ecb_xml(RATE_DATE, RATES), content_type="text/xml")

    app = web.Application()
    app.router.add_get("/rates.xml", rates)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/rates.xml", requests
    finally:
        await runner.cleanup()


async def test_a_job_runs_in_one_of_two_processes_that_own_it(
    database: Database, sandbox: Sandbox, ecb: tuple[str, list[str]]
) -> None:
    url, requests = ecb  # the database is migrated: the two processes start on it at once
    bots = []
    try:
        for _ in range(2):
            port = free_port()
            env = bot_env(
                sandbox,
                database.target,
                ECB_RATES_URL=url,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                WEBHOOK_SECRET=WEBHOOK_SECRET,
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
            )
            bots.append(await BotProcess.start(env, "--roles", "bot"))
        # The first refresh runs a few seconds after each start: in one process only.
        for bot in bots:
            await bot.wait_for_line("job:rates-first runs in", timeout=60)
        lines = ["".join(bot.output) for bot in bots]
        assert sorted("job:rates-first runs in this process" in text for text in lines) == [
            False,
            True,
        ]
        ran = next(bot for bot, text in zip(bots, lines, strict=True) if "this process" in text)
        await ran.wait_for_line("Exchange rates refresh: ", timeout=30)
    finally:
        for bot in bots:
            assert await bot.stop() == 0, "".join(bot.output)
    assert requests == ["/rates.xml"]
    assert not any("Exchange rates refresh" in line for line in lines[1 - bots.index(ran)])


async def test_sandbox_roles_in_two_processes_share_the_bots_sandbox(tmp_path: Path) -> None:
    sandbox_port, console_port = free_port(), free_port()
    env = {"BOT_DB_PATH": str(tmp_path / "bot.sqlite3"), "SANDBOX_PORT": str(sandbox_port)}
    bot = await BotProcess.start(env, "--sandbox", "--roles", "bot")
    others: BotProcess | None = None
    try:
        await bot.wait_for_line("Receiving updates by long polling", timeout=60)
        others = await BotProcess.start(
            {**env, "CONSOLE_PORT": str(console_port)}, "--sandbox", "--roles", "engine,console"
        )
        await others.wait_for_line("Running the roles engine,console", timeout=60)
        async with SandboxClient(f"http://127.0.0.1:{sandbox_port}") as client:
            user = await ChatUser.create(client, "Member", "en")
            greeting, _consent = await user.send("/start")
            assert "Welcome" in greeting["text"]
        async with httpx.AsyncClient() as http:
            console = await http.get(f"http://127.0.0.1:{console_port}/")
        assert console.status_code < 400
    finally:
        assert await bot.stop() == 0, "".join(bot.output)
        if others is not None:
            assert await others.stop() == 0, "".join(others.output)
    output = "".join(others.output)
    assert "Sandbox web chat" not in output and "Receiving updates" not in output
    assert "Delivery engine started" in output
