"""The interactive pre-departure checklist: a member's ticks, checked against the content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.guidance.content import ChecklistItem, GuidanceContent
from bot.storage.guidance import GuidanceRepository


class UnknownChecklistItem(ValueError):
    """A tick for an item id that the checklist does not have (stale or forged button)."""


@dataclass(frozen=True)
class ChecklistLine:
    """One item as a member sees it: the text in their language and whether it is ticked."""

    item: ChecklistItem
    ticked: bool


class ChecklistService:
    """Ticks and unticks items for a member; item ids are the same in every language."""

    def __init__(self, repository: GuidanceRepository, content: GuidanceContent) -> None:
        self.repository = repository
        self.item_ids = content.checklist_ids

    def _check(self, item_id: str) -> None:
        if item_id not in self.item_ids:
            raise UnknownChecklistItem(f"no checklist item {item_id!r}")

    async def tick(self, member_id: int, item_id: str, now: datetime) -> None:
        self._check(item_id)
        await self.repository.add_tick(member_id, item_id, now)

    async def untick(self, member_id: int, item_id: str) -> None:
        self._check(item_id)
        await self.repository.remove_tick(member_id, item_id)

    async def toggle(self, member_id: int, item_id: str, now: datetime) -> bool:
        """Flip one item (what a checklist button does); return whether it is now ticked."""
        self._check(item_id)
        if await self.repository.remove_tick(member_id, item_id):
            return False
        await self.repository.add_tick(member_id, item_id, now)
        return True

    async def ticked(self, member_id: int) -> frozenset[str]:
        """The ids the member ticked that are still in the checklist."""
        return frozenset(await self.repository.ticked_items(member_id)) & self.item_ids

    async def lines(self, member_id: int, content: GuidanceContent) -> list[ChecklistLine]:
        """The checklist in the member's language, in order, with their ticks."""
        ticked = await self.ticked(member_id)
        return [ChecklistLine(item, item.id in ticked) for item in content.checklist]
