"""The engine's one dependency on the outside world: send a payload to a chat, get an outcome.

Transports never raise for a per-recipient problem; they classify it:
``SENT`` (with message and poll ids), ``RATE_LIMITED`` (pause everything for retry_after and
send again), ``UNREACHABLE`` (blocked or deactivated: never retried, the member is marked
unreachable), ``CHAT_NOT_FOUND`` (the server does not know the chat: for a registered member
that means the wrong server or token, so the row fails and the member stays reachable),
``RETRY`` (5xx, timeouts, network errors: retried with backoff) and ``FAILED`` (Telegram
refused the content: not retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from broadcasts.payload import Payload


class OutcomeKind(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    CHAT_NOT_FOUND = "chat_not_found"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    message_id: int | None = None
    poll_id: str | None = None
    retry_after: float = 0.0
    error: str | None = None

    @classmethod
    def sent(cls, message_id: int, poll_id: str | None = None) -> Outcome:
        return cls(OutcomeKind.SENT, message_id=message_id, poll_id=poll_id)

    @classmethod
    def rate_limited(cls, retry_after: float) -> Outcome:
        return cls(OutcomeKind.RATE_LIMITED, retry_after=retry_after, error="429")

    @classmethod
    def unreachable(cls, error: str) -> Outcome:
        return cls(OutcomeKind.UNREACHABLE, error=error)

    @classmethod
    def chat_not_found(cls, error: str) -> Outcome:
        return cls(OutcomeKind.CHAT_NOT_FOUND, error=error)

    @classmethod
    def retry(cls, error: str) -> Outcome:
        return cls(OutcomeKind.RETRY, error=error)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(OutcomeKind.FAILED, error=error)


@dataclass(frozen=True)
class Recipient:
    """Whom to send to: the Telegram chat id (the member's user id) and the payload language."""

    chat_id: int
    language: str


class Transport(Protocol):
    """Sends one payload to one recipient."""

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome: ...
