"""Erasing a member: what they told us is gone from the database file and its WAL, not only
from the tables (a leaked file or backup must not hold it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.persistence import DatabasePersistence
from bot.registration.answers import MemberType
from bot.registration.draft import Draft
from bot.services import Services

USER_ID = 5_000_001
# Distinctive answers, found in the raw bytes only if they are still there.
DEPARTURE = date(2028, 2, 29)
DRAFT_DEPARTURE = "2028-01-31"  # a /profile change in progress, not yet confirmed


def raw_bytes(database_path: Path) -> bytes:
    """The database file and its write-ahead log, byte for byte."""
    wal = database_path.with_name(database_path.name + "-wal")
    return b"".join(path.read_bytes() for path in (database_path, wal) if path.exists())


async def register(services: Services) -> None:
    draft = Draft(member_type=MemberType.LEAVING, country="AE", departure_date=DEPARTURE)
    services.registration.assign_consulate(draft)
    await services.registration.agree(USER_ID, "en")
    await services.registration.confirm(USER_ID, "en", draft)
    persistence = DatabasePersistence(services.database)
    draft_data = {"registration": {"draft": {"departure_date": DRAFT_DEPARTURE}}}
    await persistence.update_user_data(USER_ID, draft_data)


@pytest.mark.sqlite_only
async def test_an_erased_member_leaves_no_bytes_behind(services: Services) -> None:
    await register(services)
    answers = [text.encode() for text in (DEPARTURE.isoformat(), DRAFT_DEPARTURE)]
    before = raw_bytes(services.database.path)
    assert all(answer in before for answer in answers)

    assert await services.members.erase(USER_ID)

    after = raw_bytes(services.database.path)
    assert [answer for answer in answers if answer in after] == []
    assert (await services.members.export(USER_ID))["tables"] == {}
