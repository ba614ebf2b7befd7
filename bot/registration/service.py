"""Registration rules: recording and withdrawing consent, consulate assignment, turning a
confirmed draft into a member, and erasing registrations left unfinished.

Consent is a fact recorded in the database ("I agree" writes a 'visitor' row), never assumed:
answers are stored only for someone with that row, and the row goes when they decline,
cancel, delete their data or leave the registration untouched for ``DRAFT_RETENTION`` (see
bot/registration/consent.py for the whole rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.deployment import Consulate, Deployment
from bot.registration.answers import MemberType
from bot.registration.consent import CONSENT_VERSION
from bot.registration.draft import Draft
from bot.storage.members import MemberRepository


class RegistrationService:
    """What registration may do; the conversation itself lives in handlers/registration."""

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

    async def agree(self, telegram_user_id: int, language: str) -> None:
        """The person accepted the current consent text: record it, with the language they
        use. From now on their registration in progress may be stored."""
        await self.repository.record_consent(telegram_user_id, language, CONSENT_VERSION)

    async def withdraw(self, telegram_user_id: int) -> None:
        """Consent declined, or withdrawn before registering (Cancel): erase the consent row
        and any registration in progress, from the write-ahead log too. A registered member
        is untouched (they leave with /delete)."""
        if await self.repository.delete_visitor(telegram_user_id):
            await self.repository.database.checkpoint_after_erasure()

    async def profile(self, telegram_user_id: int) -> Draft | None:
        return await self.repository.get_profile(telegram_user_id)

    async def confirm(self, telegram_user_id: int, language: str, draft: Draft) -> int | None:
        """Store the confirmed answers; the member id, or None when no consent is on record
        (withdrawn or expired meanwhile): then nothing is stored. Refuses an incomplete draft."""
        if not draft.is_complete:
            raise ValueError("registration is incomplete")
        return await self.repository.save_registration(telegram_user_id, language, draft)

    async def erase_abandoned(self, cutoff: datetime, also: Iterable[int] = ()) -> set[int]:
        """Erase the consent rows of registrations unchanged since ``cutoff`` (and of the
        people in ``also``, whose stale answers the caller has just erased), with whatever
        conversation state they had; return whose. Registered members are untouched."""
        erased = await self.repository.delete_abandoned_visitors(cutoff, set(also))
        if erased:
            await self.repository.database.checkpoint_after_erasure()
        return erased
