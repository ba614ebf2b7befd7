"""How long each kind of row lives, and the daily erasing of what has expired.

A row about a person is kept only while a feature the member agreed to needs it:

- before consent (steps, language): nothing in the database, memory only (bot/persistence.py);
- registration answers (members): until /delete (bot/members.py);
- unconfirmed registration drafts: 30 days untouched (handlers/registration/expiry.py);
- the link between a person and a poll answer: until the poll closes, or the member's /delete
  (polls/service.py); the published results are aggregates under the disclosure rule;
- who was sent what (outbox rows): ``outbox_days`` after the delivery finished (here);
- departure reminders: until the departure date has passed (here);
- the staff audit log: ``audit_days``, as accountability for staff powers (here);
- members' questions and the answers (bot/inbox/): ``inbox_days`` after the thread was closed
  (here), or at once by the member's /delete;
- answers to an announcement and the contacts shared for it: until withdrawn, /delete, or
  ``responses_days`` after the announcement finished (here);
- updates waiting in the webhook's queue (BOT_SHARDS, bot/inbound.py): until handled, when
  their body and sender are cleared (the bare update_id stays an hour against retries), or
  the member's /delete; one no worker took within a day is dropped.

The delivery keeps its counts per outcome when its outbox rows go, so reports still add up.
Periods come from the deployment's ``[policies]`` (``outbox_days``, default 30;
``audit_days``, default 1825: five years; ``inbox_days``, default 90; ``responses_days``,
default 180). After an erasure the database's write-ahead log is checkpointed, so the erased
bytes leave the disk too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.deployment import Policies
from bot.storage.database import Database
from bot.storage.inbox import InboxRepository
from bot.storage.retention import RetentionRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    """How many days each kind of expiring row is kept (the deployment's policies)."""

    outbox_days: int
    audit_days: int
    inbox_days: int = 90
    responses_days: int = 180

    @classmethod
    def of(cls, policies: Policies) -> RetentionPolicy:
        return cls(
            policies.outbox_days,
            policies.audit_days,
            policies.inbox_days,
            policies.responses_days,
        )


@dataclass(frozen=True)
class Erased:
    """Rows erased by one sweep, per kind."""

    outbox_rows: int
    audit_entries: int
    reminders: int
    threads: int = 0
    responses: int = 0

    @property
    def total(self) -> int:
        total = self.outbox_rows + self.audit_entries + self.reminders
        return total + self.threads + self.responses


class RetentionService:
    def __init__(self, database: Database, policy: RetentionPolicy) -> None:
        self.database = database
        self.repository = RetentionRepository(database)
        self.policy = policy

    async def erase_expired(self, now: datetime) -> Erased:
        """Erase every row whose time is up at ``now``; checkpoint if anything went."""
        now = now.astimezone(UTC)
        erased = Erased(
            outbox_rows=await self.repository.erase_outboxes_finished_before(
                now - timedelta(days=self.policy.outbox_days)
            ),
            audit_entries=await self.repository.erase_audit_before(
                now - timedelta(days=self.policy.audit_days)
            ),
            reminders=await self.repository.erase_reminders_departed_before(now.date()),
            threads=await InboxRepository(self.database).erase_closed_before(
                now - timedelta(days=self.policy.inbox_days)
            ),
            responses=await self.repository.erase_responses_finished_before(
                now - timedelta(days=self.policy.responses_days)
            ),
        )
        if erased.total:
            await self.database.checkpoint_after_erasure()
            logger.info(
                "Retention: erased %d outbox rows, %d audit entries, %d reminders, %d threads,"
                " %d answers",
                erased.outbox_rows,
                erased.audit_entries,
                erased.reminders,
                erased.threads,
                erased.responses,
            )
        return erased
