"""Registration rules: consent, consulate assignment and turning a confirmed draft into a
member."""

from __future__ import annotations

from bot.deployment import Consulate, Deployment
from bot.registration.answers import MemberType
from bot.registration.draft import Draft
from bot.storage.members import MemberRepository

# Bump when the consent text (handlers/registration.py, CONSENT_TEXT) changes meaning: members
# record the version they accepted.
CONSENT_VERSION = "2026-11-22"


class RegistrationService:
    """What registration may do; the conversation itself lives in handlers/registration.py."""

    def __init__(self, repository: MemberRepository, deployment: Deployment) -> None:
        self.repository = repository
        self.deployment = deployment

    def consulates_for(self, country: str) -> tuple[Consulate, ...]:
        """The consulates serving ``country``; every consulate if none does (the member picks)."""
        return self.deployment.consulates_serving(country) or self.deployment.consulates

    def assign_consulate(self, draft: Draft) -> bool:
        """Assign the consulate when exactly one serves the country; True if assigned."""
        if draft.member_type is MemberType.RETURNED or draft.country is None:
            draft.consulate_id = None
            return False
        serving = self.deployment.consulates_serving(draft.country)
        if len(serving) == 1:
            draft.consulate_id = serving[0].id
            return True
        if draft.consulate_id not in {c.id for c in self.consulates_for(draft.country)}:
            draft.consulate_id = None
        return False

    def start_draft(self, member_type: MemberType, previous: Draft | None = None) -> Draft:
        """Set the member type; a returned member lives in the home country."""
        draft = previous or Draft()
        draft.member_type = member_type
        if member_type is MemberType.RETURNED:
            draft.country = self.deployment.home_country
            draft.departure_date = None
            draft.consulate_id = None
        else:
            if draft.country == self.deployment.home_country:
                draft.country = None
            if member_type is not MemberType.LEAVING:
                draft.departure_date = None
        return draft

    async def profile(self, telegram_user_id: int) -> Draft | None:
        return await self.repository.get_profile(telegram_user_id)

    async def confirm(self, telegram_user_id: int, language: str, draft: Draft) -> int:
        """Store the confirmed answers; refuses an incomplete draft."""
        if not draft.is_complete:
            raise ValueError("registration is incomplete")
        return await self.repository.save_registration(
            telegram_user_id, language, draft, CONSENT_VERSION
        )

    async def decline(self, telegram_user_id: int) -> None:
        """Consent declined: keep nothing (not even a chosen language, nor in the WAL)."""
        await self.repository.delete_visitor(telegram_user_id)
        await self.repository.database.checkpoint_after_erasure()
