"""One sending budget for the whole bot: replies to members and broadcasts share the rate.

Telegram counts every message the bot sends against one limit (BOT_RATE_LIMIT, about 30/s).
Broadcasts keep to it with the engine's token bucket; replies go through python-telegram-bot's
AIORateLimiter. Alone, each keeps to the limit, but together they could send twice as much and
draw 429s. This rate limiter is PTB's AIORateLimiter (per-chat and group limits, retries on
429) whose messages also take their slot from the engine's bucket.

A member chatting during a broadcast waits little: the engine's workers reserve at most one
slot each (about 0.2 s of sending, see ``broadcasts.engine.default_workers``), so a reply's
slot is never further away than that, and every reply slows the broadcast by one slot. When
no broadcast runs, replies may use up to half a second of idle slots at once (a greeting and
its question arrive together), well inside the one second of burst Telegram tolerates. A 429
answered to a reply pauses the broadcast too.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from broadcasts.ratelimit import TokenBucket
from broadcasts.telegram_transport import retry_after_seconds

#: Idle sending time replies may use at once.
REPLY_BURST_SECONDS = 0.5

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]


class SharedBudgetRateLimiter(AIORateLimiter):
    """AIORateLimiter whose messages also take a slot from the broadcast ``budget``."""

    def __init__(self, budget: TokenBucket, *, overall_max_rate: float, max_retries: int) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=max_retries)
        self.budget = budget
        self.reply_burst = max(1.0, (budget.rate or 0.0) * REPLY_BURST_SECONDS)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if data.get("chat_id") is None:  # not a message (answering a button press, getUpdates)
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def charged(*call_args: Any, **call_kwargs: Any) -> Result:
            await self.budget.acquire(burst=self.reply_burst)
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                self.budget.pause_for(retry_after_seconds(error))
                raise

        return await super().process_request(charged, args, kwargs, endpoint, data, rate_limit_args)
