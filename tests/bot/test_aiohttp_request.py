"""The bot's Bot API requests over aiohttp, through the sandbox: what PTB expects of them."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from bot.app import file_url_for
from sandbox import Sandbox, SandboxClient


def bot_on(sandbox: Sandbox, request: AiohttpRequest) -> Bot:
    base_url = sandbox.bot_api_base_url
    return Bot(
        sandbox.token, base_url=base_url, base_file_url=file_url_for(base_url), request=request
    )


async def test_messages_and_files_go_both_ways(sandbox: Sandbox, client: SandboxClient) -> None:
    person = await client.create_user("Ana", language_code="pt")
    document = json.dumps({"língua": "pt", "nome": "Ana"}).encode()
    async with bot_on(sandbox, AiohttpRequest(4)) as bot:
        await bot.send_message(person["id"], "Olá, <b>Ana</b> 👋", parse_mode="HTML")
        sent = await bot.send_document(person["id"], document, filename="mydata.json")
        assert sent.document is not None
        downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()

    first, second = await client.chat(person["id"])
    assert first["text"] == "Olá, Ana 👋"
    assert second["document"]["file_name"] == "mydata.json"
    assert bytes(downloaded) == document


async def test_a_slow_answer_times_out(sandbox: Sandbox, client: SandboxClient) -> None:
    person = await client.create_user("Ana")
    async with bot_on(sandbox, AiohttpRequest(4, read_timeout=0.2)) as bot:
        await client.set_faults(latency_ms=2000)
        with pytest.raises(TimedOut):
            await bot.send_message(person["id"], "hello")


async def test_a_full_pool_times_out_without_sending(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    person = await client.create_user("Ana")
    request = AiohttpRequest(1, read_timeout=5, connect_timeout=0.1, pool_timeout=0.1)
    async with bot_on(sandbox, request) as bot:
        await client.set_faults(latency_ms=1500)
        first = asyncio.create_task(bot.send_message(person["id"], "first"))
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut, match="pool"):
            await bot.send_message(person["id"], "second")
        await first
    assert [m["text"] for m in await client.chat(person["id"])] == ["first"]


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/botTOKEN/getMe")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_it_can_be_started_again_after_shutdown(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    request = AiohttpRequest(2)
    bot = bot_on(sandbox, request)
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"{sandbox.bot_api_base_url}{sandbox.token}/getMe")
    for _ in range(2):
        async with bot:
            assert (await bot.get_me()).is_bot
