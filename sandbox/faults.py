"""Fault injection: latency, Telegram's flood limits as token buckets, on-demand errors.

:class:`FaultConfig` is what callers configure (at construction or at run time through
``/sandbox/api/faults``); :class:`FaultInjector` applies it to each Bot API call.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

#: Methods that send or change messages and so count against the flood limits.
SENDING_METHODS: frozenset[str] = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendpoll",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagemedia",
    }
)


@dataclass
class FaultConfig:
    """What the sandbox does wrong on purpose.

    ``global_rate`` / ``per_chat_rate`` are messages per second (None disables the limit);
    ``global_burst`` defaults to one second of ``global_rate``. ``injections`` are rules such as
    ``{"method": "sendMessage", "chat_id": 5000001, "status": 429, "retry_after": 2,
    "count": 1}`` (status 429, 500, 502, 503 or "timeout"), consumed as they fire.
    """

    latency_ms: float = 0.0
    global_rate: float | None = 30.0
    global_burst: float | None = None
    per_chat_rate: float | None = 1.0
    per_chat_burst: float = 10.0
    error_rate_5xx: float = 0.0
    timeout_rate: float = 0.0
    timeout_s: float = 5.0
    seed: int = 0
    injections: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def merged(self, changes: dict[str, Any]) -> FaultConfig:
        """A copy with ``changes`` applied; unknown keys raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


class TokenBucket:
    """A classic token bucket; ``peek`` says how long until one token is there."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        current = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (current - self.stamp) * self.rate)
        self.stamp = current

    def wait_time(self) -> float:
        """Seconds until a token is available (0 when one is available now)."""
        self._refill()
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self.tokens -= 1.0


@dataclass
class Fault:
    """A decided fault for one call: an HTTP status (or "timeout") and an optional delay."""

    status: int | str
    retry_after: int | None = None


class FaultInjector:
    """Applies a :class:`FaultConfig` to Bot API calls."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.initial = dataclasses.replace(config) if config else FaultConfig()
        self.config = self._fresh()
        self._build(rng=True, buckets=True)

    def _fresh(self) -> FaultConfig:
        return dataclasses.replace(
            self.initial, injections=[dict(rule) for rule in self.initial.injections]
        )

    def _build(self, rng: bool, buckets: bool) -> None:
        config = self.config
        if rng:
            self.rng = random.Random(config.seed)
        if buckets:
            self._global: TokenBucket | None = None
            if config.global_rate is not None:
                burst = config.global_burst if config.global_burst else config.global_rate
                self._global = TokenBucket(config.global_rate, burst)
            self._per_chat: dict[int | str, TokenBucket] = {}

    def configure(self, config: FaultConfig) -> None:
        rebuild = (
            config.global_rate,
            config.global_burst,
            config.per_chat_rate,
            config.per_chat_burst,
        ) != (
            self.config.global_rate,
            self.config.global_burst,
            self.config.per_chat_rate,
            self.config.per_chat_burst,
        )
        reseed = config.seed != self.config.seed
        self.config = config
        self._build(rng=reseed, buckets=rebuild)

    def reset(self) -> None:
        """Back to the configuration given at construction, with full buckets."""
        self.config = self._fresh()
        self._build(rng=True, buckets=True)

    def update(self, changes: dict[str, Any]) -> FaultConfig:
        self.configure(self.config.merged(changes))
        return self.config

    @property
    def latency_s(self) -> float:
        return max(self.config.latency_ms, 0.0) / 1000.0

    def injected(self, method: str, chat_id: int | str | None) -> Fault | None:
        """An on-demand or random fault for this call, if one fires."""
        for rule in list(self.config.injections):
            wanted = rule.get("method")
            if wanted and str(wanted).lower() != method.lower():
                continue
            if rule.get("chat_id") is not None and str(rule["chat_id"]) != str(chat_id):
                continue
            count = int(rule.get("count", 1))
            if count <= 1:
                self.config.injections.remove(rule)
            else:
                rule["count"] = count - 1
            status = rule.get("status", 500)
            retry_after = rule.get("retry_after")
            return Fault(
                status=status if status == "timeout" else int(status),
                retry_after=int(retry_after) if retry_after is not None else 1,
            )
        if self.config.timeout_rate > 0 and self.rng.random() < self.config.timeout_rate:
            return Fault(status="timeout")
        if self.config.error_rate_5xx > 0 and self.rng.random() < self.config.error_rate_5xx:
            return Fault(status=self.rng.choice((500, 502, 503)))
        return None

    def _chat_bucket(self, chat_id: int | str) -> TokenBucket | None:
        if self.config.per_chat_rate is None:
            return None
        bucket = self._per_chat.get(chat_id)
        if bucket is None:
            bucket = TokenBucket(self.config.per_chat_rate, self.config.per_chat_burst)
            self._per_chat[chat_id] = bucket
        return bucket

    def flood_wait(self, method: str, chat_id: int | str | None) -> int | None:
        """``retry_after`` seconds when a sending call would exceed a limit, else None."""
        if method.lower() not in SENDING_METHODS:
            return None
        waits = [0.0]
        if self._global is not None:
            waits.append(self._global.wait_time())
        if chat_id is not None:
            bucket = self._chat_bucket(chat_id)
            if bucket is not None:
                waits.append(bucket.wait_time())
        wait = max(waits)
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))

    def consume(self, method: str, chat_id: int | str | None) -> None:
        """Take the tokens of a sending call that succeeded."""
        if method.lower() not in SENDING_METHODS:
            return
        if self._global is not None:
            self._global.take()
        if chat_id is not None:
            bucket = self._chat_bucket(chat_id)
            if bucket is not None:
                bucket.take()
