"""Announcements and their delivery: audience selection, the durable outbox, the rate-limited
sender engine and its progress reports. Composition, approval and scheduling build on
``create_delivery`` and ``DeliveryEngine``.
"""

from broadcasts.audience import Audience, LanguageCounts, count_audience, count_by_language
from broadcasts.deliveries import Delivery, DeliveryStatus, create_delivery
from broadcasts.engine import DeliveryEngine, EngineConfig, default_workers, effective_rate
from broadcasts.outbox import OutboxStatus, PollRecipient
from broadcasts.payload import Button, DeliveryKind, Media, MediaKind, Payload, PollSettings
from broadcasts.progress import Progress
from broadcasts.ratelimit import TokenBucket
from broadcasts.transport import Outcome, OutcomeKind, Recipient, Transport

__all__ = [
    "Audience",
    "Button",
    "Delivery",
    "DeliveryEngine",
    "DeliveryKind",
    "DeliveryStatus",
    "EngineConfig",
    "LanguageCounts",
    "Media",
    "MediaKind",
    "OutboxStatus",
    "Outcome",
    "OutcomeKind",
    "Payload",
    "PollRecipient",
    "PollSettings",
    "Progress",
    "Recipient",
    "TokenBucket",
    "Transport",
    "count_audience",
    "count_by_language",
    "create_delivery",
    "default_workers",
    "effective_rate",
]
