"""Members ask their consulate, staff answer: the rules of the inbox.

A question opens a thread with a reference number, a topic from the deployment and the
member's consulate. Staff see it under a pseudonymous handle (a number drawn at random for the
thread, the consulate and the member's language: ``Member 4821 · London · Filipino``): never
the member's Telegram id, username or phone, unless the member chose to share a phone number
for a call-back in that thread (their own, through Telegram's contact button): then that
thread's view, and only it, shows the number until the member withdraws it. Staff may only
see and act on threads of their consulates: every staff method checks
``require(actor, permission, [consulate])`` itself (viewing needs VIEW; assigning, replying
and closing need COMPOSE).

Limits: a question is at most ``QUESTION_MAX`` characters; a member may ask
``questions_per_day`` questions in any 24 hours (the deployment's policies). A member writing
into a closed thread reopens it, with a new promised time. Retention: a closed thread is erased
``inbox_days`` after closing (bot/retention.py); /delete erases a member's threads with them.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.access import Actor, Permission, require
from bot.deployment import Deployment
from bot.i18n import N_
from bot.inbox.hours import answer_due
from bot.staff import StaffService
from bot.storage.inbox import (
    InboxRepository,
    MessageRow,
    NewMessage,
    NewThread,
    Thread,
    ThreadRow,
)
from bot.storage.members import MemberRepository, MemberRow

#: Longest question or reply (characters): a staff view with its header stays within
#: Telegram's 4096.
QUESTION_MAX = 2000
#: Reference numbers: letters and digits no one confuses (no 0/O, 1/I).
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_LENGTH = 6
REFERENCE_PATTERN = rf"Q-[{_REFERENCE_ALPHABET}]{{{_REFERENCE_LENGTH}}}"


#: The first line of a question asked with an announcement's "Tell me more" (member id,
#: announcement id), None unless the member pressed it there. bot/services.py sets it.
AboutAnnouncement = Callable[[int, int], Awaitable[str | None]]


class InboxProblem(StrEnum):
    NOT_REGISTERED = "not_registered"
    UNKNOWN_TOPIC = "unknown_topic"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    DAILY_LIMIT = "daily_limit"
    UNKNOWN_THREAD = "unknown_thread"
    UNKNOWN_REPLY = "unknown_reply"
    NOT_OWN_CONTACT = "not_own_contact"


#: Each problem as the chat says it (``value``: a number or a reference).
PROBLEM_TEXTS = {
    InboxProblem.NOT_REGISTERED: N_(
        "Register with a consulate first (send /start), then you can write to it."
    ),
    InboxProblem.UNKNOWN_TOPIC: N_("This topic is no longer offered. Send /ask to start again."),
    InboxProblem.EMPTY: N_("Please write your question as text."),
    InboxProblem.TOO_LONG: N_(
        "That is too long for one message. Please shorten it and send it again."
    ),
    InboxProblem.DAILY_LIMIT: N_(
        "You have sent %(value)s questions in the last 24 hours, the most we accept. "
        "Please wait for our answers; you can write again tomorrow."
    ),
    InboxProblem.UNKNOWN_THREAD: N_("There is no open question %(value)s you can act on."),
    InboxProblem.UNKNOWN_REPLY: N_("This saved reply is no longer offered."),
    InboxProblem.NOT_OWN_CONTACT: N_(
        "Only your own phone number can be shared, with the button. Nothing was shared."
    ),
}


class InboxError(ValueError):
    """A question or an answer that cannot be taken: the message says why in English (logs);
    ``problem`` and ``value`` let the chat say it in the reader's language."""

    def __init__(self, problem: InboxProblem, value: object, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.value = value


@dataclass(frozen=True)
class Attachment:
    """A photo or document the member sent with the question (Telegram's file id)."""

    kind: str  # "photo" or "document"
    file_id: str


@dataclass(frozen=True)
class ThreadView:
    thread: Thread
    messages: list[MessageRow]
    #: The number the member shares for a call-back in this thread (None: not shared).
    callback_phone: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A staff reply to pass on: to whom (for the bot only, never shown) and what."""

    thread: Thread
    member_telegram_id: int
    message_id: int
    text: str


class DeliveryOutcome(StrEnum):
    """What became of a staff reply passed on to the member."""

    DELIVERED = "delivered"
    BLOCKED = "blocked"  # the member blocked the bot
    FAILED = "failed"  # Telegram did not take it now; staff may send it again later


def _text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InboxError(InboxProblem.EMPTY, "", "empty text")
    if len(cleaned) > QUESTION_MAX:
        raise InboxError(
            InboxProblem.TOO_LONG, QUESTION_MAX, f"text longer than {QUESTION_MAX} characters"
        )
    return cleaned


class InboxService:
    def __init__(
        self,
        repository: InboxRepository,
        members: MemberRepository,
        deployment: Deployment,
        staff: StaffService | None = None,
    ) -> None:
        self.repository = repository
        self.members = members
        self.deployment = deployment
        self.staff = staff  # the audit log: every staff action on a thread is written to it
        self.about: AboutAnnouncement | None = None

    async def _audit(self, actor: Actor, action: str, reference: str) -> None:
        if self.staff is not None:
            await self.staff.audit(actor, action, reference)

    # --- members -----------------------------------------------------------------------

    async def _member(self, telegram_user_id: int) -> MemberRow:
        member = await self.members.get_by_telegram_id(telegram_user_id)
        if member is None or not member.registered or not member.consulate_id:
            raise InboxError(InboxProblem.NOT_REGISTERED, "", "not a registered member")
        if self.deployment.consulate(member.consulate_id) is None:
            raise InboxError(InboxProblem.NOT_REGISTERED, "", "consulate left the deployment")
        return member

    async def may_ask(self, telegram_user_id: int, now: datetime) -> MemberRow:
        """The member, if they may ask a question now; else InboxError (not registered, or
        their questions for the last 24 hours are used up)."""
        member = await self._member(telegram_user_id)
        limit = self.deployment.policies.questions_per_day
        if await self.repository.count_asked_since(member.id, now - timedelta(days=1)) >= limit:
            raise InboxError(InboxProblem.DAILY_LIMIT, limit, f"{limit} questions a day")
        return member

    def due(self, consulate_id: str, now: datetime) -> datetime:
        consulate = self.deployment.consulate(consulate_id)
        assert consulate is not None
        return answer_due(consulate, now, self.deployment.policies.answer_days)

    async def ask(
        self,
        telegram_user_id: int,
        topic_id: str,
        text: str,
        now: datetime,
        attachment: Attachment | None = None,
        about: int | None = None,
    ) -> Thread:
        """Open a thread with the member's question; return it (reference, promised time).
        ``about``: the announcement whose "Tell me more" the member pressed to ask it."""
        member = await self.may_ask(telegram_user_id, now)
        if self.deployment.inbox_topic(topic_id) is None:
            raise InboxError(InboxProblem.UNKNOWN_TOPIC, topic_id, f"topic {topic_id!r}")
        question = await self._with_about(member.id, about, _text(text))
        consulate_id = member.consulate_id or ""
        reference = await self._new_reference()
        await self.repository.create(
            NewThread(
                reference=reference,
                member_id=member.id,
                consulate_id=consulate_id,
                topic=topic_id,
                language=member.language or self.deployment.default_language,
                handle_number=1000 + secrets.randbelow(9000),
                created_at=now,
                due_at=self.due(consulate_id, now),
            ),
            _message("member", question, now, attachment=attachment),
        )
        return await self._thread(reference)

    async def _with_about(self, member_id: int, about: int | None, question: str) -> str:
        """The question, first naming the announcement it was asked about (``about``: the
        announcement whose "Tell me more" the member pressed to ask it)."""
        line = await self.about(member_id, about) if about and self.about else None
        return f"{line}\n\n{question}" if line else question

    async def write_again(
        self,
        telegram_user_id: int,
        reference: str,
        text: str,
        now: datetime,
        attachment: Attachment | None = None,
    ) -> Thread:
        """The member writes into one of their threads; a closed one opens again."""
        row = await self._own_row(await self._member(telegram_user_id), reference)
        reopen = self.due(row.consulate_id, now) if row.thread.status == "closed" else None
        await self.repository.add_message(
            row, _message("member", _text(text), now, attachment=attachment), reopen_due=reopen
        )
        return await self._thread(reference)

    async def _own_row(self, member: MemberRow, reference: str) -> ThreadRow:
        row = await self.repository.by_reference(reference)
        if row is None or row.member_id != member.id:
            raise InboxError(InboxProblem.UNKNOWN_THREAD, reference, f"no thread {reference}")
        return row

    async def share_callback_phone(
        self, telegram_user_id: int, reference: str, contact_user_id: int | None, phone: str
    ) -> str:
        """Keep the member's own number for a call-back in one of their threads; return it.
        A contact card of anyone else (or of no Telegram account) is refused."""
        member = await self._member(telegram_user_id)
        row = await self._own_row(member, reference)
        number = phone.strip()
        if contact_user_id != telegram_user_id or not number:
            raise InboxError(InboxProblem.NOT_OWN_CONTACT, "", "not the member's own contact")
        if not number.startswith("+"):
            number = f"+{number}"  # Telegram sends the number without its plus
        await self.repository.set_callback_phone(row.id, number)
        return number

    async def withdraw_callback_phone(self, telegram_user_id: int, reference: str) -> None:
        """The member stops sharing their number in that thread: it is erased."""
        member = await self._member(telegram_user_id)
        await self.repository.set_callback_phone((await self._own_row(member, reference)).id, None)

    async def callback_phones_of(self, telegram_user_id: int) -> list[tuple[str, str]]:
        """(reference, number) of each thread in which the member shares a number."""
        member = await self.members.get_by_telegram_id(telegram_user_id)
        return await self.repository.callback_phones(member.id) if member else []

    async def threads_of(self, telegram_user_id: int) -> list[Thread]:
        member = await self.members.get_by_telegram_id(telegram_user_id)
        if member is None:
            return []
        return [row.thread for row in await self.repository.of_member(member.id)]

    # --- staff ---------------------------------------------------------------------------

    async def open_threads(self, actor: Actor) -> list[Thread]:
        """Open threads of the actor's consulates, oldest first."""
        require(actor, Permission.VIEW)
        remit = actor.staff.consulates if actor.staff is not None else frozenset()
        rows = await self.repository.open_threads(remit or None)
        return [row.thread for row in rows]

    async def _staff_row(self, actor: Actor, permission: Permission, reference: str) -> ThreadRow:
        """The thread, if the actor holds ``permission`` over its consulate. A thread of
        another consulate is refused as AccessDenied, like every staff power."""
        require(actor, permission)
        row = await self.repository.by_reference(reference)
        if row is None:
            raise InboxError(InboxProblem.UNKNOWN_THREAD, reference, f"no thread {reference}")
        require(actor, permission, [row.consulate_id])
        return row

    async def view(self, actor: Actor, reference: str) -> ThreadView:
        row = await self._staff_row(actor, Permission.VIEW, reference)
        messages = await self.repository.messages(row.id)
        return ThreadView(row.thread, messages, await self.repository.callback_phone(row.id))

    async def may_answer(self, actor: Actor, reference: str) -> Thread:
        """The thread, if the actor may answer it (before asking them for the text)."""
        return (await self._staff_row(actor, Permission.COMPOSE, reference)).thread

    async def assign_to_me(self, actor: Actor, reference: str) -> Thread:
        row = await self._staff_row(actor, Permission.COMPOSE, reference)
        if actor.telegram_user_id is None:
            raise InboxError(InboxProblem.UNKNOWN_THREAD, reference, "no person to assign to")
        await self.repository.assign(row.id, actor.telegram_user_id)
        await self._audit(actor, "inbox.assign", reference)
        return await self._thread(reference)

    async def reply(self, actor: Actor, reference: str, text: str, now: datetime) -> Delivery:
        """Add the staff member's answer to an open thread; the caller passes it on."""
        row = await self._staff_row(actor, Permission.COMPOSE, reference)
        if row.thread.status != "open":
            raise InboxError(InboxProblem.UNKNOWN_THREAD, reference, f"{reference} is closed")
        answer = _text(text)
        message_id = await self.repository.add_message(
            row, _message("staff", answer, now, staff_id=actor.telegram_user_id)
        )
        await self._audit(actor, "inbox.reply", reference)
        return Delivery(await self._thread(reference), row.member_telegram_id, message_id, answer)

    async def saved_reply(self, actor: Actor, reference: str, reply_id: str) -> str:
        """A saved reply's text in the thread's language (its default text otherwise)."""
        row = await self._staff_row(actor, Permission.COMPOSE, reference)
        saved = self.deployment.saved_reply(reply_id)
        if saved is None:
            raise InboxError(InboxProblem.UNKNOWN_REPLY, reply_id, f"saved reply {reply_id!r}")
        return saved.texts.get(row.thread.language) or saved.texts[self.deployment.default_language]

    async def not_delivered(self, delivery: Delivery) -> None:
        """The member could not be reached (blocked the bot, or Telegram did not take it):
        the reply stays, marked."""
        await self.repository.mark_undelivered(delivery.message_id)

    async def close(self, actor: Actor, reference: str, now: datetime) -> Thread:
        row = await self._staff_row(actor, Permission.COMPOSE, reference)
        await self.repository.close(row.id, now)
        await self._audit(actor, "inbox.close", reference)
        return await self._thread(reference)

    async def reopen(self, actor: Actor, reference: str, now: datetime) -> Thread:
        """Staff open a closed thread again, with a new promised time."""
        row = await self._staff_row(actor, Permission.COMPOSE, reference)
        if row.thread.status == "closed":
            await self.repository.reopen(row.id, self.due(row.consulate_id, now))
            await self._audit(actor, "inbox.reopen", reference)
        return await self._thread(reference)

    # --- the bot's own jobs ------------------------------------------------------------------

    async def overdue(self, actor: Actor, now: datetime) -> list[Thread]:
        """Unanswered threads past their promised time, each reported once (marked here)."""
        require(actor, Permission.VIEW, ())
        rows = await self.repository.overdue(now)
        for row in rows:
            await self.repository.mark_reminded(row.id, now)
        return [row.thread for row in rows]

    async def _thread(self, reference: str) -> Thread:
        row = await self.repository.by_reference(reference)
        assert row is not None
        return row.thread

    async def _new_reference(self) -> str:
        while True:
            code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))
            reference = f"Q-{code}"
            if not await self.repository.reference_taken(reference):
                return reference


def _message(
    sender: str,
    text: str,
    now: datetime,
    *,
    staff_id: int | None = None,
    attachment: Attachment | None = None,
) -> NewMessage:
    return NewMessage(
        sender=sender,
        text=text,
        created_at=now.astimezone(UTC),
        staff_id=staff_id,
        file_kind=attachment.kind if attachment else None,
        file_id=attachment.file_id if attachment else None,
    )
