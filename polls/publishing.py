"""Handing a stored poll to the announcement engine: its payloads, and the publisher.

Payloads. One payload per enabled language, each with the question and options in that
language or, where staff gave none, in the poll's base language. A segmented poll's question
starts with a short notice in the member's own language: their answer is linked to their
profile for statistics and never shown individually. The engine sends one message per
recipient and Telegram polls have no free-text field this version of the sandbox and the
engine pass on (``description`` is not sent), so the notice is the first line of the
question itself: it is in front of the member when they vote, whatever their client, and the
question's 300-character limit is checked with the notice counted (``question_room``).

Publishing. ``PollPublisher`` is the one integration point with composition: it hands a
``PollSubmission`` to whatever sends it, and the votes on any recipient's Telegram poll are
traced back to the poll through the outbox of the deliveries that carried it
(``bot.storage.polls``).

- ``BroadcastPublisher`` (what the bot and ``python main.py poll create`` use) makes the poll
  an announcement: ``BroadcastService.create`` with ``kind=POLL``, so the poll gets the
  deployment's approval policy (two-person: pending until another staff member approves it in
  /broadcasts), the rate limit, the schedule sweep and the author's live progress; a poll that
  closes some time after it is sent gets its closing time when the sweep first sends it, in the
  broadcast and in the poll alike (``BroadcastRepository.fix_poll_close``). It links the
  poll to its broadcast (``polls.broadcast_id``) at once; the deliveries the sweep later
  creates for that broadcast (``broadcast_deliveries``) are then the poll's carriers. No
  delivery exists yet when it returns, so ``Published.delivery_id`` is None.
- ``EnginePublisher`` is the direct route, kept for benchmarks and tests of counting alone: it
  stores a delivery tagged ``origin = 'poll'`` and starts it when the deployment needs no
  approval, else leaves it waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from bot.access import Actor
from bot.i18n import N_
from bot.storage.database import Database
from bot.storage.polls import POLL_ORIGIN, PollRepository
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastRequest, BroadcastService, Category
from broadcasts.deliveries import create_delivery
from broadcasts.engine import DeliveryEngine
from broadcasts.payload import MAX_POLL_QUESTION, DeliveryKind, Payload, PollSettings
from broadcasts.schedule import Schedule
from polls.counting import ANONYMOUS, SEGMENTED
from polls.drafting import PollDraft

#: Shown above a segmented poll's question, in the member's language.
SEGMENTED_NOTICE = N_(
    "🔒 Your answer is used for statistics only, never shown individually, and unlinked from"
    " you when the poll closes."
)
NOTICE_SEPARATOR = "\n"

Translate = Callable[[str, str], str]
"""``translate(language, message)``: the message in that language."""


class PublishState(StrEnum):
    SENDING = "sending"
    AWAITING_APPROVAL = "awaiting_approval"


@dataclass(frozen=True)
class PollSubmission:
    """Everything composition needs to send a stored poll."""

    poll_id: int
    payloads: list[Payload]
    audience: Audience
    default_language: str
    settings: PollSettings
    author: Actor
    opens_at: datetime | None = None


@dataclass(frozen=True)
class Published:
    """What publishing did: the delivery (direct route) or the broadcast that will send it."""

    state: PublishState
    delivery_id: int | None = None
    broadcast_id: int | None = None


class PollPublisher(Protocol):
    async def publish(self, submission: PollSubmission) -> Published: ...


def notice(translate: Translate, language: str) -> str:
    return translate(language, SEGMENTED_NOTICE)


def question_room(draft: PollDraft, translate: Translate) -> Callable[[str], int]:
    """Characters the question may have in each language once the notice is counted."""

    def room(language: str) -> int:
        return room_for(draft.mode, language, translate)

    return room


def room_for(mode: str, language: str, translate: Translate) -> int:
    """Characters a question in ``language`` may have in a poll of this mode."""
    if mode != SEGMENTED:
        return MAX_POLL_QUESTION
    return MAX_POLL_QUESTION - len(notice(translate, language) + NOTICE_SEPARATOR)


def build_payloads(
    draft: PollDraft, languages: tuple[str, ...], translate: Translate
) -> list[Payload]:
    """One poll payload per enabled language (see the module docstring)."""
    payloads = []
    for language in languages:
        question = draft.question_in(language)
        if draft.mode == SEGMENTED:
            question = notice(translate, language) + NOTICE_SEPARATOR + question
        payloads.append(
            Payload(language, poll_question=question, poll_options=draft.options_in(language))
        )
    return payloads


def poll_settings(draft: PollDraft) -> PollSettings:
    """The settings every recipient's Telegram poll gets; a closing period is fixed when the
    poll is first sent (``PollSettings.opened``), so Telegram closes it when the bot does."""
    return PollSettings(
        anonymous=draft.mode == ANONYMOUS,
        allows_multiple_answers=draft.allows_multiple,
        close_date=draft.closes_at,
        open_for=draft.open_for,
    )


class EnginePublisher:
    """Stores the poll's delivery and starts it on the engine (approval 'none'), or leaves it
    ``created`` for an approver when the deployment asks for two people."""

    def __init__(self, database: Database, engine: DeliveryEngine, approval: str) -> None:
        self.database = database
        self.engine = engine
        self.approval = approval

    async def publish(self, submission: PollSubmission) -> Published:
        opened = replace(submission, settings=submission.settings.opened(datetime.now(UTC)))
        delivery_id = await store_delivery(self.database, opened)
        if self.approval != "none":
            return Published(PublishState.AWAITING_APPROVAL, delivery_id=delivery_id)
        await self.engine.start_delivery(delivery_id)
        return Published(PublishState.SENDING, delivery_id=delivery_id)


#: The announcement category polls are filed under (never emergency: no approval is skipped).
POLL_CATEGORY = Category.CONSULAR


class BroadcastPublisher:
    """Sends a poll as an announcement through ``BroadcastService`` (see the module docstring).

    The broadcast's author is the submission's actor: composition checks their role and remit
    and applies the approval rules. Raises ``BroadcastError`` when composition refuses the
    request (and ``AccessDenied`` when the actor may not compose for the audience).
    """

    def __init__(self, broadcasts: BroadcastService) -> None:
        self.broadcasts = broadcasts
        self.repository = PollRepository(broadcasts.database)

    async def publish(self, submission: PollSubmission) -> Published:
        now = datetime.now(UTC)
        created = await self.broadcasts.create(
            BroadcastRequest(
                kind=DeliveryKind.POLL,
                category=POLL_CATEGORY,
                payloads=submission.payloads,
                audience=submission.audience,
                schedule=schedule_for(submission.opens_at, now),
                author=submission.author,
                poll=submission.settings,
            ),
            now,
        )
        await self.repository.set_broadcast(submission.poll_id, created.broadcast.id)
        state = PublishState.AWAITING_APPROVAL if created.needs_approval else PublishState.SENDING
        return Published(state, broadcast_id=created.broadcast.id)


def schedule_for(opens_at: datetime | None, now: datetime) -> Schedule:
    """Now, or at the poll's opening time (to the minute, UTC) when that is still ahead."""
    if opens_at is None or opens_at.replace(second=0, microsecond=0) <= now:
        return Schedule.now()
    return Schedule.at(opens_at.astimezone(UTC), "UTC")


async def store_delivery(database: Database, submission: PollSubmission) -> int:
    """The poll's delivery, tagged with its origin so answers can be traced to the poll."""
    return await create_delivery(
        database,
        submission.payloads,
        submission.audience,
        submission.default_language,
        poll=submission.settings,
        origin=POLL_ORIGIN,
        origin_id=submission.poll_id,
    )
