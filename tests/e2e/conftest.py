"""Fixtures for the end-to-end tests that need staff: the bot running with one admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot


@pytest.fixture
async def running(
    sandbox: Sandbox, client: SandboxClient, settings: Settings, services: Services
) -> AsyncIterator[tuple[ChatUser, App]]:
    """The bot polling the sandbox, with one admin (of every consulate) to act."""
    admin = await ChatUser.create(client, "Admin", "en")
    services.settings = replace(settings, admin_ids=frozenset({admin.id}))
    await services.staff.ensure_admins(services.settings.admin_ids)
    bot = await start_bot(services, sandbox, services.settings)
    yield admin, bot.application
    await bot.stop()
