"""The services one running bot shares: opened once at start, closed once at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from bot.deployment import Deployment
from bot.i18n import Languages
from bot.members import MemberService
from bot.registration.service import RegistrationService
from bot.settings import Settings
from bot.staff import StaffService
from bot.storage.database import Database
from bot.storage.members import MemberRepository
from bot.storage.staff import StaffRepository


@dataclass
class Services:
    """Everything handlers and jobs call into. Handlers never reach past these."""

    settings: Settings
    deployment: Deployment
    database: Database
    languages: Languages
    members: MemberService
    registration: RegistrationService
    staff: StaffService

    @classmethod
    async def open(cls, settings: Settings, deployment: Deployment) -> Services:
        """Load the catalogues, open and migrate the database, wire the services."""
        languages = Languages(deployment.languages, deployment.default_language)
        database = await Database.open(settings.db_path)
        member_repository = MemberRepository(database)
        staff = StaffService(StaffRepository(database), deployment)
        await staff.ensure_admins(settings.admin_ids)
        return cls(
            settings=settings,
            deployment=deployment,
            database=database,
            languages=languages,
            members=MemberService(member_repository, languages),
            registration=RegistrationService(member_repository, deployment),
            staff=staff,
        )

    async def close(self) -> None:
        """Finish the write in progress and close the database."""
        await self.database.close()
