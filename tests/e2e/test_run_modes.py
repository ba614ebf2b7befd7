"""`python main.py run` as an operator starts it: sandbox mode, long polling with a token,
webhook with a secret; and a clean stop on SIGTERM and SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.settings import PROJECT_ROOT
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.chat import ChatUser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """main.py run in a child process, read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output: list[str] = []

    @classmethod
    async def start(cls, env: dict[str, str]) -> BotProcess:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BOT_", "TELEGRAM_", "WEBHOOK_", "SANDBOX_"))
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROJECT_ROOT / "main.py"),
            "run",
            env={**clean, **env},
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def wait_for_line(self, needle: str, timeout: float = 20) -> str:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError("the bot exited:\n" + "".join(self.output))
                line = raw.decode()
                self.output.append(line)
                if needle in line:
                    return line

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        assert self.process.stdout is not None
        rest = await asyncio.wait_for(self.process.stdout.read(), timeout=20)
        self.output.append(rest.decode())
        return await self.process.wait()


@pytest.fixture
async def external_sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(port=0, faults=FaultConfig(global_rate=None, per_chat_rate=None)) as server:
        yield server


async def test_sandbox_mode_serves_the_web_chat_and_answers_within_a_second(tmp_path: Path) -> None:
    port = free_port()
    db_path = tmp_path / "bot.sqlite3"
    bot = await BotProcess.start({"SANDBOX_PORT": str(port), "BOT_DB_PATH": str(db_path)})
    try:
        line = await bot.wait_for_line("Sandbox web chat:")
        assert f"http://127.0.0.1:{port}/" in line
        await bot.wait_for_line("Receiving updates by long polling")
        async with httpx.AsyncClient() as http:
            page = await http.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            user = await ChatUser.create(client, "Operator", "fr")
            started = time.monotonic()
            greeting, _consent = await user.send("/start", timeout=1.0)
            assert time.monotonic() - started < 1.0
            assert "Bienvenue" in greeting["text"]
            (menu,) = await user.send("/language")
            await user.press(menu, "Español")
    finally:
        code = await bot.stop(signal.SIGINT)
    assert code == 0, "".join(bot.output)
    assert "Traceback" not in "".join(bot.output)
    # Every write finished before exit: the language choice is in the file.
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT language FROM members").fetchall() == [("es",)]


async def test_long_polling_with_a_token(tmp_path: Path, external_sandbox: Sandbox) -> None:
    bot = await BotProcess.start(
        {
            "TELEGRAM_BOT_TOKEN": external_sandbox.token,
            "TELEGRAM_API_BASE_URL": external_sandbox.bot_api_base_url,
            "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        }
    )
    try:
        await bot.wait_for_line("Receiving updates by long polling")
        async with SandboxClient(external_sandbox.url) as client:
            user = await ChatUser.create(client, "Polling", "es")
            greeting, _consent = await user.send("/start")
            assert "¡Bienvenido!" in greeting["text"]
    finally:
        code = await bot.stop()
    assert code == 0, "".join(bot.output)
    assert "Sandbox web chat" not in "".join(bot.output)


async def test_webhook_checks_the_secret(tmp_path: Path, external_sandbox: Sandbox) -> None:
    port = free_port()
    bot = await BotProcess.start(
        {
            "TELEGRAM_BOT_TOKEN": external_sandbox.token,
            "TELEGRAM_API_BASE_URL": external_sandbox.bot_api_base_url,
            "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_SECRET": "right-secret",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
    )
    try:
        await bot.wait_for_line("Receiving updates by webhook")
        async with SandboxClient(external_sandbox.url) as client:
            user = await ChatUser.create(client, "Hooked", "pt")
            greeting, _consent = await user.send("/start")
            assert "Bem-vindo!" in greeting["text"]
            forged = {
                "update_id": 999999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "/start",
                    "chat": {"id": user.id, "type": "private", "first_name": "x"},
                    "from": {"id": user.id, "is_bot": False, "first_name": "x"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with httpx.AsyncClient() as http:
                for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
                    refused = await http.post(
                        f"http://127.0.0.1:{port}/telegram", json=forged, headers=headers
                    )
                    assert refused.status_code == 403
            await asyncio.sleep(0.3)
            assert len(await user.bot_messages()) == 2  # the forged update was not processed
    finally:
        code = await bot.stop()
    assert code == 0, "".join(bot.output)
