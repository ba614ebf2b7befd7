"""One sending budget for the whole bot, a pace for each chat, and 429s put down to the right limit.

Telegram limits a bot twice: about 30 messages a second overall (BOT_RATE_LIMIT), and about one a
second in any one chat (short bursts tolerated; 20 a minute in a group). Broadcasts keep to the
overall limit with the engine's token bucket; this rate limiter (python-telegram-bot's
``BaseRateLimiter``, so every handler's messages pass through it) makes the bot's own messages
keep to both:

- **Overall.** Every request to a chat takes a slot from the engine's bucket, so replies and
  broadcasts together keep to the one rate. A member chatting during a broadcast waits little:
  the engine's workers reserve at most one slot each (about 0.2 s of sending, see
  ``broadcasts.engine.default_workers``), so a reply's slot is never further away than that,
  and every reply slows the broadcast by one slot. When no broadcast runs, replies may use up
  to half a second of idle slots at once (a greeting and its question arrive together).
- **Per chat.** Messages and edits to one chat first wait for that chat's own bucket: a burst of
  :data:`PRIVATE_CHAT` ``burst`` messages, then one a second (groups: 20 a minute, as PTB's
  AIORateLimiter). Staff previews in six languages or a list of broadcasts therefore wait
  their turn instead of drawing 429s, which would cost the broadcast its rate (below).

**Which limit a 429 reflects.** Telegram's answer says only how long to wait. When the chat had
other messages within the last second or so (``spent`` > 1: it was sent to faster than one a
second), or when the bot sent less than half its rate in the last second (Telegram's overall
limit cannot be what refused it), the 429 is that chat's: that chat waits ``retry_after`` and
every other send goes on. Otherwise it is the bot's overall limit: the shared bucket pauses,
holding back broadcasts and replies alike, as before. A chat's limit mistaken for the overall
one costs a broadcast a few seconds; the overall limit mistaken for a chat's costs nothing
lasting, because the broadcast's own sends then draw 429s and the engine pauses everything.

A request is retried after a 429 up to ``max_retries`` times (PTB's ``rate_limit_args`` may
override); requests without a chat (button answers, getUpdates) are neither paced nor charged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import METRICS
from broadcasts.ratelimit import Clock, Sleep, TokenBucket
from broadcasts.telegram_transport import retry_after_seconds

logger = logging.getLogger(__name__)

#: Idle sending time replies may use at once.
REPLY_BURST_SECONDS = 0.5
#: Below this share of its rate over the last second, the bot cannot have met Telegram's
#: overall limit (BOT_RATE_LIMIT is set to it), so a 429 must be about the chat.
NEAR_LIMIT_SHARE = 0.5
#: A chat counts as busy when more than this many of its burst slots are taken: it had other
#: messages within the last second or so, on top of the one that drew the 429.
BUSY_CHAT_SLOTS = 1.0
#: Chats tracked before idle ones are forgotten (an idle bucket is the same as a fresh one).
TRACKED_CHATS = 1024


@dataclass(frozen=True)
class ChatAllowance:
    """What Telegram lets a bot send to one chat: ``burst`` at once, then ``rate`` a second."""

    rate: float
    burst: float


#: Private chats: one a second after a burst of five. Telegram tolerates "short bursts" without
#: saying how short; the sandbox models ten. Five keeps well inside, and leaves room for the
#: broadcast engine's messages to the same chat, which do not pass through here.
PRIVATE_CHAT = ChatAllowance(rate=float(FloodLimit.MESSAGES_PER_SECOND_PER_CHAT), burst=5.0)
#: Groups and channels: 20 a minute, at once or spread (PTB's AIORateLimiter does the same).
GROUP_CHAT = ChatAllowance(
    rate=FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP / 60.0,
    burst=float(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP),
)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]
ChatId = int | str


def writes_to_chat(endpoint: str) -> bool:
    """True for Bot API methods that send or edit a message (what Telegram's chat limit counts)."""
    name = endpoint.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "edit", "copy", "forward")) or name == "stoppoll"


def allowance_for(chat_id: ChatId) -> ChatAllowance:
    """Groups and channels have negative ids (or an ``@username``); people positive ones."""
    if isinstance(chat_id, str) or chat_id < 0:
        return GROUP_CHAT
    return PRIVATE_CHAT


class ChatPace:
    """One token bucket per chat the bot writes to, forgotten once idle."""

    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[ChatId, TokenBucket] = {}
        self._sweep_at = TRACKED_CHATS

    def __len__(self) -> int:
        return len(self._buckets)

    def bucket(self, chat_id: ChatId) -> TokenBucket:
        """The chat's bucket, made full (a whole burst) on first use."""
        found = self._buckets.get(chat_id)
        if found is None:
            if len(self._buckets) >= self._sweep_at:
                self._forget_idle()
            allowance = allowance_for(chat_id)
            found = TokenBucket(
                allowance.rate, allowance.burst, full=True, clock=self._clock, sleep=self._sleep
            )
            self._buckets[chat_id] = found
        return found

    def known(self, chat_id: ChatId) -> TokenBucket | None:
        return self._buckets.get(chat_id)

    def _forget_idle(self) -> None:
        """Drop idle buckets; sweep next when the busy ones that stay have doubled."""
        for chat_id in [key for key, bucket in self._buckets.items() if bucket.is_idle()]:
            del self._buckets[chat_id]
        self._sweep_at = max(TRACKED_CHATS, 2 * len(self._buckets))


class SharedBudgetRateLimiter(BaseRateLimiter[int]):
    """Paces each chat, charges the broadcast ``budget``, and retries 429s (see the module)."""

    def __init__(
        self,
        budget: TokenBucket,
        *,
        max_retries: int,
        pace_chats: bool = True,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.budget = budget
        self.max_retries = max_retries
        self.pace_chats = pace_chats
        self.reply_burst = max(1.0, (budget.rate or 0.0) * REPLY_BURST_SECONDS)
        self.chats = ChatPace(clock, sleep)
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = rate_limit_args or self.max_retries
        chat_id: ChatId | None = data.get("chat_id")
        paced = chat_id is not None and self.pace_chats and writes_to_chat(endpoint)
        attempt = 0
        while True:
            if chat_id is not None:
                if paced:
                    await self.chats.bucket(chat_id).acquire()
                await self.budget.acquire(burst=self.reply_burst)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                METRICS.rate_limited_by_telegram("reply")
                if attempt >= retries:
                    raise
                attempt += 1
                await self._hold_back(chat_id, paced, retry_after_seconds(error))

    async def _hold_back(self, chat_id: ChatId | None, paced: bool, seconds: float) -> None:
        """Wait out a 429: the chat alone, or (the bot's overall limit) every send."""
        if chat_id is not None and not self._is_chat_limit(chat_id):
            logger.warning("429 at the bot's overall rate: pausing all sending for %.0f s", seconds)
            self.budget.pause_for(seconds)
        elif paced and chat_id is not None:
            logger.info("429 for one chat's own limit: that chat waits %.0f s", seconds)
            self.chats.bucket(chat_id).pause_for(seconds)
        else:
            await self._sleep(seconds)

    def _is_chat_limit(self, chat_id: ChatId) -> bool:
        bucket = self.chats.known(chat_id)
        if bucket is not None and bucket.spent() > BUSY_CHAT_SLOTS:
            return True
        return self.budget.recent_share() < NEAR_LIMIT_SHARE
