"""What a delivery sends, per language: an HTML message (with optional media and URL buttons)
or a poll. Plain data, checked against Telegram's limits when built; no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 12


class DeliveryKind(StrEnum):
    MESSAGE = "message"
    POLL = "poll"


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Media:
    """One photo or document: a Telegram ``file_id``, or ``path``, the name of a file inside
    the media folder (BOT_MEDIA_DIR; never a path elsewhere), uploaded once. broadcasts/media.py
    checks the name when a broadcast is created and again when it is sent."""

    kind: MediaKind
    path: str | None = None
    file_id: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.file_id is None):
            raise ValueError("media needs exactly one of path or file_id")


@dataclass(frozen=True)
class Button:
    """An inline button: a link (``url``), or an answer the bot receives (``callback_data``,
    such as an announcement's response button, broadcasts/responses.py)."""

    text: str
    url: str | None = None
    callback_data: str | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.callback_data is None):
            raise ValueError("a button needs exactly one of url or callback_data")


@dataclass(frozen=True)
class PollSettings:
    """Poll settings shared by every language of one delivery. A broadcast's poll may close
    ``open_for`` after it is first sent: ``close_date`` is fixed then."""

    anonymous: bool = True
    allows_multiple_answers: bool = False
    close_date: datetime | None = None
    open_for: timedelta | None = None

    def opened(self, now: datetime) -> PollSettings:
        """These settings for a poll first sent at ``now``: the closing time fixed."""
        if self.close_date is not None or self.open_for is None:
            return self
        return replace(self, close_date=now + self.open_for)


@dataclass(frozen=True)
class Payload:
    """The content for one language. A message has ``text`` and/or ``media``; a poll has
    ``poll_question`` and ``poll_options`` (and ``poll`` settings when it is sent)."""

    language: str
    text: str | None = None
    media: Media | None = None
    buttons: tuple[Button, ...] = ()
    poll_question: str | None = None
    poll_options: tuple[str, ...] = ()
    poll: PollSettings | None = field(default=None, compare=False)

    @property
    def kind(self) -> DeliveryKind:
        return DeliveryKind.POLL if self.poll_question is not None else DeliveryKind.MESSAGE

    def check(self) -> None:
        """Raise ValueError when Telegram would refuse this content."""
        if self.kind is DeliveryKind.POLL:
            _check_poll(self)
        else:
            _check_message(self)


class TextTooLong(ValueError):
    """A text over Telegram's limit (``limit``: 4,096, or 1,024 beside a photo or document)."""

    def __init__(self, language: str, limit: int) -> None:
        super().__init__(f"{language}: text longer than {limit} characters")
        self.language = language
        self.limit = limit


def _check_message(payload: Payload) -> None:
    if not payload.text and payload.media is None:
        raise ValueError(f"{payload.language}: a message needs text or media")
    limit = MAX_CAPTION if payload.media is not None else MAX_TEXT
    if payload.text and len(payload.text) > limit:
        raise TextTooLong(payload.language, limit)
    if payload.poll_options:
        raise ValueError(f"{payload.language}: poll options without a poll question")


def _check_poll(payload: Payload) -> None:
    question = payload.poll_question or ""
    if not question.strip() or len(question) > MAX_POLL_QUESTION:
        raise ValueError(
            f"{payload.language}: a poll question has 1-{MAX_POLL_QUESTION} characters"
        )
    options = payload.poll_options
    if not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS:
        raise ValueError(f"{payload.language}: a poll has 2-{MAX_POLL_OPTIONS} options")
    if any(not option.strip() or len(option) > MAX_POLL_OPTION for option in options):
        raise ValueError(f"{payload.language}: poll options have 1-{MAX_POLL_OPTION} characters")
    if payload.text or payload.media is not None:
        raise ValueError(f"{payload.language}: a poll carries no text or media")


def check_payloads(payloads: list[Payload], default_language: str) -> DeliveryKind:
    """Check a delivery's payloads together; return their common kind."""
    if not payloads:
        raise ValueError("a delivery needs at least one payload")
    languages = [payload.language for payload in payloads]
    if len(set(languages)) != len(languages):
        raise ValueError("one payload per language")
    if default_language not in languages:
        raise ValueError(f"no payload in the default language {default_language!r}")
    kinds = {payload.kind for payload in payloads}
    if len(kinds) != 1:
        raise ValueError("every language must carry the same kind (message or poll)")
    for payload in payloads:
        payload.check()
    if len({len(payload.poll_options) for payload in payloads}) != 1:
        raise ValueError("a poll has the same number of options in every language")
    return kinds.pop()
