"""The polls feature as handlers and the command line use it: create, count, report, close.

Publishing goes through the ``PollPublisher`` wired in (``polls.publishing``): in the bot
and on the command line a ``BroadcastPublisher``, so a poll is an announcement of kind poll.

Closing. ``close`` is /closepoll; ``close_due(now)`` closes every open poll whose
``closes_at`` has passed (a JobQueue job in ``handlers.polls.closing`` calls it every half
minute). Answers after ``closes_at`` are refused by counting even before the job runs; the job
is what stops the recipients' messages and shares the results. Closing publishes the results
a last time and then erases every link between people and the poll's answers (ballots, each
recipient's Telegram poll and its counts, the poll ids in the outbox); the messages to stop and
the participants to tell are read before and held in memory only. A crash in between leaves a
closed poll still linked: ``close_due`` finishes it at its next run.

Audience. A poll goes only to an audience of at least k members (the deployment's minimum cell
size): fewer could never see results, and a poll to one person is a question to that person.

Telegram poll ids. Every recipient gets their own Telegram poll, whose id the engine writes to
the outbox once sent. The first answer or count update for an id not yet known as a variant
registers it from the outbox (``register_delivered``); if the engine has not yet written that
row back (it flushes in batches, within a fraction of a second), the lookup is retried a few
times before the update is given up as unknown. Closing a poll registers all the variants at
once, so every recipient's message can be stopped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.access import Actor, Permission, require
from bot.deployment import Deployment
from bot.disclosure import Disclosure
from bot.i18n import Languages
from bot.staff import StaffService
from bot.storage.database import Database
from bot.storage.polls import NewPoll, Participant, PollRepository, PollRow, Publication
from broadcasts.audience import AudienceBands, band_by_language, count_audience
from polls.counting import AnswerResult, Outcome, PollCounter
from polls.drafting import DraftError, PollDraft, Problem, ProblemKind, check_draft
from polls.publishing import (
    PollPublisher,
    PollSubmission,
    Published,
    build_payloads,
    poll_settings,
    question_room,
    room_for,
)
from polls.results import PollResults, PollResultsService
from polls.wizard import PollSketch

logger = logging.getLogger(__name__)

#: Tries, and seconds between them, to find a just-sent poll in the outbox.
LOOKUP_TRIES = 4
LOOKUP_DELAY = 0.5


class PublishingUnavailable(RuntimeError):
    """No publisher is wired in (the announcement engine is not running)."""


@dataclass(frozen=True)
class CreatedPoll:
    poll_id: int
    published: Published
    fallback_languages: tuple[str, ...]


@dataclass(frozen=True)
class PollReport:
    """A poll's results with the texts to show them in a language."""

    poll: PollRow
    question: str
    option_labels: tuple[str, ...]
    results: PollResults
    publications: tuple[Publication, ...] = ()


@dataclass(frozen=True)
class ClosedPoll:
    """What closing did: the messages to stop and whom to send the results to."""

    poll_id: int
    already_closed: bool
    messages: list[tuple[int, int]]
    participants: list[Participant]


