"""Fixtures for guidance tests: the shipped content and members to attach ticks to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.deployment import Deployment
from bot.guidance import GuidanceContent, load_guidance
from bot.i18n import LOCALES_DIR
from bot.storage.database import Database, utc_now_iso

AddMember = Callable[..., Awaitable[int]]


@pytest.fixture(scope="session")
def guidance(deployment: Deployment) -> dict[str, GuidanceContent]:
    """The shipped content of every enabled language, checked by the loader."""
    return load_guidance(LOCALES_DIR, deployment.languages)


@pytest.fixture
def locales_dir() -> Path:
    return LOCALES_DIR


@pytest.fixture
def add_member(database: Database) -> AddMember:
    """Insert a member preparing to leave; return its id."""
    counter = iter(range(1000, 10_000))

    async def add(country: str = "AE", departure_date: str | None = None) -> int:
        now = utc_now_iso()
        async with database.transaction() as tx:
            return await tx.insert(
                "INSERT INTO members (telegram_user_id, language, created_at, updated_at,"
                " status, member_type, country, departure_date)"
                " VALUES (?, 'en', ?, ?, 'registered', 'leaving', ?, ?)",
                (next(counter), now, now, country, departure_date),
            )

    return add
