"""SQL for broadcasts, their payloads per language, their schedule rows and the deliveries
each occurrence created (tables of migrations 0009 and 0018). Returns dataclasses; no rules
here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.storage.database import Database, Row, Transaction, status_guard, utc_now_iso
from bot.storage.remit import audience_within
from broadcasts.audience import Audience
from broadcasts.deliveries import insert_payload, payload_from_row, poll_settings_from_row
from broadcasts.payload import DeliveryKind, Payload, PollSettings
from broadcasts.response_store import ResponseOffer, insert_offer
from broadcasts.schedule import PlannedRun, Recurrence, Schedule, ScheduleKind


class BroadcastStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_final(self) -> bool:
        return self in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED, BroadcastStatus.REJECTED)


@dataclass(frozen=True)
class Broadcast:
    """A broadcast as stored."""

    id: int
    kind: DeliveryKind
    category: str
    status: BroadcastStatus
    author: str
    author_telegram_id: int | None
    approver: str | None
    audience: Audience
    default_language: str
    schedule: Schedule
    poll: PollSettings | None
    created_at: str
    approved_at: str | None
    review_comment: str | None = None


@dataclass(frozen=True)
class ScheduleRow:
    """One stored schedule row (one time zone of a broadcast)."""

    id: int
    broadcast_id: int
    kind: ScheduleKind
    local_at: datetime | None
    zone: str
    recurrence: Recurrence | None
    consulates: frozenset[str]
    next_due_at: datetime | None
    last_run_at: datetime | None


@dataclass(frozen=True)
class NewBroadcast:
    """What ``BroadcastRepository.insert`` stores."""

    kind: DeliveryKind
    category: str
    status: BroadcastStatus
    author: str
    author_telegram_id: int | None
    audience: Audience
    default_language: str
    schedule: Schedule
    poll: PollSettings | None
    payloads: list[Payload]
    runs: list[PlannedRun]
    response: ResponseOffer | None = None


class BroadcastRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def insert(self, new: NewBroadcast) -> int:
        poll = new.poll or PollSettings()
        async with self.database.transaction() as tx:
            broadcast_id = await tx.insert(
                "INSERT INTO broadcasts (kind, category, status, author, author_telegram_id,"
                " audience, default_language, schedule, poll_anonymous, poll_multiple,"
                " poll_close_date, poll_open_seconds, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.kind.value,
                    new.category,
                    new.status.value,
                    new.author,
                    new.author_telegram_id,
                    new.audience.to_json(),
                    new.default_language,
                    new.schedule.to_json(),
                    int(poll.anonymous),
                    int(poll.allows_multiple_answers),
                    poll.close_date.isoformat() if poll.close_date else None,
                    int(poll.open_for.total_seconds()) if poll.open_for else None,
                    utc_now_iso(),
                ),
            )
            for payload in new.payloads:
                await insert_payload(
                    tx, "broadcast_payloads", "broadcast_id", broadcast_id, payload
                )
            for run in new.runs:
                await _insert_run(tx, broadcast_id, new.schedule, run)
            if new.response is not None:
                # With the broadcast, so no sweep can send it without its button.
                await insert_offer(tx, broadcast_id, new.response)
        return broadcast_id

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.database.fetch_one(
            "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _row_to_broadcast(row) if row else None

    async def recent(self, limit: int, within: frozenset[str] | None = None) -> list[Broadcast]:
        """The newest broadcasts first; with ``within``, only those addressed to some of
        those consulates and no other."""
        condition, parameters = audience_within("audience", within, self.database.dialect)
        rows = await self.database.fetch_all(
            f"SELECT * FROM broadcasts WHERE {condition} ORDER BY id DESC LIMIT ?",
            (*parameters, limit),
        )
        return [_row_to_broadcast(row) for row in rows]

    async def payloads(self, broadcast: Broadcast) -> list[Payload]:
        rows = await self.database.fetch_all(
            "SELECT * FROM broadcast_payloads WHERE broadcast_id = ? ORDER BY language",
            (broadcast.id,),
        )
        return [payload_from_row(row) for row in rows]

    async def set_status(
        self,
        broadcast_id: int,
        status: BroadcastStatus,
        *,
        expected: Iterable[BroadcastStatus] = (),
        approver: str | None = None,
        comment: str | None = None,
    ) -> bool:
        """Move to ``status`` (only from one of ``expected`` when given); False if not moved."""
        now = utc_now_iso()
        approved = now if approver else None
        cancelled = now if status is BroadcastStatus.CANCELLED else None
        finished = now if status.is_final else None
        condition, parameters = status_guard(expected)
        changed = await self.database.execute(
            "UPDATE broadcasts SET status = ?, approver = coalesce(?, approver),"
            " review_comment = coalesce(?, review_comment),"
            " approved_at = coalesce(?, approved_at),"
            " cancelled_at = coalesce(?, cancelled_at),"
            " finished_at = coalesce(?, finished_at) WHERE id = ?" + condition,
            (
                status.value,
                approver,
                comment,
                approved,
                cancelled,
                finished,
                broadcast_id,
                *parameters,
            ),
        )
        return changed > 0

    async def untold(self, within: frozenset[str] | None = None) -> list[Broadcast]:
        """Broadcasts waiting for approval whose approvers were never told, oldest first."""
        condition, parameters = audience_within("audience", within, self.database.dialect)
        rows = await self.database.fetch_all(
            "SELECT * FROM broadcasts WHERE status = 'pending_approval'"
            f" AND approvers_told_at IS NULL AND {condition} ORDER BY id",
            parameters,
        )
        return [_row_to_broadcast(row) for row in rows]

    async def claim_notice(self, broadcast_id: int) -> bool:
        """Record that the approvers are being told; False when someone already did."""
        changed = await self.database.execute(
            "UPDATE broadcasts SET approvers_told_at = ? WHERE id = ?"
            " AND status = 'pending_approval' AND approvers_told_at IS NULL",
            (utc_now_iso(), broadcast_id),
        )
        return changed > 0

    async def fix_poll_close(self, broadcast_id: int, closes: datetime) -> None:
        """Set the closing time of a poll that closes a period after it is first sent, in the
        broadcast and in the poll it carries (polls.broadcast_id) alike; once only."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE broadcasts SET poll_close_date = ?"
                " WHERE id = ? AND poll_close_date IS NULL",
                (_iso(closes), broadcast_id),
            )
            await tx.execute(
                "UPDATE polls SET closes_at = ? WHERE broadcast_id = ? AND closes_at IS NULL",
                (_iso(closes), broadcast_id),
            )

    async def schedules(self, broadcast_id: int) -> list[ScheduleRow]:
        rows = await self.database.fetch_all(
            "SELECT * FROM broadcast_schedules WHERE broadcast_id = ? ORDER BY id",
            (broadcast_id,),
        )
        return [_row_to_schedule(row) for row in rows]

    async def due_schedules(
        self, now: datetime, broadcast_id: int | None = None
    ) -> list[ScheduleRow]:
        """Rows due at ``now`` of broadcasts that may send (scheduled or running)."""
        only = " AND s.broadcast_id = ?" if broadcast_id is not None else ""
        rows = await self.database.fetch_all(
            "SELECT s.* FROM broadcast_schedules s JOIN broadcasts b ON b.id = s.broadcast_id"
            " WHERE s.next_due_at IS NOT NULL AND s.next_due_at <= ?"
            " AND b.status IN ('scheduled', 'running')" + only + " ORDER BY s.next_due_at, s.id",
            (_iso(now), *((broadcast_id,) if broadcast_id is not None else ())),
        )
        return [_row_to_schedule(row) for row in rows]

    async def record_run(
        self, row: ScheduleRow, due_at: datetime, delivery_id: int, next_due: datetime | None
    ) -> None:
        """Link the occurrence to its delivery and advance the row, in one transaction."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO broadcast_deliveries (schedule_id, due_at, broadcast_id, delivery_id)"
                " VALUES (?, ?, ?, ?)",
                (row.id, _iso(due_at), row.broadcast_id, delivery_id),
            )
            await tx.execute(
                "UPDATE broadcast_schedules SET next_due_at = ?, last_run_at = ? WHERE id = ?",
                (_iso(next_due) if next_due else None, _iso(due_at), row.id),
            )
            await tx.execute(
                "UPDATE broadcasts SET status = 'running' WHERE id = ? AND status = 'scheduled'",
                (row.broadcast_id,),
            )

    async def occurrence_exists(self, row: ScheduleRow, due_at: datetime) -> bool:
        found = await self.database.fetch_one(
            "SELECT 1 FROM broadcast_deliveries WHERE schedule_id = ? AND due_at = ?",
            (row.id, _iso(due_at)),
        )
        return found is not None

    async def set_next_due(self, schedule_id: int, next_due: datetime | None) -> None:
        await self.database.execute(
            "UPDATE broadcast_schedules SET next_due_at = ? WHERE id = ?",
            (_iso(next_due) if next_due else None, schedule_id),
        )

    async def stop_schedules(self, broadcast_id: int) -> None:
        await self.database.execute(
            "UPDATE broadcast_schedules SET next_due_at = NULL WHERE broadcast_id = ?",
            (broadcast_id,),
        )

    async def delivery_ids(self, broadcast_id: int, *statuses: str) -> list[int]:
        """The broadcast's deliveries, oldest first (only those in ``statuses`` if given)."""
        condition = ""
        if statuses:
            condition = f" AND d.status IN ({', '.join('?' * len(statuses))})"
        rows = await self.database.fetch_all(
            "SELECT d.id FROM broadcast_deliveries l JOIN deliveries d ON d.id = l.delivery_id"
            " WHERE l.broadcast_id = ?" + condition + " ORDER BY d.id",
            (broadcast_id, *statuses),
        )
        return [int(row[0]) for row in rows]

    async def unstarted_deliveries(self) -> list[tuple[int, int]]:
        """(broadcast id, delivery id) of linked deliveries a crash left in status created."""
        rows = await self.database.fetch_all(
            "SELECT l.broadcast_id, l.delivery_id FROM broadcast_deliveries l"
            " JOIN deliveries d ON d.id = l.delivery_id JOIN broadcasts b ON b.id = l.broadcast_id"
            " WHERE d.status = 'created' AND b.status = 'running' ORDER BY d.id"
        )
        return [(int(row[0]), int(row[1])) for row in rows]

    async def finish_completed(self) -> list[int]:
        """Mark done the running broadcasts with nothing left to fire or send; return them."""
        rows = await self.database.fetch_all(
            "SELECT b.id FROM broadcasts b WHERE b.status = 'running'"
            " AND NOT EXISTS (SELECT 1 FROM broadcast_schedules s"
            "  WHERE s.broadcast_id = b.id AND s.next_due_at IS NOT NULL)"
            " AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries l JOIN deliveries d"
            "  ON d.id = l.delivery_id WHERE l.broadcast_id = b.id"
            "  AND d.status IN ('created', 'sending', 'paused'))"
        )
        done = [int(row[0]) for row in rows]
        for broadcast_id in done:
            await self.set_status(
                broadcast_id, BroadcastStatus.DONE, expected=(BroadcastStatus.RUNNING,)
            )
        return done


