"""The services one running bot shares: opened once at start, closed once at shutdown."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from bot.deployment import Deployment
from bot.guidance import (
    ChecklistService,
    GuidanceContent,
    ReminderService,
    load_guidance,
    reminder_zone,
)
from bot.guidance.departures import DepartureReminders
from bot.i18n import LOCALES_DIR, Languages
from bot.inbox.measures import InboxMeasures
from bot.inbox.service import InboxService
from bot.members import MemberService
from bot.registration.service import RegistrationService
from bot.remittance import (
    ExchangeRates,
    RefreshResult,
    RemittanceComparer,
    import_sample_if_empty,
)
from bot.remittance.corridor import CorridorProblem, SendingCorridor, corridor_of
from bot.remittance.fx import load_shipped_rates
from bot.retention import RetentionPolicy, RetentionService
from bot.settings import Settings
from bot.signin import SignInService
from bot.staff import StaffService
from bot.storage.database import Database
from bot.storage.guidance import GuidanceRepository
from bot.storage.inbox import InboxRepository
from bot.storage.inbox_measures import InboxMeasuresRepository
from bot.storage.members import MemberRepository
from bot.storage.remittance import RemittanceRepository
from bot.storage.signin import SignInRepository
from bot.storage.staff import StaffRepository
from broadcasts.compose import BroadcastService
from broadcasts.responses import ResponseService
from polls.publishing import BroadcastPublisher
from polls.service import PollService

logger = logging.getLogger(__name__)


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
    polls: PollService
    guidance: dict[str, GuidanceContent]
    checklist: ChecklistService
    reminders: ReminderService
    departures: DepartureReminders
    rates: ExchangeRates
    remittance: RemittanceComparer
    http: httpx.AsyncClient
    broadcasts: BroadcastService
    responses: ResponseService
    retention: RetentionService
    signin: SignInService
    inbox: InboxService
    inbox_measures: InboxMeasures

    @classmethod
    async def open(
        cls,
        settings: Settings,
        deployment: Deployment,
        http_client: httpx.AsyncClient | None = None,
    ) -> Services:
        """Load the catalogues and guidance, open and migrate the database, wire the services.

        ``http_client`` (tests pass one on an httpx.MockTransport) is owned from then on and
        closed by ``close``; without one, a client is made here.
        """
        languages = Languages(deployment.languages, deployment.default_language)
        guidance = load_guidance(LOCALES_DIR, deployment.languages)
        shipped_rates = load_shipped_rates()
        database = await Database.open(settings.database)
        try:
            await _import_remittance_sample(database)
        except BaseException:
            await database.close()
            raise
        member_repository = MemberRepository(database)
        staff = StaffService(StaffRepository(database), deployment)
        await staff.ensure_admins(settings.admin_ids)
        guidance_repository = GuidanceRepository(database)
        remittance_repository = RemittanceRepository(database)
        http = http_client or httpx.AsyncClient()
        rates = ExchangeRates(
            remittance_repository, http, settings.ecb_rates_url, shipped=shipped_rates
        )
        # Polls go out as announcements: approval, rate limit and progress come with them.
        broadcasts = BroadcastService(database, deployment, staff, media_dir=settings.media_dir)
        members = MemberService(member_repository, languages)
        # Members answer announcements: the button is added to each delivery as it is made.
        responses = ResponseService(database, deployment, languages, staff, broadcasts)
        broadcasts.payload_hooks.append(responses.with_button)
        registration = RegistrationService(member_repository, deployment)
        inbox = InboxService(InboxRepository(database), member_repository, deployment, staff)
        inbox.about = responses.about  # a question asked with "Tell me more" names its announcement
        reminders = ReminderService(guidance_repository)
        return cls(
            settings=settings,
            deployment=deployment,
            database=database,
            languages=languages,
            members=members,
            registration=registration,
            staff=staff,
            polls=PollService(
                database, deployment, languages, staff, BroadcastPublisher(broadcasts)
            ),
            guidance=guidance,
            checklist=ChecklistService(guidance_repository, guidance[deployment.default_language]),
            reminders=reminders,
            departures=DepartureReminders(
                members, registration, reminders, reminder_zone(deployment)
            ),
            rates=rates,
            remittance=RemittanceComparer(remittance_repository, rates),
            http=http,
            broadcasts=broadcasts,
            responses=responses,
            retention=RetentionService(database, RetentionPolicy.of(deployment.policies)),
            signin=SignInService(SignInRepository(database), staff),
            inbox=inbox,
            inbox_measures=InboxMeasures(InboxMeasuresRepository(database), deployment),
        )

    async def close(self) -> None:
        """Close the HTTP client, then finish the write in progress and close the database."""
        await self.http.aclose()
        await self.database.close()

    def guidance_for(self, language: str) -> GuidanceContent:
        """The pre-departure content in ``language``, else in the default language."""
        return self.guidance.get(language) or self.guidance[self.deployment.default_language]

    async def sending_corridor(self, telegram_user_id: int) -> SendingCorridor | CorridorProblem:
        """The corridor the member's remittance costs are compared on."""
        return corridor_of(await self.registration.profile(telegram_user_id), self.deployment)

    async def refresh_rates(self) -> RefreshResult:
        """Fetch the day's exchange rates into the cache; a failure keeps the old ones."""
        return await self.rates.refresh()


async def _import_remittance_sample(database: Database) -> None:
    """At first start, load the remittance figures shipped with the code."""
    for report in await import_sample_if_empty(database):
        logger.info(
            "Remittance sample: %d rows imported, %d rejected from %s",
            report.imported,
            len(report.rejected),
            report.path.name,
        )
