"""Member rules: language, reachability, announcements on/off, and the member's data rights
(see everything held, erase it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.i18n import Languages
from bot.storage.members import COUNTABLE_COLUMNS, MemberRepository, MemberRow


class MemberService:
    """What the handlers may do with members."""

    def __init__(self, repository: MemberRepository, languages: Languages) -> None:
        self.repository = repository
        self.languages = languages

    async def find(self, telegram_user_id: int) -> MemberRow | None:
        return await self.repository.get_by_telegram_id(telegram_user_id)

    def language_for(
        self,
        member: MemberRow | None,
        telegram_language_code: str | None,
        unsaved_choice: str | None = None,
    ) -> str:
        """The member's stored language; else the one a person not yet registered chose (kept
        in memory only, see handlers/language.py); else Telegram's language_code negotiated,
        else the default."""
        if member and member.language in self.languages.enabled:
            return member.language
        if unsaved_choice is not None and unsaved_choice in self.languages.enabled:
            return unsaved_choice
        return self.languages.negotiate(telegram_language_code)

    async def choose_language(self, telegram_user_id: int, language: str) -> bool:
        """Store the member's choice of language; refuse languages not enabled. False when
        there is no member row to store it in: nothing is stored about a person before they
        consent, so the caller keeps the choice in memory."""
        if language not in self.languages.enabled:
            raise ValueError(f"language {language!r} is not enabled")
        return await self.repository.set_language(telegram_user_id, language)

    async def record_reachability(self, telegram_user_id: int, reachable: bool) -> None:
        """Mark the member blocked/unblocked. Strangers who block the bot leave no row."""
        await self.repository.set_reachable(telegram_user_id, reachable)

    async def set_announcements(self, telegram_user_id: int, wanted: bool) -> bool:
        """/stop and /resume; False when there is no registered member to change."""
        return await self.repository.set_announcements(telegram_user_id, wanted)

    async def export(self, telegram_user_id: int) -> dict[str, Any]:
        """Everything held about the member, table by table, as stored (for /mydata)."""
        return {
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "telegram_user_id": telegram_user_id,
            "tables": await self.repository.export_rows(telegram_user_id),
        }

    async def erase(self, telegram_user_id: int) -> bool:
        """Delete the member, every row that depends on them and any unconfirmed answers, then
        checkpoint so the erased bytes leave the WAL too."""
        erased = await self.repository.delete(telegram_user_id)
        await self.repository.database.checkpoint_after_erasure()
        return erased

    async def registrations_by_month(self) -> list[tuple[str, int]]:
        return await self.repository.registrations_by_month()

    async def counts(self) -> dict[str, list[tuple[str | None, int]]]:
        """Registered members counted by consulate, country, member type and language."""
        return {
            column: await self.repository.count_registered_by(column)
            for column in COUNTABLE_COLUMNS
        }