def _iso(instant: datetime) -> str:
    """UTC instants are stored as ISO 8601 with +00:00, which sorts as text."""
    return instant.astimezone(UTC).isoformat(timespec="seconds")


async def _insert_run(
    tx: Transaction, broadcast_id: int, schedule: Schedule, run: PlannedRun
) -> None:
    await tx.execute(
        "INSERT INTO broadcast_schedules (broadcast_id, kind, local_at, zone, recurrence,"
        " consulates, next_due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            broadcast_id,
            schedule.kind.value,
            schedule.local.isoformat() if schedule.local else None,
            run.zone,
            schedule.recurrence.value if schedule.recurrence else None,
            json.dumps(sorted(run.consulates)),
            _iso(run.due_at),
        ),
    )


def _row_to_broadcast(row: Row) -> Broadcast:
    kind = DeliveryKind(row["kind"])
    poll = poll_settings_from_row(row)
    if poll is not None and row["poll_open_seconds"] is not None:
        poll = replace(poll, open_for=timedelta(seconds=row["poll_open_seconds"]))
    return Broadcast(
        id=row["id"],
        kind=kind,
        category=row["category"],
        status=BroadcastStatus(row["status"]),
        author=row["author"],
        author_telegram_id=row["author_telegram_id"],
        approver=row["approver"],
        audience=Audience.from_json(row["audience"]),
        default_language=row["default_language"],
        schedule=Schedule.from_json(row["schedule"]),
        poll=poll,
        created_at=row["created_at"],
        approved_at=row["approved_at"],
        review_comment=row["review_comment"],
    )


def _row_to_schedule(row: Row) -> ScheduleRow:
    def instant(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return ScheduleRow(
        id=row["id"],
        broadcast_id=row["broadcast_id"],
        kind=ScheduleKind(row["kind"]),
        local_at=instant(row["local_at"]),
        zone=row["zone"],
        recurrence=Recurrence(row["recurrence"]) if row["recurrence"] else None,
        consulates=frozenset(json.loads(row["consulates"])),
        next_due_at=instant(row["next_due_at"]),
        last_run_at=instant(row["last_run_at"]),
    )
