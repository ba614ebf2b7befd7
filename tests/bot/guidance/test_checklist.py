"""Checklist ticks are saved per member, validated against the content, and go with the member."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.guidance import ChecklistService, GuidanceContent, UnknownChecklistItem
from bot.storage.database import Database
from bot.storage.guidance import GuidanceRepository
from tests.bot.guidance.conftest import AddMember

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def checklist(database: Database, guidance: dict[str, GuidanceContent]) -> ChecklistService:
    return ChecklistService(GuidanceRepository(database), guidance["en"])


async def test_ticks_are_kept_per_member(
    checklist: ChecklistService, add_member: AddMember
) -> None:
    ana, ben = await add_member(), await add_member()
    await checklist.tick(ana, "agency-licence", NOW)
    await checklist.tick(ana, "insurance", NOW)
    await checklist.tick(ben, "budget", NOW)
    assert await checklist.ticked(ana) == {"agency-licence", "insurance"}
    assert await checklist.ticked(ben) == {"budget"}


async def test_ticking_twice_and_unticking(
    checklist: ChecklistService, add_member: AddMember
) -> None:
    member = await add_member()
    await checklist.tick(member, "insurance", NOW)
    await checklist.tick(member, "insurance", NOW)
    await checklist.untick(member, "insurance")
    await checklist.untick(member, "insurance")
    assert await checklist.ticked(member) == frozenset()


async def test_toggle_flips_and_says_the_new_state(
    checklist: ChecklistService, add_member: AddMember
) -> None:
    member = await add_member()
    assert await checklist.toggle(member, "budget", NOW) is True
    assert await checklist.toggle(member, "budget", NOW) is False
    assert await checklist.ticked(member) == frozenset()


async def test_unknown_item_is_refused(checklist: ChecklistService, add_member: AddMember) -> None:
    member = await add_member()
    for action in (
        checklist.tick(member, "no-such-item", NOW),
        checklist.untick(member, "no-such-item"),
        checklist.toggle(member, "no-such-item", NOW),
    ):
        with pytest.raises(UnknownChecklistItem):
            await action


async def test_lines_are_in_the_members_language_and_order(
    checklist: ChecklistService, add_member: AddMember, guidance: dict[str, GuidanceContent]
) -> None:
    member = await add_member()
    await checklist.tick(member, "budget", NOW)
    lines = await checklist.lines(member, guidance["fil"])
    assert [line.item for line in lines] == list(guidance["fil"].checklist)
    assert [line.item.id for line in lines if line.ticked] == ["budget"]


async def test_ticks_of_items_no_longer_in_the_checklist_are_ignored(
    checklist: ChecklistService, add_member: AddMember, database: Database
) -> None:
    member = await add_member()
    await GuidanceRepository(database).add_tick(member, "retired-item", NOW)
    assert await checklist.ticked(member) == frozenset()


async def test_ticks_go_when_the_member_is_deleted(
    checklist: ChecklistService, add_member: AddMember, database: Database
) -> None:
    member = await add_member()
    await checklist.tick(member, "budget", NOW)
    async with database.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE id = ?", (member,))
    row = await database.fetch_one("SELECT COUNT(*) FROM checklist_ticks")
    assert row is not None and row[0] == 0
