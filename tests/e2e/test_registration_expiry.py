"""A registration left half-way for 30 days is erased, with the consent it began with (the
"visitor" row); the person starts again from consent. Registered members are untouched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.registration.consent import DRAFT_RETENTION
from bot.services import Services
from handlers.context import App
from handlers.registration.expiry import erase_abandoned_registrations
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.members import add_member, rows_naming

REG = "v1:reg"


async def half_way(client: SandboxClient, name: str) -> tuple[ChatUser, Message]:
    """Consent, living abroad, country typed: the city question is showing."""
    user = await ChatUser.create(client, name, "en")
    _welcome, consent = await user.send("/start")
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send("spain")
    return user, question


async def rows_of(services: Services, user_id: int) -> tuple[int, int]:
    drafts = await services.database.fetch_all(
        "SELECT * FROM conversation_user_data WHERE telegram_user_id = ?", (user_id,)
    )
    steps = await services.database.fetch_all(
        "SELECT * FROM conversation_states"
        f" WHERE {services.database.dialect.last_json_item('key')} = ?",
        (user_id,),
    )
    return len(drafts), len(steps)


async def test_old_drafts_go_and_recent_ones_stay(
    bot: App, client: SandboxClient, services: Services
) -> None:
    gone, gone_question = await half_way(client, "Away")
    kept, kept_question = await half_way(client, "Busy")
    now = datetime.now(UTC)
    long_ago = (now - DRAFT_RETENTION - DRAFT_RETENTION / 30).isoformat(timespec="seconds")
    async with services.database.transaction() as tx:
        await tx.execute(
            "UPDATE conversation_user_data SET updated_at = ? WHERE telegram_user_id = ?",
            (long_ago, gone.id),
        )

    assert await erase_abandoned_registrations(bot, now) == 1

    assert await rows_of(services, gone.id) == (0, 0)
    assert await rows_of(services, kept.id) == (1, 1)
    assert "spain" not in str(bot.user_data.get(gone.id, {})).lower()
    # Coming back, the first person starts again from consent; the other carries on.
    answers = await gone.choose(gone_question, f"{REG}:skip")
    assert any(f"{REG}:consent:yes" in str(m.get("inline_keyboard")) for m in answers)
    (region,) = await kept.choose(kept_question, f"{REG}:skip")
    assert f"{REG}:consent:yes" not in str(region.get("inline_keyboard"))


async def test_nothing_recent_is_erased(bot: App, client: SandboxClient) -> None:
    await half_way(client, "Now")
    assert await erase_abandoned_registrations(bot, datetime.now(UTC)) == 0


def raw_bytes(database_path: Path) -> bytes:
    """The database file and its write-ahead log, byte for byte."""
    wal = database_path.with_name(database_path.name + "-wal")
    return b"".join(path.read_bytes() for path in (database_path, wal) if path.exists())


async def test_an_erased_draft_leaves_no_bytes_behind(
    bot: App, client: SandboxClient, services: Services
) -> None:
    departure = "2028-02-29"  # found in the raw bytes only while the draft is there
    user = await ChatUser.create(client, "Gone", "en")
    _welcome, consent = await user.send("/start")
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:leaving")
    await user.send("spain")
    await user.send(departure)
    assert departure.encode() in raw_bytes(services.database.path)
    now = datetime.now(UTC)
    long_ago = (now - DRAFT_RETENTION * 2).isoformat(timespec="seconds")
    async with services.database.transaction() as tx:
        await tx.execute("UPDATE conversation_user_data SET updated_at = ?", (long_ago,))

    assert await erase_abandoned_registrations(bot, now) == 1

    assert departure.encode() not in raw_bytes(services.database.path)


async def test_an_abandoned_registration_takes_its_consent_row_with_it(
    bot: App, client: SandboxClient, services: Services
) -> None:
    gone, _question = await half_way(client, "Away")
    kept, _question = await half_way(client, "Busy")
    registered = 7_000_001
    await add_member(services, registered)
    without_draft = 7_000_002  # agreed, then their draft went some other way
    await add_member(services, without_draft, registered=False)
    now = datetime.now(UTC)
    long_ago = (now - DRAFT_RETENTION * 2).isoformat(timespec="seconds")
    async with services.database.transaction() as tx:
        await tx.execute("UPDATE members SET updated_at = ?", (long_ago,))
        await tx.execute(
            "UPDATE conversation_user_data SET updated_at = ? WHERE telegram_user_id = ?",
            (long_ago, gone.id),
        )

    assert await erase_abandoned_registrations(bot, now) == 2

    assert await rows_naming(services.database, gone.id) == []
    assert await rows_naming(services.database, without_draft) == []
    statuses = await services.database.fetch_all(
        "SELECT telegram_user_id, status FROM members ORDER BY telegram_user_id"
    )
    assert [tuple(row) for row in statuses] == [(kept.id, "visitor"), (registered, "registered")]
