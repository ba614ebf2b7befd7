"""Fixtures for the end-to-end tests: the bot running with one admin, and restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.deployment import Deployment
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import Restarts, start_bot


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


@pytest.fixture
async def restarts(
    sandbox: Sandbox, settings: Settings, deployment: Deployment
) -> AsyncIterator[Restarts]:
    """Start the bot, stop it (or kill it), start it again on the same database file."""
    restarting = Restarts(sandbox, settings, deployment)
    yield restarting
    await restarting.stop_all()
