"""Composing, approving and scheduling broadcasts: the one service behind the /announce wizard,
/broadcasts and ``python main.py broadcast ...``. No telegram import here.

``BroadcastService.create(BroadcastRequest)`` checks the request (payloads, the default
language, the author's remit over the audience's consulates, the schedule) and stores the
broadcast with its schedule rows. Approval follows the deployment's policy:

- ``none``: the broadcast is scheduled at once;
- ``two-person``: it waits in ``pending_approval`` until someone other than the author, with
  the APPROVE permission and covering the audience's consulates, approves it.

An admin (SEND_EMERGENCY_NOW) composing the emergency category skips approval. A poll whose
question or options touch one of the deployment's sensitive topics (bot/sensitive.py) is
refused (``SensitivePoll``); an announcement that mentions one is accepted with warnings, shown
to its author at preview and to its approvers (``review``).

What staff see of numbers follows the disclosure rule (bot/disclosure.py): the preview, the
review, progress and reports carry bands, never the counts, so no screen can show one.
``review`` is everything an approver must see: every language's content, the audience's
filters, its size now, the planned runs and the warnings.

Approvers are told of every broadcast waiting for them, whatever made it (the chat, the command
line): ``approvers_to_tell`` hands them out once, and the bot's sweep asks for the broadcasts
whose approvers were never told (``untold``), including those made while no one else could
approve them, so an approver added later is told.

Cancel, pause and resume are for the author or an admin (or the command-line operator). Every
method that changes or shows a broadcast takes the acting ``Actor`` and checks role and
consulate remit itself (``bot.access.require``): staff see and act on their own consulates'
broadcasts only. Every action is written to the audit log.

Sending: ``sweep(now)`` (a JobQueue job in the bot, every few seconds) turns each due schedule
row into a delivery (``create_delivery(..., origin='broadcast')``), starts it on the engine
and advances the row (recurring rows to their next fire time). The database is the source of
truth, so a broadcast created by the command line while the bot runs goes out on time, and
nothing is lost across restarts. A poll that closes a period after it is sent (the quick
form's 24 hours) gets its closing time when its first delivery is created, so time spent
waiting for approval does not count. An occurrence fires at most once: the delivery is linked to
(schedule row, due time) in the same transaction that advances the row; a crash between
creating and linking leaves an unsent, unlinked delivery behind, never a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.access import AccessDenied, Actor, Permission, Role, StaffMember, allows, require
from bot.deployment import Consulate, Deployment
from bot.disclosure import Band, Disclosure
from bot.sensitive import Match, SensitiveQuestion, poll_texts
from bot.staff import StaffService
from bot.storage.database import Database
from broadcasts.audience import (
    NO_CONSULATE,
    Audience,
    AudienceBands,
    band_audience,
    band_by_language,
)
from broadcasts.deliveries import DeliveryRepository, create_delivery
from broadcasts.engine import DeliveryEngine
from broadcasts.media import MediaRefused, check_media, keep_upload, media_kind_of
from broadcasts.outbox import Outbox
from broadcasts.payload import (
    DeliveryKind,
    Media,
    Payload,
    PollSettings,
    TextTooLong,
    check_payloads,
)
from broadcasts.progress import BandedProgress, Progress, build_progress, combined
from broadcasts.repository import (
    Broadcast,
    BroadcastRepository,
    BroadcastStatus,
    NewBroadcast,
    ScheduleRow,
)
from broadcasts.response_store import ResponseOffer
from broadcasts.schedule import (
    PlannedRun,
    Schedule,
    ScheduleError,
    ScheduleKind,
    TimePassed,
    ZonesPassed,
    ambiguity_note,
    next_occurrence,
    plan,
    zone_of,
)
from broadcasts.transport import Outcome, Recipient

logger = logging.getLogger(__name__)

RIGHT_TO_LEFT_MARK = "\u200f"


class Category(StrEnum):
    CONSULAR = "consular"
    EMERGENCY = "emergency"
    INVESTMENT = "investment"
    PROGRAMME = "programme"
    EVENT = "event"
    YOUTH_CULTURE = "youth_culture"
    OTHER = "other"


class BroadcastProblem(StrEnum):
    """Why a request or action was refused, for the chat and the console to say in the staff
    member's language (broadcasts/labels.py); anything staff cannot fix there is INVALID."""

    NOT_FOUND = "not_found"
    NOT_PENDING = "not_pending"
    OWN_BROADCAST = "own_broadcast"
    FINISHED = "finished"
    NOT_PAUSABLE = "not_pausable"
    NOT_PAUSED = "not_paused"
    TIME_PASSED = "time_passed"
    TEXT_TOO_LONG = "text_too_long"
    INVALID = "invalid"


