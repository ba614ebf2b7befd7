"""Fixtures for the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.deployment import Deployment
from bot.settings import Settings
from sandbox import Sandbox
from tests.auxil.running import Restarts


@pytest.fixture
async def restarts(
    sandbox: Sandbox, settings: Settings, deployment: Deployment
) -> AsyncIterator[Restarts]:
    """Start the bot, stop it (or kill it), start it again on the same database file."""
    restarting = Restarts(sandbox, settings, deployment)
    yield restarting
    await restarting.stop_all()