class PollService:
    """Polls end to end, over the repository, the counter and the results service."""

    def __init__(
        self,
        database: Database,
        deployment: Deployment,
        languages: Languages,
        staff: StaffService,
        publisher: PollPublisher | None = None,
    ) -> None:
        self.database = database
        self.repository = PollRepository(database)
        self.counter = PollCounter(self.repository)
        self.results_service = PollResultsService(
            self.repository, deployment.policies.poll_min_cell_size
        )
        self.deployment = deployment
        self.languages = languages
        self.publisher = publisher
        self.staff = staff
        self.lookup_delay = LOOKUP_DELAY

    def translate(self, language: str, message: str) -> str:
        return self.languages.translator(language).gettext(message)

    # --- creating ------------------------------------------------------------------------------
    def check(self, draft: PollDraft, now: datetime | None = None) -> None:
        """Raise DraftError naming every problem with the draft, SensitiveQuestion when it
        asks about a topic the deployment lists as sensitive (bot/sensitive.py)."""
        at = now or datetime.now(UTC)
        room = question_room(draft, self.translate)
        problems = check_draft(draft, self.deployment.languages, at, room)
        if problems:
            raise DraftError(problems)
        self.deployment.sensitive.refuse_poll(draft.questions, draft.options)

    async def check_audience(self, draft: PollDraft) -> None:
        """Raise DraftError when the poll's audience is smaller than k (its size is not said:
        the preview shows it as a band)."""
        size = await count_audience(self.database, draft.audience)
        if not self.results_service.rule.enough(size):
            k = self.results_service.k
            raise DraftError([Problem("audience", ProblemKind.AUDIENCE_TOO_SMALL, limit=k)])

    def question_room(self, sketch: PollSketch, language: str) -> int:
        """Characters the question in ``language`` may have: the base language's text is
        also what members of every language without a translation see, under their notice."""
        if language != sketch.base_language:
            return room_for(sketch.mode, language, self.translate)
        readers = [
            code
            for code in self.deployment.languages
            if code == language or code not in sketch.translations
        ]
        return min(room_for(sketch.mode, code, self.translate) for code in readers)

    async def preview(self, draft: PollDraft, actor: Actor) -> AudienceBands:
        """Recipients per language of the poll's texts, and how many get the base language's
        text as a fallback, as bands (bot/disclosure.py)."""
        require(actor, Permission.COMPOSE, draft.audience.consulates)
        k = Disclosure(self.deployment.policies.poll_min_cell_size)
        return await band_by_language(
            self.database, draft.audience, draft.questions, draft.base_language, k
        )

    async def store(self, draft: PollDraft) -> int:
        """Store a checked draft as a poll (status draft) and return its id."""
        return await self.repository.create(
            NewPoll(
                mode=draft.mode,
                base_language=draft.base_language,
                questions=dict(draft.questions),
                options=[dict(texts) for texts in draft.options],
                allows_multiple=draft.allows_multiple,
                share_results=draft.share_results,
                audience=draft.audience.to_json(),
                opens_at=draft.opens_at,
                closes_at=draft.closes_at,
                created_by=draft.created_by,
            )
        )

    def submission(self, poll_id: int, draft: PollDraft, author: Actor) -> PollSubmission:
        languages = self.deployment.languages
        return PollSubmission(
            poll_id=poll_id,
            payloads=build_payloads(draft, languages, self.translate),
            audience=draft.audience,
            default_language=self.deployment.default_language,
            settings=poll_settings(draft),
            author=author,
            opens_at=draft.opens_at,
        )

    async def create(
        self, draft: PollDraft, actor: Actor, now: datetime | None = None
    ) -> CreatedPoll:
        """Check, store and publish a poll (sending now or waiting for approval)."""
        require(actor, Permission.COMPOSE, draft.audience.consulates)
        if self.publisher is None:
            raise PublishingUnavailable("the announcement engine is not running")
        at = now or datetime.now(UTC)
        draft = replace(draft, created_by=actor.telegram_user_id)  # the actor, not a claim
        self.check(draft, at)
        await self.check_audience(draft)
        poll_id = await self.store(draft)
        published = await self.publisher.publish(self.submission(poll_id, draft, actor))
        await self.repository.set_status(poll_id, "open", at)
        fallback = tuple(
            language for language in self.deployment.languages if language not in draft.questions
        )
        return CreatedPoll(poll_id, published, fallback)

    # --- counting ------------------------------------------------------------------------------
    async def record_answer(
        self,
        update_id: int,
        telegram_poll_id: str,
        telegram_user_id: int,
        option_ids: Sequence[int],
    ) -> AnswerResult:
        """Apply a poll_answer update (segmented polls)."""
        await self.ensure_variant(telegram_poll_id)
        return await self.counter.record_answer(
            update_id=update_id,
            telegram_poll_id=telegram_poll_id,
            telegram_user_id=telegram_user_id,
            option_ids=option_ids,
        )

    async def record_counts(
        self,
        update_id: int,
        telegram_poll_id: str,
        voter_counts: Sequence[int],
        total_voter_count: int,
        is_closed: bool,
    ) -> AnswerResult:
        """Apply a poll update (anonymous polls; ignored for segmented ones)."""
        await self.ensure_variant(telegram_poll_id)
        return await self.counter.record_counts(
            update_id=update_id,
            telegram_poll_id=telegram_poll_id,
            voter_counts=voter_counts,
            total_voter_count=total_voter_count,
            is_closed_by_telegram=is_closed,
        )

    async def ensure_variant(self, telegram_poll_id: str) -> bool:
        """Make sure the Telegram poll is a known variant; False if no delivery sent it."""
        for attempt in range(LOOKUP_TRIES):
            if await self.repository.register_delivered(telegram_poll_id):
                return True
            if attempt + 1 < LOOKUP_TRIES:
                await asyncio.sleep(self.lookup_delay)
        logger.info("A poll update names a Telegram poll no delivery sent")
        return False

    # --- reading -------------------------------------------------------------------------------
    async def recent(self, actor: Actor, limit: int = 8) -> list[tuple[PollRow, str]]:
        """The newest polls within the actor's remit, with their question in the base
        language."""
        require(actor, Permission.VIEW)
        staff = actor.staff
        within = staff.consulates if staff is not None and staff.consulates else None
        polls = await self.repository.recent(limit, within)
        return [(poll, await self._question(poll, poll.base_language)) for poll in polls]

    async def report(
        self, poll_id: int, language: str, actor: Actor, formats: Sequence[str] = ("text",)
    ) -> PollReport:
        """Results with the question and options in ``language`` (else the base language),
        for staff who may see the poll's consulates; the reading is audited with the
        ``formats`` it was given in (text, png, csv)."""
        require(actor, Permission.VIEW)  # before anything is looked up
        require(actor, Permission.VIEW, await self.audience_consulates(poll_id))
        report = await self._report(poll_id, language)
        await self.staff.audit(actor, "poll.results", str(poll_id), formats=sorted(formats))
        return report

    async def shared_report(self, poll_id: int, language: str) -> PollReport:
        """The results the poll's participants are sent when it closes (same figures)."""
        return await self._report(poll_id, language)

    async def _report(self, poll_id: int, language: str) -> PollReport:
        poll = await self.repository.get(poll_id)
        if poll is None:
            raise LookupError(f"no poll {poll_id}")
        await self.repository.register_all_delivered(poll_id)
        recipients = await self.repository.recipients(poll_id)
        results = await self.results_service.results(poll_id, recipients or None)
        options = await self.repository.options(poll_id)
        labels = tuple(
            texts.get(language) or texts.get(poll.base_language, "") for texts in options
        )
        publications = tuple(await self.repository.publications(poll_id))
        return PollReport(poll, await self._question(poll, language), labels, results, publications)

    async def _question(self, poll: PollRow, language: str) -> str:
        questions = await self.repository.questions(poll.id)
        return questions.get(language) or questions.get(poll.base_language, "")

    async def audience_consulates(self, poll_id: int) -> frozenset[str]:
        """The consulates a poll was sent to (empty: all); LookupError if there is none."""
        if await self.repository.get(poll_id) is None:
            raise LookupError(f"no poll {poll_id}")
        data = json.loads(await self.repository.audience(poll_id))
        return frozenset(data.get("consulates", ()))

    # --- closing -------------------------------------------------------------------------------
    async def close(self, poll_id: int, actor: Actor, now: datetime | None = None) -> ClosedPoll:
        """Stop taking answers (staff with COMPOSE over the poll's consulates); say which
        messages to stop and who gets the results."""
        require(actor, Permission.COMPOSE)  # before anything is looked up
        require(actor, Permission.COMPOSE, await self.audience_consulates(poll_id))
        closed = await self._close(poll_id, now)
        if not closed.already_closed:
            await self.staff.audit(actor, "poll.close", str(poll_id))
        return closed

    async def _close(self, poll_id: int, now: datetime | None = None) -> ClosedPoll:
        poll = await self.repository.get(poll_id)
        if poll is None:
            raise LookupError(f"no poll {poll_id}")
        if poll.status == "closed":
            return ClosedPoll(poll_id, True, [], [])
        await self.repository.set_status(poll_id, "closed", now or datetime.now(UTC))
        await self.repository.register_all_delivered(poll_id)
        messages = await self.repository.variant_messages(poll_id)
        participants = await self.repository.participants(poll_id) if poll.share_results else []
        await self._finish(poll_id)
        return ClosedPoll(poll_id, False, messages, participants)

    async def _finish(self, poll_id: int) -> None:
        """Publish the final results, then unlink every answer from every person."""
        recipients = await self.repository.recipients(poll_id)
        await self.results_service.publish_final(poll_id, recipients)
        await self.repository.unlink(poll_id)
        await self.database.checkpoint_after_erasure()
        logger.info("Poll %d closed: results final, answers unlinked from people", poll_id)

    async def close_due(self, now: datetime) -> list[ClosedPoll]:
        """Close every open poll whose closing time has passed at ``now`` (the bot's own job,
        as /closepoll does), so their messages can be stopped and participants sent the
        results; and finish any closed poll a crash left linked."""
        for poll_id in await self.repository.closed_and_linked():
            await self._finish(poll_id)
        closed = [
            await self._close(poll_id, now) for poll_id in await self.repository.due_to_close(now)
        ]
        return [poll for poll in closed if not poll.already_closed]


def counted(result: AnswerResult) -> bool:
    """Whether an update changed the counts."""
    return result.outcome in (
        Outcome.RECORDED,
        Outcome.CHANGED,
        Outcome.RETRACTED,
        Outcome.COUNTS_UPDATED,
    )