class BroadcastError(ValueError):
    """A request or action refused. The message says why in English (operators, logs);
    ``problem`` and ``values`` let the chat and the console say it in the staff member's
    language."""

    def __init__(
        self,
        message: str,
        problem: BroadcastProblem = BroadcastProblem.INVALID,
        **values: object,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.values = values


class TimePassedInZones(BroadcastError):
    """A LOCAL_TIME schedule whose time has passed in some zones, with no choice made for
    them (``Schedule.past_zones``): ``runs`` is every zone's run as asked, ``passed`` those
    already past, so the author can be shown each zone's time and asked."""

    def __init__(self, passed: ZonesPassed) -> None:
        super().__init__(str(passed))
        self.runs = passed.runs
        self.passed = passed.passed


class SensitivePoll(SensitiveQuestion, BroadcastError):
    """A poll refused because it asks about a sensitive topic: a BroadcastError for callers
    that only say why in English, a SensitiveQuestion for those that name the topic in the
    staff member's language."""


@dataclass(frozen=True)
class BroadcastRequest:
    """What an author asks to send; ``author`` is who asks, with their role and remit."""

    kind: DeliveryKind
    category: Category
    payloads: list[Payload]
    audience: Audience
    schedule: Schedule
    author: Actor
    poll: PollSettings | None = None
    # The response button under an announcement (broadcasts/responses.py), if any.
    response: ResponseOffer | None = None


#: IANA zone -> the audience's consulates in it.
ConsulateZones = dict[str, frozenset[str]]


@dataclass(frozen=True)
class Preview:
    """The content per language, the recipients per language and as the fallback (bands),
    when each schedule row would fire (UTC), the sensitive topics the texts mention, and the
    zones of the audience's consulates (to say when it is there)."""

    payloads: dict[str, Payload]
    counts: AudienceBands
    default_language: str
    runs: list[PlannedRun]
    warnings: list[Match]
    zones: ConsulateZones = field(default_factory=dict)

    @property
    def total(self) -> Band:
        return self.counts.total


@dataclass(frozen=True)
class Created:
    broadcast: Broadcast
    needs_approval: bool
    notes: list[str]
    warnings: list[Match]
    size: Band


@dataclass(frozen=True)
class Review:
    """Everything an approver must see: the content in every language (a message's text,
    media and buttons, or a poll's question and options), the audience (its filters are
    ``broadcast.audience``) and its size now as a band, the schedule rows with their next
    run (UTC), the sensitive topics mentioned, whether ``actor`` may approve it, and the
    zones of the audience's consulates."""

    broadcast: Broadcast
    payloads: list[Payload]
    size: Band
    runs: list[ScheduleRow]
    warnings: list[Match]
    may_approve: bool
    zones: ConsulateZones = field(default_factory=dict)


@dataclass(frozen=True)
class Started:
    """A delivery the sweep created and started for a broadcast."""

    broadcast: Broadcast
    delivery_id: int


@dataclass(frozen=True)
class BroadcastReport:
    """A broadcast, its content and audience (``review``), and each delivery's progress with
    the totals over them, as bands."""

    review: Review
    deliveries: list[BandedProgress]
    totals: BandedProgress

    @property
    def broadcast(self) -> Broadcast:
        return self.review.broadcast

    @property
    def schedules(self) -> list[ScheduleRow]:
        return self.review.runs

    def total(self, name: str) -> Band:
        band: Band = getattr(self.totals, name)
        return band


DeliveryHook = Callable[[Broadcast, int], Awaitable[None]]
#: Turns a broadcast's stored payloads into those sent (adds the response button).
PayloadHook = Callable[[Broadcast, list[Payload]], Awaitable[list[Payload]]]


@dataclass
class BroadcastService:
    """Create, approve, schedule and control broadcasts. ``engine`` is attached while a
    delivery engine runs in this process (the bot, or ``broadcast send --foreground``)."""

    database: Database
    deployment: Deployment
    staff: StaffService
    engine: DeliveryEngine | None = None
    on_delivery_created: list[DeliveryHook] = field(default_factory=list)
    payload_hooks: list[PayloadHook] = field(default_factory=list)
    # BOT_MEDIA_DIR: local photos and documents are names in it (None: none are accepted).
    media_dir: Path | None = None

    def __post_init__(self) -> None:
        self.repository = BroadcastRepository(self.database)
        self.disclosure = Disclosure(self.deployment.policies.poll_min_cell_size)
        # One sweep at a time in this process (the sweep job, a test, `broadcast send`): each
        # reads what is due, then creates and starts it. Across processes only the holder of
        # the engine lease sweeps.
        self._sweeping = asyncio.Lock()

    # --- composing -----------------------------------------------------------------------------
    async def preview(self, request: BroadcastRequest, now: datetime) -> Preview:
        """Check the request and say who would receive what (bands), when, and what it
        mentions that members may fear."""
        self._check_author(request)
        payloads = self._checked_payloads(request)
        runs = self._plan(request, now)
        counts = await band_by_language(
            self.database,
            request.audience,
            [p.language for p in payloads],
            self.deployment.default_language,
            self.disclosure,
        )
        return Preview(
            {p.language: p for p in payloads},
            counts,
            self.deployment.default_language,
            runs,
            self.warnings(payloads),
            self.consulate_zones(request.audience),
        )

    def keep_upload(self, actor: Actor, filename: str, data: bytes) -> Media:
        """Keep a photo or document a staff member uploaded, to attach to an announcement."""
        require(actor, Permission.COMPOSE)
        kind = media_kind_of(filename)
        if self.media_dir is None or kind is None:
            raise MediaRefused(f"{filename!r}: no photo or document can be kept here")
        return Media(kind, keep_upload(self.media_dir, filename, data))

    def addressable_consulates(self, actor: Actor) -> list[Consulate]:
        """The consulates the actor may compose for (all, for unlimited staff)."""
        return [c for c in self.deployment.consulates if allows(actor, Permission.COMPOSE, [c.id])]

    def addressable_countries(self, actor: Actor) -> list[str]:
        """The countries in those consulates' jurisdictions."""
        found = {code for c in self.addressable_consulates(actor) for code in c.jurisdiction}
        return sorted(found)

    async def audience_band(self, audience: Audience, actor: Actor) -> Band:
        """How many members an audience being composed reaches now, as a band."""
        self._check_consulates(audience)
        require(actor, Permission.COMPOSE, audience.consulates)
        return await band_audience(self.database, audience, self.disclosure)

    def warnings(self, payloads: list[Payload]) -> list[Match]:
        """The sensitive topics a message's texts (or a poll's) mention."""
        if any(p.kind is DeliveryKind.POLL for p in payloads):
            return self.deployment.sensitive.scan(_poll_texts(payloads))
        texts = {p.language: p.text for p in payloads if p.text}
        return self.deployment.sensitive.in_messages(texts)

    async def create(self, request: BroadcastRequest, now: datetime) -> Created:
        """Check and store a broadcast; scheduled at once or waiting for approval."""
        self._check_author(request)
        payloads = self._checked_payloads(request)
        runs = self._plan(request, now)
        at_once = self._skips_approval(request)
        status = BroadcastStatus.SCHEDULED if at_once else BroadcastStatus.PENDING_APPROVAL
        broadcast_id = await self.repository.insert(
            NewBroadcast(
                kind=request.kind,
                category=request.category.value,
                status=status,
                author=request.author.name,
                author_telegram_id=request.author.telegram_user_id,
                audience=request.audience,
                default_language=self.deployment.default_language,
                schedule=request.schedule,
                poll=request.poll,
                payloads=payloads,
                runs=runs,
                response=request.response,
            )
        )
        await self.staff.audit(
            request.author,
            "broadcast.create",
            str(broadcast_id),
            category=request.category.value,
            status=status.value,
            schedule=request.schedule.kind.value,
            languages=[p.language for p in payloads],
        )
        logger.info("Broadcast %d created (%s)", broadcast_id, status)
        broadcast = await self._load(broadcast_id)
        size = await band_audience(self.database, request.audience, self.disclosure)
        return Created(broadcast, not at_once, self._notes(request), self.warnings(payloads), size)

    def _checked_payloads(self, request: BroadcastRequest) -> list[Payload]:
        try:
            payloads = [_with_direction(replace(p, poll=request.poll)) for p in request.payloads]
            kind = check_payloads(payloads, self.deployment.default_language)
        except TextTooLong as exc:
            raise BroadcastError(
                str(exc), BroadcastProblem.TEXT_TOO_LONG, language=exc.language, limit=exc.limit
            ) from None
        except ValueError as exc:
            raise BroadcastError(str(exc)) from None
        if kind is not request.kind:
            raise BroadcastError(f"the payloads are a {kind.value}, not a {request.kind.value}")
        if request.response is not None:
            _check_response(request.response, kind)
        if kind is DeliveryKind.POLL:
            matches = self.deployment.sensitive.scan(_poll_texts(payloads))
            if matches:
                raise SensitivePoll(matches)
        unknown = sorted({p.language for p in payloads} - set(self.deployment.languages))
        if unknown:
            raise BroadcastError(f"language {unknown[0]!r} is not enabled in the deployment")
        for payload in payloads:
            if payload.media is None or payload.media.path is None:
                continue  # a text, or a file Telegram already holds (file_id)
            try:
                check_media(self.media_dir, payload.media.path)
            except MediaRefused as refused:
                raise BroadcastError(f"media {refused}") from None
        return payloads

    def _check_author(self, request: BroadcastRequest) -> None:
        self._check_consulates(request.audience)
        require(request.author, Permission.COMPOSE, request.audience.consulates)

    def _check_consulates(self, audience: Audience) -> None:
        known = {c.id for c in self.deployment.consulates}
        unknown = sorted(audience.consulates - known)
        if unknown:
            raise BroadcastError(f"consulate {unknown[0]!r} is not in the deployment")

    def _skips_approval(self, request: BroadcastRequest) -> bool:
        if self.deployment.policies.approval == "none":
            return True
        member = request.author.staff
        return (
            request.category is Category.EMERGENCY
            and member is not None
            and member.may(Permission.SEND_EMERGENCY_NOW)
        )

    def _plan(self, request: BroadcastRequest, now: datetime) -> list[PlannedRun]:
        try:
            runs = plan(request.schedule, now, self.zones_for(request.audience))
        except ZonesPassed as passed:
            raise TimePassedInZones(passed) from None
        except TimePassed as exc:
            raise BroadcastError(str(exc), BroadcastProblem.TIME_PASSED) from None
        except ScheduleError as exc:
            raise BroadcastError(str(exc)) from None
        if request.schedule.kind is not ScheduleKind.NOW and all(r.due_at < now for r in runs):
            raise BroadcastError("that time has already passed", BroadcastProblem.TIME_PASSED)
        return runs

    def zones_for(self, audience: Audience) -> dict[str, str]:
        """The audience's consulates (every consulate when it names none) and their zones.

        An audience naming no consulate also reaches members who have none (returned home):
        they are timed in the home country.
        """
        zones = {
            c.id: c.timezone
            for c in self.deployment.consulates
            if not audience.consulates or c.id in audience.consulates
        }
        if not audience.consulates:
            zones[NO_CONSULATE] = self.deployment.home_zone
        return zones

    def consulate_zones(self, audience: Audience) -> ConsulateZones:
        """The zones of the audience's consulates (every consulate when it names none), each
        with its consulates: where a time in one consulate's zone is shown in the others'."""
        by_zone: dict[str, set[str]] = {}
        for consulate, zone in self.zones_for(audience).items():
            if consulate != NO_CONSULATE:
                by_zone.setdefault(zone, set()).add(consulate)
        return {zone: frozenset(consulates) for zone, consulates in by_zone.items()}

    def _notes(self, request: BroadcastRequest) -> list[str]:
        schedule = request.schedule
        if schedule.local is None:
            return []
        zones = (
            [schedule.zone]
            if schedule.zone
            else sorted(set(self.zones_for(request.audience).values()))
        )
        notes = [ambiguity_note(schedule.local, zone_of(zone)) for zone in zones if zone]
        return [note for note in notes if note]

    # --- approval ------------------------------------------------------------------------------
    async def approve(
        self, broadcast_id: int, actor: Actor, comment: str | None = None
    ) -> Broadcast:
        """Approve someone else's broadcast (APPROVE permission, covering its consulates),
        with an optional comment for the author."""
        require(actor, Permission.APPROVE)  # before anything is looked up
        broadcast = await self._load(broadcast_id)
        self._check_approver(broadcast, actor)
        moved = await self.repository.set_status(
            broadcast_id,
            BroadcastStatus.SCHEDULED,
            expected=(BroadcastStatus.PENDING_APPROVAL,),
            approver=actor.name,
            comment=comment,
        )
        if not moved:
            raise BroadcastError(
                f"broadcast {broadcast_id} is not waiting for approval",
                BroadcastProblem.NOT_PENDING,
                id=broadcast_id,
            )
        await self.staff.audit(actor, "broadcast.approve", str(broadcast_id))
        logger.info("Broadcast %d approved", broadcast_id)
        return await self._load(broadcast_id)

    async def reject(
        self, broadcast_id: int, actor: Actor, comment: str | None = None
    ) -> Broadcast:
        """Reject someone else's broadcast, with an optional comment saying why."""
        require(actor, Permission.APPROVE)  # before anything is looked up
        broadcast = await self._load(broadcast_id)
        self._check_approver(broadcast, actor)
        moved = await self.repository.set_status(
            broadcast_id,
            BroadcastStatus.REJECTED,
            expected=(BroadcastStatus.PENDING_APPROVAL,),
            comment=comment,
        )
        if not moved:
            raise BroadcastError(
                f"broadcast {broadcast_id} is not waiting for approval",
                BroadcastProblem.NOT_PENDING,
                id=broadcast_id,
            )
        await self.repository.stop_schedules(broadcast_id)
        await self._close_unsent_poll(broadcast)
        await self.staff.audit(actor, "broadcast.reject", str(broadcast_id))
        return await self._load(broadcast_id)

    def _check_approver(self, broadcast: Broadcast, actor: Actor) -> None:
        """A staff member other than the author, with APPROVE over the audience."""
        if actor.staff is None:
            raise AccessDenied("approving needs a staff member (on the command line: --as)")
        require(actor, Permission.APPROVE, broadcast.audience.consulates)
        if actor.is_person(broadcast.author_telegram_id):
            raise BroadcastError(
                "someone other than the author must approve", BroadcastProblem.OWN_BROADCAST
            )

    def may_approve(self, broadcast: Broadcast, actor: Actor) -> bool:
        try:
            self._check_approver(broadcast, actor)
        except (AccessDenied, BroadcastError):
            return False
        return broadcast.status is BroadcastStatus.PENDING_APPROVAL

    async def approvers_for(self, broadcast: Broadcast) -> list[StaffMember]:
        """Staff who could approve ``broadcast`` (to notify them)."""
        return [
            member
            for member in await self.staff.everyone()
            if self.may_approve(broadcast, Actor.in_chat(member.telegram_user_id, member))
        ]

    async def untold(self, actor: Actor) -> list[Broadcast]:
        """Broadcasts within the actor's remit waiting for approval whose approvers were
        never told (the bot's sweep tells them)."""
        require(actor, Permission.VIEW)
        return await self.repository.untold(_remit(actor))

    async def approvers_to_tell(self, broadcast_id: int, actor: Actor) -> list[StaffMember]:
        """The staff to send a broadcast's approval request to, once whatever made it: its
        approvers, recorded as told; [] once they were told, or while no one may approve it
        (the next call tries again, so an approver added later is told)."""
        require(actor, Permission.COMPOSE)  # before anything is looked up
        broadcast = await self._load(broadcast_id)
        require(actor, Permission.COMPOSE, broadcast.audience.consulates)
        if broadcast.status is not BroadcastStatus.PENDING_APPROVAL:
            return []
        approvers = await self.approvers_for(broadcast)
        if not approvers or not await self.repository.claim_notice(broadcast_id):
            return []
        return approvers

    # --- control -------------------------------------------------------------------------------
    def may_control(self, broadcast: Broadcast, actor: Actor) -> bool:
        """The author or an admin (with COMPOSE over its consulates), or the operator."""
        if not allows(actor, Permission.COMPOSE, broadcast.audience.consulates):
            return False
        staff = actor.staff
        return (
            staff is None
            or staff.role is Role.ADMIN
            or actor.is_person(broadcast.author_telegram_id)
        )

    async def cancel(self, broadcast_id: int, actor: Actor) -> None:
        """Send nothing more: stop the schedule rows and cancel unfinished deliveries."""
        broadcast = await self._controllable(broadcast_id, actor)
        if broadcast.status.is_final:
            raise BroadcastError(
                f"broadcast {broadcast_id} is already {broadcast.status.value}",
                BroadcastProblem.FINISHED,
                id=broadcast_id,
                status=broadcast.status,
            )
        await self.repository.set_status(broadcast_id, BroadcastStatus.CANCELLED)
        await self.repository.stop_schedules(broadcast_id)
        await self._close_unsent_poll(broadcast)
        engine = self._controller()
        for delivery_id in await self.repository.delivery_ids(
            broadcast_id, "created", "sending", "paused"
        ):
            await engine.cancel(delivery_id)
        await self.staff.audit(actor, "broadcast.cancel", str(broadcast_id))

    async def pause(self, broadcast_id: int, actor: Actor) -> None:
        """Hold the schedule and the deliveries in progress until resumed."""
        broadcast = await self._controllable(broadcast_id, actor)
        allowed = (BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING)
        if broadcast.status not in allowed:
            raise BroadcastError(
                f"broadcast {broadcast_id} is {broadcast.status.value}",
                BroadcastProblem.NOT_PAUSABLE,
                id=broadcast_id,
                status=broadcast.status,
            )
        await self.repository.set_status(broadcast_id, BroadcastStatus.PAUSED, expected=allowed)
        engine = self._controller()
        for delivery_id in await self.repository.delivery_ids(broadcast_id, "sending"):
            await engine.pause(delivery_id)
        await self.staff.audit(actor, "broadcast.pause", str(broadcast_id))

    async def resume(self, broadcast_id: int, actor: Actor, now: datetime) -> None:
        """Continue: paused deliveries resume; one-off rows missed while paused fire at the
        next sweep; recurring rows skip the occurrences missed while paused."""
        broadcast = await self._controllable(broadcast_id, actor)
        if broadcast.status is not BroadcastStatus.PAUSED:
            raise BroadcastError(
                f"broadcast {broadcast_id} is not paused",
                BroadcastProblem.NOT_PAUSED,
                id=broadcast_id,
            )
        started = await self.repository.delivery_ids(broadcast_id)
        status = BroadcastStatus.RUNNING if started else BroadcastStatus.SCHEDULED
        await self.repository.set_status(broadcast_id, status, expected=(BroadcastStatus.PAUSED,))
        for row in await self.repository.schedules(broadcast_id):
            if row.recurrence and row.next_due_at and row.next_due_at < now:
                await self.repository.set_next_due(row.id, _next_for(row, now))
        engine = self._controller()
        for delivery_id in await self.repository.delivery_ids(broadcast_id, "paused"):
            await engine.resume(delivery_id)
        await self.staff.audit(actor, "broadcast.resume", str(broadcast_id))

    async def _close_unsent_poll(self, broadcast: Broadcast) -> None:
        """A poll that was to close a period after it is sent, and now never will be sent,
        closes now (the polls' closing job then closes it) rather than stay open."""
        poll = broadcast.poll
        if poll is not None and poll.close_date is None and poll.open_for is not None:
            await self.repository.fix_poll_close(broadcast.id, datetime.now(UTC))

    async def _controllable(self, broadcast_id: int, actor: Actor) -> Broadcast:
        require(actor, Permission.COMPOSE)  # before anything is looked up
        broadcast = await self._load(broadcast_id)
        require(actor, Permission.COMPOSE, broadcast.audience.consulates)
        if not self.may_control(broadcast, actor):
            raise AccessDenied(f"{actor.name} is neither the author nor an admin")
        return broadcast

    def _controller(self) -> DeliveryEngine:
        """The running engine, or a stopped one whose actions only change the database."""
        return self.engine or DeliveryEngine(self.database, _NoTransport())

    # --- sending -------------------------------------------------------------------------------
    async def sweep(self, now: datetime, broadcast_id: int | None = None) -> list[Started]:
        """Create and start a delivery for every due schedule row; advance the rows."""
        if self.engine is None:
            raise RuntimeError("sweep needs a delivery engine")
        async with self._sweeping:
            return await self._sweep(now, broadcast_id)

    async def _sweep(self, now: datetime, broadcast_id: int | None) -> list[Started]:
        started = [
            await self._restart(b, d) for b, d in await self.repository.unstarted_deliveries()
        ]
        for row in await self.repository.due_schedules(now, broadcast_id):
            delivery = await self._fire(row, now)
            if delivery is not None:
                started.append(delivery)
        await self.repository.finish_completed()
        return started

    async def _fire(self, row: ScheduleRow, now: datetime) -> Started | None:
        assert self.engine is not None and row.next_due_at is not None
        broadcast = await self._opened(await self._load(row.broadcast_id), now)
        due_at = row.next_due_at
        next_due = _next_for(row, now) if row.recurrence else None
        if await self.repository.occurrence_exists(row, due_at):
            await self.repository.set_next_due(row.id, next_due)
            return None
        payloads = await self.repository.payloads(broadcast)
        for transform in self.payload_hooks:
            payloads = await transform(broadcast, payloads)
        delivery_id = await create_delivery(
            self.database,
            payloads,
            _narrowed(broadcast.audience, row.consulates),
            broadcast.default_language,
            poll=broadcast.poll,
            origin="broadcast",
            origin_id=broadcast.id,
        )
        await self.repository.record_run(row, due_at, delivery_id, next_due)
        for hook in self.on_delivery_created:
            await hook(broadcast, delivery_id)
        await self.engine.start_delivery(delivery_id)
        logger.info("Broadcast %d: delivery %d started", broadcast.id, delivery_id)
        return Started(broadcast, delivery_id)

    async def _opened(self, broadcast: Broadcast, now: datetime) -> Broadcast:
        """The broadcast as it is first sent: a poll closing a period after that gets its
        closing time now (Telegram's close_date and the bot's closing job agree on it)."""
        poll = broadcast.poll
        if poll is None or poll.opened(now) == poll:
            return broadcast
        closes = poll.opened(now).close_date
        assert closes is not None
        await self.repository.fix_poll_close(broadcast.id, closes)
        return await self._load(broadcast.id)

    async def _restart(self, broadcast_id: int, delivery_id: int) -> Started:
        assert self.engine is not None
        await self.engine.start_delivery(delivery_id)
        return Started(await self._load(broadcast_id), delivery_id)

    # --- reports -------------------------------------------------------------------------------
    async def _load(self, broadcast_id: int) -> Broadcast:
        broadcast = await self.repository.get(broadcast_id)
        if broadcast is None:
            raise BroadcastError(
                f"no broadcast {broadcast_id}", BroadcastProblem.NOT_FOUND, id=broadcast_id
            )
        return broadcast

    async def get(self, broadcast_id: int, actor: Actor) -> Broadcast:
        """One broadcast, for staff who may see its consulates."""
        require(actor, Permission.VIEW)  # before anything is looked up
        broadcast = await self._load(broadcast_id)
        require(actor, Permission.VIEW, broadcast.audience.consulates)
        return broadcast

    async def recent(self, actor: Actor, limit: int = 10) -> list[Broadcast]:
        """The newest broadcasts within the actor's remit."""
        require(actor, Permission.VIEW)
        return await self.repository.recent(limit, _remit(actor))

    async def payloads(self, broadcast: Broadcast, actor: Actor) -> list[Payload]:
        require(actor, Permission.VIEW, broadcast.audience.consulates)
        return await self.repository.payloads(broadcast)

    async def delivery_progress(
        self, broadcast_id: int, delivery_id: int, actor: Actor
    ) -> BandedProgress:
        """Live progress of one of the broadcast's deliveries, as bands (the time left at the
        measured rate when the engine runs here)."""
        broadcast = await self.get(broadcast_id, actor)
        if delivery_id not in await self.repository.delivery_ids(broadcast.id):
            raise BroadcastError(f"delivery {delivery_id} is not broadcast {broadcast_id}'s")
        return (await self._progress(delivery_id)).banded(self.disclosure)

    async def _progress(self, delivery_id: int) -> Progress:
        if self.engine is not None:
            return await self.engine.progress(delivery_id)
        delivery = await DeliveryRepository(self.database).get(delivery_id)
        if delivery is None:
            raise BroadcastError(f"no delivery {delivery_id}")
        counts = await Outbox(self.database).counts(delivery_id)
        return build_progress(delivery_id, delivery.status.value, counts, None)

    async def review(self, broadcast_id: int, actor: Actor) -> Review:
        """Everything an approver must see of a broadcast (staff who may see its consulates)."""
        broadcast = await self.get(broadcast_id, actor)
        payloads = await self.repository.payloads(broadcast)
        return Review(
            broadcast=broadcast,
            payloads=payloads,
            size=await band_audience(self.database, broadcast.audience, self.disclosure),
            runs=await self.repository.schedules(broadcast_id),
            warnings=self.warnings(payloads),
            may_approve=self.may_approve(broadcast, actor),
            zones=self.consulate_zones(broadcast.audience),
        )

    async def report(self, broadcast_id: int, actor: Actor) -> BroadcastReport:
        """The review, and each delivery's progress with the totals, as bands."""
        review = await self.review(broadcast_id, actor)
        exact = [
            await self._progress(delivery_id)
            for delivery_id in await self.repository.delivery_ids(broadcast_id)
        ]
        return BroadcastReport(
            review,
            [progress.banded(self.disclosure) for progress in exact],
            combined(exact).banded(self.disclosure),
        )


def _check_response(offer: ResponseOffer, kind: DeliveryKind) -> None:
    if kind is DeliveryKind.POLL:
        raise BroadcastError("a poll carries no response button")
    try:
        offer.check()
    except ValueError as exc:
        raise BroadcastError(str(exc)) from None


def _poll_texts(payloads: list[Payload]) -> list[tuple[str, str]]:
    """A poll's question and options per language, with the field each is in."""
    questions = {p.language: p.poll_question or "" for p in payloads}
    count = max((len(p.poll_options) for p in payloads), default=0)
    options = [
        {p.language: p.poll_options[i] for p in payloads if i < len(p.poll_options)}
        for i in range(count)
    ]
    return poll_texts(questions, options)


def _remit(actor: Actor) -> frozenset[str] | None:
    """The consulates a staff member is limited to; None when unlimited."""
    staff = actor.staff
    return staff.consulates if staff is not None and staff.consulates else None


def _next_for(row: ScheduleRow, now: datetime) -> datetime | None:
    assert row.recurrence is not None and row.local_at is not None
    return next_occurrence(row.recurrence, row.local_at, zone_of(row.zone), now)


def _narrowed(audience: Audience, consulates: frozenset[str]) -> Audience:
    """The audience limited to one time zone's consulates (for LOCAL_TIME rows)."""
    if not consulates:
        return audience
    chosen = audience.consulates & consulates if audience.consulates else consulates
    return replace(audience, consulates=chosen)


def is_right_to_left(language: str) -> bool:
    try:
        return Locale.parse(language, sep="-").text_direction == "rtl"
    except (ValueError, UnknownLocaleError):
        return False


def _with_direction(payload: Payload) -> Payload:
    """Start right-to-left text with a mark so it lays out right to left in every client."""
    text = payload.text
    if text and is_right_to_left(payload.language) and not text.startswith(RIGHT_TO_LEFT_MARK):
        return replace(payload, text=RIGHT_TO_LEFT_MARK + text)
    return payload


class _NoTransport:
    """For a stopped engine used only to change delivery states in the database."""

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        return Outcome.failed("this engine does not send")
