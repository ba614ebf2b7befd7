"""`python main.py run` as an operator starts it: the sandbox (`--sandbox`), long polling with a
token, webhook with a secret; a clean stop on SIGTERM and SIGINT; one line for a refused token."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import Settings
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.database import database_env, read_all
from tests.auxil.process import BotProcess, free_port

WEBHOOK_SECRET = "right-secret-of-24-chars"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_env(sandbox: Sandbox, database: Path | str, port: int) -> dict[str, str]:
    """A bot on ``sandbox``'s token, taking updates by webhook at 127.0.0.1:port/telegram."""
    return {
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_BASE_URL": sandbox.bot_api_base_url,
        **database_env(database),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


@pytest.fixture
async def external_sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(port=0, faults=FaultConfig(global_rate=None, per_chat_rate=None)) as server:
        yield server


async def test_sandbox_mode_serves_the_web_chat_and_answers_within_a_second(
    settings: Settings,
) -> None:
    port = free_port()
    bot = await BotProcess.start(
        {"SANDBOX_PORT": str(port), **database_env(settings.database)}, "--sandbox"
    )
    try:
        line = await bot.wait_for_line("Sandbox web chat:")
        assert f"http://127.0.0.1:{port}/" in line
        assert "new users are numbered from 5000001" in line  # a new database
        await bot.wait_for_line("Receiving updates by long polling")
        async with httpx.AsyncClient() as http:
            page = await http.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            user = await ChatUser.create(client, "Operator", "fr")
            started = time.monotonic()
            greeting, consent = await user.send("/start", timeout=1.0)
            assert time.monotonic() - started < 1.0
            assert "Bienvenue" in greeting["text"]
            await user.choose(consent, "v1:reg:consent:yes")  # from now on, a row
            (menu,) = await user.send("/language")
            await user.press(menu, "Español")
    finally:
        code = await bot.stop(signal.SIGINT)
    assert code == 0, "".join(bot.output)
    assert "Traceback" not in "".join(bot.output)
    # Every write finished before exit: the language choice is in the database.
    assert await read_all(settings.database, "SELECT language FROM members") == [("es",)]
    assert await read_all(settings.database, "SELECT mode FROM deployment_mode") == [("sandbox",)]


async def test_long_polling_with_a_token(settings: Settings, external_sandbox: Sandbox) -> None:
    bot = await BotProcess.start(
        {
            "TELEGRAM_BOT_TOKEN": external_sandbox.token,
            "TELEGRAM_API_BASE_URL": external_sandbox.bot_api_base_url,
            **database_env(settings.database),
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
    modes = await read_all(settings.database, "SELECT mode FROM deployment_mode")
    assert modes == [("telegram",)]


async def test_webhook_checks_the_secret(settings: Settings, external_sandbox: Sandbox) -> None:
    port = free_port()
    bot = await BotProcess.start(webhook_env(external_sandbox, settings.database, port))
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
                for headers in ({SECRET_HEADER: "wrong"}, {}):
                    refused = await http.post(
                        f"http://127.0.0.1:{port}/telegram", json=forged, headers=headers
                    )
                    assert refused.status_code == 403
            await asyncio.sleep(0.3)
            assert len(await user.bot_messages()) == 2  # the forged update was not processed
    finally:
        code = await bot.stop()
    assert code == 0, "".join(bot.output)


def staff_add_update(update_id: int, admin_id: int, new_admin_id: int) -> dict[str, Any]:
    """An update in which ``admin_id`` sends ``/staff add <new_admin_id> admin``."""
    text = f"/staff add {new_admin_id} admin"
    person = {"id": admin_id, "is_bot": False, "first_name": "Admin"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {**person, "type": "private"},
            "from": person,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/staff")}],
        },
    }


async def staff_and_audit(database: Path | str) -> tuple[list[tuple[int, str]], list[str]]:
    """Staff rows (id, role) and the subjects of every staff.put audit entry."""
    staff = await read_all(database, "SELECT telegram_user_id, role FROM staff ORDER BY 1")
    subjects = await read_all(
        database, "SELECT subject FROM audit_log WHERE action = 'staff.put' ORDER BY id"
    )
    return staff, [subject for (subject,) in subjects]


async def test_forged_webhook_posts_from_an_admin_change_nothing(
    settings: Settings, external_sandbox: Sandbox
) -> None:
    """Regression: in webhook mode without WEBHOOK_SECRET, one forged POST "from" an admin
    created a new admin. Now a POST without the secret, with a wrong one, or too big is
    refused before it reaches the bot; only the right secret gets an update processed."""
    port = free_port()
    db_path = settings.database
    url = f"http://127.0.0.1:{port}/telegram"
    async with SandboxClient(external_sandbox.url) as client:
        admin = await ChatUser.create(client, "Admin", "en")
        env = webhook_env(external_sandbox, db_path, port)
        bot = await BotProcess.start({**env, "BOT_ADMIN_IDS": str(admin.id)})
        try:
            await bot.wait_for_line("Receiving updates by webhook")
            oversized = json.dumps(staff_add_update(3, admin.id, 777_000_003)) + " " * 2**21
            async with httpx.AsyncClient() as http:
                no_secret = await http.post(url, json=staff_add_update(1, admin.id, 777_000_001))
                wrong_secret = await http.post(
                    url,
                    json=staff_add_update(2, admin.id, 777_000_002),
                    headers={SECRET_HEADER: "wrong-secret-of-24-chars"},
                )
                too_big = await http.post(
                    url,
                    content=oversized.encode(),
                    headers={SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"},
                )
                assert [no_secret.status_code, wrong_secret.status_code, too_big.status_code] == [
                    403,
                    403,
                    413,
                ]
                assert await staff_and_audit(db_path) == ([(admin.id, "admin")], [str(admin.id)])
                accepted = await http.post(
                    url,
                    json=staff_add_update(4, admin.id, 777_000_004),
                    headers={SECRET_HEADER: WEBHOOK_SECRET},
                )
            assert accepted.status_code == 200
            saved = await client.wait_for_bot_message(admin.id)
            assert "777000004" in saved["text"]
        finally:
            code = await bot.stop()
    assert code == 0, "".join(bot.output)
    assert await staff_and_audit(db_path) == (
        [(admin.id, "admin"), (777_000_004, "admin")],
        [str(admin.id), "777000004"],
    )


async def test_a_refused_token_stops_start_up_with_one_line(
    tmp_path: Path, external_sandbox: Sandbox
) -> None:
    wrong_token = "1000000001:" + "Wrong" * 7
    bot = await BotProcess.start(
        {
            "TELEGRAM_BOT_TOKEN": wrong_token,
            "TELEGRAM_API_BASE_URL": external_sandbox.bot_api_base_url,
            "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        }
    )
    code = await bot.exit_status()
    output = "".join(bot.output)
    assert code == 2, output
    assert output.splitlines()[-1] == (
        "error: TELEGRAM_BOT_TOKEN: Telegram refused this token (Unauthorized)"
    )
    assert "Traceback" not in output
    assert "Wrong" not in output


async def test_a_sandbox_restart_never_gives_a_new_user_an_old_members_id(
    settings: Settings,
) -> None:
    port = free_port()
    env = {"SANDBOX_PORT": str(port), **database_env(settings.database)}
    bot = await BotProcess.start(env, "--sandbox")
    try:
        await bot.wait_for_line("Receiving updates by long polling")
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            first = await ChatUser.create(client, "First", "en")
            _welcome, consent = await first.send("/start")
            await first.choose(consent, "v1:reg:consent:yes")  # the first row naming anyone
            (menu,) = await first.send("/language")
            await first.press(menu, "Español")
    finally:
        assert await bot.stop() == 0, "".join(bot.output)
    bot = await BotProcess.start(env, "--sandbox")
    try:
        line = await bot.wait_for_line("Sandbox web chat:")
        assert f"new users are numbered from {first.id + 1}" in line
        await bot.wait_for_line("Receiving updates by long polling")
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            second = await ChatUser.create(client, "Second", "en")
            greeting, _consent = await second.send("/start")
    finally:
        assert await bot.stop() == 0, "".join(bot.output)
    assert second.id > first.id
    assert "Welcome" in greeting["text"]  # not the first person's Spanish


async def test_a_webhook_port_in_use_stops_start_up_with_one_line(
    tmp_path: Path, external_sandbox: Sandbox
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = webhook_env(external_sandbox, tmp_path / "bot.sqlite3", port)
        bot = await BotProcess.start(env)
        code = await bot.exit_status()
    output = "".join(bot.output)
    assert code == 2, output
    assert output.splitlines()[-1] == (
        f"error: WEBHOOK_LISTEN=127.0.0.1 WEBHOOK_PORT={port}: cannot listen there: "
        "Address already in use"
    )
    assert "Traceback" not in output
