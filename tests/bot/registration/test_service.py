"""Registration rules kept by the service: a declined consent keeps nothing, not even in the
database's write-ahead log."""

from __future__ import annotations

from bot.services import Services

USER_ID = 5_000_001


async def test_a_declined_consent_leaves_no_row_and_an_empty_wal(services: Services) -> None:
    await services.members.choose_language(USER_ID, "fr")  # a stranger's row: their language
    wal = services.database.path.with_name(services.database.path.name + "-wal")
    assert wal.stat().st_size > 0

    await services.registration.decline(USER_ID)

    assert await services.members.find(USER_ID) is None
    assert wal.stat().st_size == 0
