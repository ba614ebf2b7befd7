"""Fixtures for the delivery tests: a sandbox without flood limits, its user side, a media
folder, a transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from broadcasts.telegram_transport import TelegramTransport
from sandbox import FaultConfig, Sandbox, SandboxClient


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    server = Sandbox(port=0, faults=FaultConfig(global_rate=None, per_chat_rate=None))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as user_side:
        yield user_side


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """The media folder the transport uploads from (empty)."""
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
async def transport(sandbox: Sandbox, media_dir: Path) -> AsyncIterator[TelegramTransport]:
    sender = TelegramTransport.create(
        sandbox.token, sandbox.bot_api_base_url, pool_size=8, read_timeout=0.5, media_dir=media_dir
    )
    await sender.start()
    try:
        yield sender
    finally:
        await sender.stop()
