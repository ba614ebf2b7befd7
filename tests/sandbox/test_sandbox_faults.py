"""Fault injection (latency, flood limits, injected errors, timeouts), stats and reset."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox import FaultConfig, Sandbox, SandboxClient, SandboxClientError


def retry_seconds(error: RetryAfter) -> float:
    return error._retry_after.total_seconds()


async def test_latency(bot: Bot, client: SandboxClient) -> None:
    await client.set_faults(latency_ms=250)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.25


async def test_global_limit(bot: Bot, client: SandboxClient, raw: Any) -> None:
    # A burst of three that refills slowly: a loaded machine pausing between sends cannot
    # refill the bucket before the fourth and fifth arrive.
    await client.set_faults(global_rate=0.05, global_burst=3, per_chat_rate=None)
    users = [await client.create_user(f"U{i}", "en") for i in range(4)]
    for person in users[:3]:
        await bot.send_message(person["id"], "hi")
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(users[3]["id"], "hi")
    assert retry_seconds(limited.value) >= 1
    status, body = await raw("sendMessage", chat_id=users[3]["id"], text="hi")
    assert status == 429
    assert body["description"].startswith("Too Many Requests: retry after ")
    assert body["parameters"]["retry_after"] >= 1
    assert await client.chat(users[3]["id"]) == []
    assert await bot.get_me()  # non-sending methods are not limited
    stats = await client.stats()
    assert stats["rate_limited"] == 2 and stats["messages_sent"] == 3


async def test_per_chat_limit(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    other = await client.create_user("Other", "fr")
    for index in range(10):
        await bot.send_message(user["id"], f"m{index}")
    with pytest.raises(RetryAfter):
        await bot.send_message(user["id"], "one too many")
    await bot.send_message(other["id"], "other chats are fine")
    assert len(await client.chat(user["id"])) == 10


async def test_paid_rate_can_be_disabled(sandbox: Sandbox, client: SandboxClient) -> None:
    await client.set_faults(global_rate=None, per_chat_rate=None)
    faults = await client.faults()
    assert faults["global_rate"] is None and faults["per_chat_rate"] is None


async def test_injected_errors(
    bot: Bot, client: SandboxClient, user: dict[str, Any], raw: Any
) -> None:
    await client.set_faults(
        injections=[
            {"method": "sendMessage", "chat_id": user["id"], "status": 429, "retry_after": 7},
            {"method": "sendMessage", "status": 500, "count": 2},
            {"method": "sendMessage", "status": 502},
        ]
    )
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(user["id"], "x")
    assert retry_seconds(limited.value) == 7
    for _ in range(2):
        status, body = await raw("sendMessage", chat_id=user["id"], text="x")
        assert (status, body["error_code"]) == (500, 500)
    with pytest.raises(NetworkError):
        await bot.send_message(user["id"], "x")
    sent = await bot.send_message(user["id"], "finally")
    assert [m["text"] for m in await client.chat(user["id"])] == ["finally"]
    assert sent.text == "finally"
    stats = await client.stats()
    assert stats["server_errors"] == 3 and stats["rate_limited"] == 1
    assert (await client.faults())["injections"] == []


async def test_random_5xx_is_seeded(client: SandboxClient, raw: Any, user: dict[str, Any]) -> None:
    async def outcomes() -> list[int]:
        results = []
        for _ in range(10):
            status, _ = await raw("getMe")
            results.append(status)
        return results

    await client.set_faults(error_rate_5xx=0.5, seed=2)
    first = await outcomes()
    await client.set_faults(seed=8)
    await client.set_faults(seed=2)
    second = await outcomes()
    assert first == second
    assert any(s >= 500 for s in first) and 200 in first


async def test_timeout(sandbox: Sandbox, client: SandboxClient, user: dict[str, Any]) -> None:
    await client.set_faults(
        timeout_s=1.0, injections=[{"method": "sendMessage", "status": "timeout"}]
    )
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(sandbox.token, base_url=sandbox.bot_api_base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(user["id"], "lost")
        sent = await bot.send_message(user["id"], "kept")
    assert [m["text"] for m in await client.chat(user["id"])] == ["kept"]
    assert sent.text == "kept"
    assert (await client.stats())["timeouts"] == 1


async def test_faults_at_construction() -> None:
    server = Sandbox(faults=FaultConfig(latency_ms=100, global_rate=None))
    async with server, SandboxClient(server.url) as client:
        faults = await client.faults()
        assert faults["latency_ms"] == 100 and faults["global_rate"] is None
        with pytest.raises(SandboxClientError, match="unknown fault"):
            await client.set_faults(nonsense=1)


async def test_stats_and_reset(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    await bot.send_message(user["id"], "hello")
    await client.set_faults(latency_ms=5)
    stats = await client.stats()
    assert stats["requests"] >= 2 and stats["per_method"]["sendMessage"] == 1
    assert stats["messages_sent"] == 1
    await client.reset()
    assert await client.users() == []
    stats = await client.stats()
    assert stats["requests"] == 0 and stats["per_method"] == {}
    assert (await client.faults())["latency_ms"] == 0
    fresh = await client.create_user("New", "es")
    assert fresh["id"] == user["id"]


async def test_webchat_is_served(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        index = await http.get("/")
        script = await http.get("/app.js")
        style = await http.get("/style.css")
    assert index.status_code == script.status_code == style.status_code == 200
    for hook in (
        "new-user-name",
        "new-user-language",
        "create-user",
        "message-input",
        "send-button",
    ):
        assert f'id="{hook}"' in index.text
    assert "http://" not in index.text and "https://" not in index.text
    assert "bubble" in script.text and "dir" in script.text


async def test_users_are_numbered_from_the_first_user_id_even_after_a_reset() -> None:
    async with (
        Sandbox(first_user_id=7_000_000) as server,
        SandboxClient(server.url) as client,
    ):
        assert (await client.create_user("First", "en"))["id"] == 7_000_000
        assert (await client.create_user("Second", "en"))["id"] == 7_000_001
        await client.reset()
        assert (await client.create_user("Again", "en"))["id"] == 7_000_000
