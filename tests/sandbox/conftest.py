"""Fixtures for the sandbox tests: a sandbox on a free loopback port, a PTB bot, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot

from sandbox import Sandbox, SandboxClient


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    server = Sandbox(port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(
        sandbox.token, base_url=sandbox.bot_api_base_url, base_file_url=sandbox.file_base_url
    ) as telegram_bot:
        yield telegram_bot


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as user_side:
        yield user_side


@pytest.fixture
async def user(client: SandboxClient) -> dict[str, Any]:
    return await client.create_user("Amina", "en")


class RawApi:
    """Calls the Bot API without PTB, to check exact status codes and descriptions."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def __call__(
        self, method: str, token: str | None = None, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.sandbox.bot_api_base_url}{token or self.sandbox.token}/{method}"
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(url, json=params)
        body: dict[str, Any] = response.json()
        return response.status_code, body


@pytest.fixture
def raw(sandbox: Sandbox) -> RawApi:
    return RawApi(sandbox)
