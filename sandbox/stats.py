"""Counters the sandbox keeps about the Bot API traffic it served (``/sandbox/api/stats``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Request and outcome counters; ``per_method`` counts calls by Bot API method name."""

    requests: int = 0
    messages_sent: int = 0
    rate_limited: int = 0
    forbidden: int = 0
    server_errors: int = 0
    timeouts: int = 0
    bad_requests: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0
    per_method: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        fresh = Stats()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "per_method"
        }
        data["per_method"] = dict(self.per_method)
        return data
