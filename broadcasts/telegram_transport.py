"""The python-telegram-bot transport: a ``telegram.Bot`` with a request pool sized to the workers.

Errors map to outcomes: ``RetryAfter`` -> rate limited; ``Forbidden`` (blocked, deactivated)
-> unreachable; ``BadRequest`` "chat not found" / "user not found" / "PEER_ID_INVALID" -> chat
not found (only the person can make a chat unreachable; a registered member's chat missing
means the bot talks to the wrong server or token); ``TimedOut`` and other ``NetworkError``
(PTB's class for 5xx answers and connection problems) -> retry; any other ``TelegramError``
-> failed with Telegram's description. A local media file is uploaded once; later recipients
get the ``file_id`` Telegram returned. It is read only from inside the media folder, checked
again here at send time (broadcasts/media.py): a file swapped for a link after approval fails
its rows with the reason, and nothing is uploaded. With ``paid_broadcast`` every send passes
``allow_paid_broadcast=True`` (Telegram then allows up to 1000 messages/s, for Stars).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.aiohttp_request import AiohttpRequest
from broadcasts.media import MediaRefused, read_media
from broadcasts.payload import MediaKind, Payload
from broadcasts.transport import Outcome, Recipient

logger = logging.getLogger(__name__)

#: BadRequest descriptions that mean the server does not know the chat.
CHAT_NOT_FOUND_DESCRIPTIONS = ("chat not found", "user not found", "peer_id_invalid")


class TelegramTransport:
    """Sends payloads with python-telegram-bot."""

    def __init__(
        self, bot: Bot, *, paid_broadcast: bool = False, media_dir: Path | None = None
    ) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast
        self.media_dir = media_dir
        self._uploaded: dict[str, str] = {}
        self._upload_locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def create(
        cls,
        token: str,
        base_url: str,
        *,
        pool_size: int,
        paid_broadcast: bool = False,
        read_timeout: float = 10.0,
        media_dir: Path | None = None,
    ) -> TelegramTransport:
        """A transport with its own Bot whose HTTP pool allows ``pool_size`` requests at once."""
        request = AiohttpRequest(pool_size, read_timeout=read_timeout, pool_timeout=read_timeout)
        bot = Bot(
            token,
            base_url=base_url,
            base_file_url=base_url.replace("/bot", "/file/bot"),
            request=request,
        )
        return cls(bot, paid_broadcast=paid_broadcast, media_dir=media_dir)

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def send(self, recipient: Recipient, payload: Payload) -> Outcome:
        try:
            message = await self._send(recipient.chat_id, payload)
        except TelegramError as error:
            return outcome_of_error(error)
        except MediaRefused as refused:
            return Outcome.failed(f"media {refused}")
        return Outcome.sent(message.message_id, message.poll.id if message.poll else None)

    async def _send(self, chat_id: int, payload: Payload) -> Message:
        if payload.poll_question is not None:
            return await self._send_poll(chat_id, payload)
        if payload.media is None:
            return await self.bot.send_message(
                chat_id, payload.text or "", reply_markup=_keyboard(payload), **self._common()
            )
        return await self._send_media(chat_id, payload)

    async def _send_poll(self, chat_id: int, payload: Payload) -> Message:
        settings = payload.poll
        return await self.bot.send_poll(
            chat_id,
            payload.poll_question or "",
            list(payload.poll_options),
            is_anonymous=settings.anonymous if settings else True,
            allows_multiple_answers=settings.allows_multiple_answers if settings else False,
            close_date=settings.close_date if settings else None,
            allow_paid_broadcast=self.paid_broadcast or None,
        )

    async def _send_media(self, chat_id: int, payload: Payload) -> Message:
        media = payload.media
        assert media is not None
        key = media.file_id or str(media.path)
        async with self._upload_lock(key):
            reference: Any = self._uploaded.get(key) or media.file_id
            if reference is None:
                reference = await self._local_file(str(media.path))
            send = self.bot.send_photo if media.kind is MediaKind.PHOTO else self.bot.send_document
            message = await send(
                chat_id,
                reference,
                caption=payload.text,
                reply_markup=_keyboard(payload),
                **self._common(),
            )
            self._remember_upload(key, message)
        return message

    async def _local_file(self, name: str) -> InputFile:
        """The file ``name`` read from inside the media folder (MediaRefused otherwise)."""
        content = await asyncio.to_thread(read_media, self.media_dir, name)
        return InputFile(content, filename=PurePosixPath(name).name)

    def _upload_lock(self, key: str) -> AbstractAsyncContextManager[object]:
        """Serialise sends of a file only until its first upload has given a file_id."""
        if key in self._uploaded:
            return nullcontext()
        return self._upload_locks.setdefault(key, asyncio.Lock())

    def _remember_upload(self, key: str, message: Message) -> None:
        if key in self._uploaded:
            return
        if message.photo:
            self._uploaded[key] = message.photo[-1].file_id
        elif message.document:
            self._uploaded[key] = message.document.file_id

    def _common(self) -> dict[str, Any]:
        common: dict[str, Any] = {"parse_mode": ParseMode.HTML}
        if self.paid_broadcast:
            common["allow_paid_broadcast"] = True
        return common


def _keyboard(payload: Payload) -> InlineKeyboardMarkup | None:
    if not payload.buttons:
        return None
    rows = [
        [InlineKeyboardButton(button.text, url=button.url, callback_data=button.callback_data)]
        for button in payload.buttons
    ]
    return InlineKeyboardMarkup(rows)


def outcome_of_error(error: TelegramError) -> Outcome:
    """Classify a python-telegram-bot error (see the module docstring)."""
    if isinstance(error, RetryAfter):
        return Outcome.rate_limited(retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return Outcome.unreachable(error.message)
    if isinstance(error, BadRequest):
        if any(text in error.message.lower() for text in CHAT_NOT_FOUND_DESCRIPTIONS):
            return Outcome.chat_not_found(error.message)
        return Outcome.failed(error.message)
    if isinstance(error, NetworkError):
        return Outcome.retry(error.message or type(error).__name__)
    logger.warning("Telegram refused a delivery message: %s", type(error).__name__)
    return Outcome.failed(error.message)


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
