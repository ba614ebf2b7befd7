"""Registration rules kept by the service: consent is recorded, never assumed; a withdrawn
consent keeps nothing, not even in the database's write-ahead log; without a consent on
record, confirming stores nothing."""

from __future__ import annotations

import pytest

from bot.registration.answers import MemberType
from bot.registration.consent import CONSENT_VERSION
from bot.registration.draft import Draft
from bot.services import Services

USER_ID = 5_000_001


def complete_draft(services: Services) -> Draft:
    draft = Draft(member_type=MemberType.ABROAD, country="GB")
    services.registration.assign_consulate(draft)
    return draft


async def test_agreeing_records_the_consent_version(services: Services) -> None:
    await services.registration.agree(USER_ID, "fr")
    row = await services.database.fetch_one(
        "SELECT status, language, consent_version FROM members WHERE telegram_user_id = ?",
        (USER_ID,),
    )
    assert row is not None and tuple(row) == ("visitor", "fr", CONSENT_VERSION)


@pytest.mark.sqlite_only
async def test_a_withdrawn_consent_leaves_no_row_and_an_empty_wal(services: Services) -> None:
    await services.registration.agree(USER_ID, "fr")
    wal = services.database.path.with_name(services.database.path.name + "-wal")
    assert wal.stat().st_size > 0

    await services.registration.withdraw(USER_ID)

    assert await services.members.find(USER_ID) is None
    assert wal.stat().st_size == 0


async def test_withdrawing_does_not_touch_a_registered_member(services: Services) -> None:
    await services.registration.agree(USER_ID, "en")
    assert await services.registration.confirm(USER_ID, "en", complete_draft(services))

    await services.registration.withdraw(USER_ID)

    member = await services.members.find(USER_ID)
    assert member is not None and member.registered


async def test_confirming_without_consent_on_record_stores_nothing(services: Services) -> None:
    assert await services.registration.confirm(USER_ID, "en", complete_draft(services)) is None
    assert await services.members.find(USER_ID) is None


async def test_a_profile_change_keeps_the_consent_version_accepted(services: Services) -> None:
    await services.registration.agree(USER_ID, "en")
    draft = complete_draft(services)
    await services.registration.confirm(USER_ID, "en", draft)
    async with services.database.transaction() as tx:
        await tx.execute("UPDATE members SET consent_version = '2026-11-22'")
    draft.birth_year = 1990

    await services.registration.confirm(USER_ID, "en", draft)

    row = await services.database.fetch_one("SELECT consent_version, birth_year FROM members")
    assert row is not None and tuple(row) == ("2026-11-22", 1990)
