"""Member rules: which language a member gets and whether the bot can reach them."""

from __future__ import annotations

from bot.i18n import Languages
from bot.storage.members import MemberRepository, MemberRow


class MemberService:
    """What the handlers may do with members."""

    def __init__(self, repository: MemberRepository, languages: Languages) -> None:
        self.repository = repository
        self.languages = languages

    async def find(self, telegram_user_id: int) -> MemberRow | None:
        return await self.repository.get_by_telegram_id(telegram_user_id)

    def language_for(self, member: MemberRow | None, telegram_language_code: str | None) -> str:
        """The member's chosen language, else Telegram's language_code negotiated, else default."""
        if member and member.language in self.languages.enabled:
            return member.language
        return self.languages.negotiate(telegram_language_code)

    async def choose_language(self, telegram_user_id: int, language: str) -> str:
        """Store the member's choice of language; refuse languages not enabled."""
        if language not in self.languages.enabled:
            raise ValueError(f"language {language!r} is not enabled")
        await self.repository.upsert_language(telegram_user_id, language)
        return language

    async def record_reachability(self, telegram_user_id: int, reachable: bool) -> None:
        """Mark the member blocked/unblocked. Strangers who block the bot leave no row."""
        await self.repository.set_reachable(telegram_user_id, reachable)
