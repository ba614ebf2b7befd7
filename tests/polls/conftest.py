"""Fixtures for the poll tests: a repository on the migrated database, polls and members."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.storage.database import Database, utc_now_iso
from bot.storage.polls import NewPoll, PollRepository
from polls.counting import PollCounter

# Member ids start far from any count a test produces, so "no value equals a member id" holds
# only if no id leaked.
FIRST_MEMBER_ID = 900_001
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

MakePoll = Callable[..., Awaitable[int]]
AddMember = Callable[..., Awaitable[int]]


@pytest.fixture
def repository(database: Database) -> PollRepository:
    return PollRepository(database)


@pytest.fixture
def counter(repository: PollRepository) -> PollCounter:
    return PollCounter(repository)


@pytest.fixture
def make_poll(repository: PollRepository) -> MakePoll:
    """Create an open poll with one Telegram poll per language ("<poll id>-<language>")."""

    async def make(
        *,
        mode: str = "segmented",
        options: Sequence[dict[str, str]] = ({"en": "Yes"}, {"en": "No"}, {"en": "Unsure"}),
        questions: dict[str, str] | None = None,
        languages: Sequence[str] = ("en",),
        allows_multiple: bool = False,
        closes_at: datetime | None = None,
    ) -> int:
        poll_id = await repository.create(
            NewPoll(
                mode=mode,
                base_language=languages[0],
                questions=questions or {"en": "Is the consulate easy to reach?"},
                options=options,
                allows_multiple=allows_multiple,
                opens_at=NOW - timedelta(days=1),
                closes_at=closes_at or NOW + timedelta(days=7),
            )
        )
        for language in languages:
            await repository.add_variant(poll_id, language, f"{poll_id}-{language}")
        await repository.set_status(poll_id, "open", NOW - timedelta(days=1))
        return poll_id

    return make


@pytest.fixture
def add_member(database: Database) -> AddMember:
    """Insert a registered member; returns the Telegram user id (= member id + 1,000,000)."""
    next_id = [FIRST_MEMBER_ID]

    async def add(**fields: Any) -> int:
        member_id = next_id[0]
        next_id[0] += 1
        row = {
            "id": member_id,
            "telegram_user_id": member_id + 1_000_000,
            "language": "en",
            "status": "registered",
            "created_at": utc_now_iso(),
            "updated_at": utc_now_iso(),
            "consulate_id": "dubai",
            "country": "AE",
            "member_type": "abroad",
            "birth_year": 1990,
            "gender": "female",
        } | fields
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        async with database.transaction() as tx:
            await tx.execute(
                f"INSERT INTO members ({columns}) VALUES ({marks})", tuple(row.values())
            )
        return member_id + 1_000_000

    return add
