"""The durable outbox: one row per recipient of a delivery, and all of its SQL.

Filling runs inside the database (``INSERT ... SELECT`` from members over one member-id range
per transaction), so no member row passes through Python and other writers get the lock
between chunks. Claiming marks a batch ``sending`` (or ``skipped`` when the member stopped
announcements, was deleted, unregistered or became unreachable since the fill) in one
transaction; on PostgreSQL the batch is locked with ``FOR UPDATE SKIP LOCKED``, so two engines
never claim one row. Results are written back in batches with one ``UPDATE ... FROM`` a JSON
array (bot/storage/dialect.py says how each engine reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.storage.database import Database, Transaction, utc_now_iso
from bot.storage.dialect import Dialect
from broadcasts.audience import audience_filter
from broadcasts.deliveries import Delivery, DeliveryStatus

#: Member ids covered by one fill transaction.
FILL_CHUNK = 25_000


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClaimedRow:
    """A row marked ``sending``: who to send to, in which language."""

    outbox_id: int
    delivery_id: int
    chat_id: int
    language: str
    attempts: int


@dataclass(frozen=True)
class Claim:
    """A claimed batch: the rows to send, and how many due rows were looked at (claimed or
    skipped); zero means nothing was due."""

    rows: list[ClaimedRow]
    examined: int


@dataclass(frozen=True)
class RowResult:
    """The new state of one outbox row, to be written back with others."""

    outbox_id: int
    status: OutboxStatus
    attempted: bool = False
    next_attempt_at: float = 0.0
    error: str | None = None
    message_id: int | None = None
    poll_id: str | None = None

    def as_json(self, sent_at: str) -> list[object]:
        stamp = sent_at if self.status is OutboxStatus.SENT else None
        return [
            self.outbox_id,
            self.status.value,
            int(self.attempted),
            self.next_attempt_at,
            self.error,
            self.message_id,
            self.poll_id,
            stamp,
        ]


@dataclass(frozen=True)
class PollRecipient:
    """Where a Telegram poll id was sent: for mapping poll answers back."""

    delivery_id: int
    member_id: int | None
    language: str
    message_id: int | None


#: Why a claimed row is skipped instead of sent (NULL: send it).
_SKIP_REASON = (
    "CASE WHEN m.id IS NULL THEN 'deleted'"
    " WHEN m.status <> 'registered' THEN 'unregistered'"
    " WHEN m.announcements = 0 THEN 'stopped'"
    " WHEN m.reachable = 0 THEN 'unreachable' END"
)

#: The fields of one result in the JSON parameter of the write-back, in order.
_RESULT_FIELDS = (
    ("id", "INTEGER"),
    ("status", "TEXT"),
    ("attempted", "INTEGER"),
    ("next_at", "REAL"),
    ("error", "TEXT"),
    ("message_id", "INTEGER"),
    ("poll_id", "TEXT"),
    ("sent_at", "TEXT"),
)


@cache
def _write_back_sql(dialect: Dialect) -> str:
    """One UPDATE for a whole batch of results, passed as one JSON array."""
    fields = ", ".join(
        f"{dialect.json_item(index, sql_type)} AS {name}"
        for index, (name, sql_type) in enumerate(_RESULT_FIELDS)
    )
    return (
        "UPDATE delivery_outbox AS o SET status = r.status, attempts = o.attempts + r.attempted,"
        " next_attempt_at = r.next_at, last_error = coalesce(r.error, o.last_error),"
        " message_id = coalesce(r.message_id, o.message_id),"
        " poll_id = coalesce(r.poll_id, o.poll_id), sent_at = coalesce(r.sent_at, o.sent_at)"
        f" FROM (SELECT {fields} FROM {dialect.json_array_rows()}) AS r"
        " WHERE o.id = r.id"
    )


class Outbox:
    """Reads and writes ``delivery_outbox``."""

    def __init__(self, database: Database, fill_chunk: int = FILL_CHUNK) -> None:
        self.database = database
        self.fill_chunk = fill_chunk

    # --- filling -------------------------------------------------------------------------------
    async def fill_next_chunk(self, delivery: Delivery, languages: list[str]) -> bool:
        """Add the next member-id range of the audience; return True once the fill is complete.

        The cursor moves in the same transaction as the insert, so a crash repeats no range.
        """
        condition = audience_filter(delivery.audience)
        marks = ", ".join("?" * len(languages))
        async with self.database.transaction() as tx:
            end = await self._fill_end(tx, delivery.id)
            row = await tx.fetch_one(
                "SELECT fill_cursor FROM deliveries WHERE id = ?", (delivery.id,)
            )
            low = int(row[0]) if row else 0
            high = min(low + self.fill_chunk, end)
            await tx.execute(
                "INSERT INTO delivery_outbox (delivery_id, member_id, language)"
                f" SELECT ?, m.id, CASE WHEN m.language IN ({marks}) THEN m.language ELSE ? END"
                f" FROM members m{tx.dialect.not_indexed()}"
                f" WHERE m.id > ? AND m.id <= ? AND {condition.where}"
                " ORDER BY m.id",
                (
                    delivery.id,
                    *languages,
                    delivery.default_language,
                    low,
                    high,
                    *condition.parameters,
                ),
            )
            done = high >= end
            await tx.execute(
                "UPDATE deliveries SET fill_cursor = ?,"
                " filled_at = CASE WHEN ? = 1 THEN ? ELSE filled_at END WHERE id = ?",
                (high, int(done), utc_now_iso(), delivery.id),
            )
        return done

    async def _fill_end(self, tx: Transaction, delivery_id: int) -> int:
        """The highest member id when filling began (recorded on the first chunk)."""
        row = await tx.fetch_one("SELECT fill_end FROM deliveries WHERE id = ?", (delivery_id,))
        if row is not None and row[0] is not None:
            return int(row[0])
        top = await tx.fetch_one("SELECT coalesce(max(id), 0) FROM members")
        end = int(top[0]) if top else 0
        await tx.execute("UPDATE deliveries SET fill_end = ? WHERE id = ?", (end, delivery_id))
        return end

    # --- claiming ------------------------------------------------------------------------------
    async def claim(
        self, delivery_id: int, limit: int, now: float, *, lease_holder: str | None = None
    ) -> Claim:
        """Mark up to ``limit`` due rows ``sending`` and return them; skip ineligible ones.

        With ``lease_holder`` (the engine's), nothing is claimed unless that holder has the
        engine lease, checked in the same transaction: an engine whose lease was just taken
        over never claims rows the new holder has already put back to pending and may send.
        """
        async with self.database.transaction() as tx:
            dialect = self.database.dialect
            if lease_holder is not None and not await tx.fetch_one(
                f"SELECT 1 FROM leases WHERE name = 'engine' AND holder = ?{dialect.share_lock}",
                (lease_holder,),
            ):
                return Claim([], 0)
            row = await tx.fetch_one(
                "SELECT "
                + dialect.json_rows(
                    f"o.id, o.language, o.attempts, m.telegram_user_id, {_SKIP_REASON}"
                )
                + " FROM (SELECT id, member_id, language, attempts FROM delivery_outbox"
                "  WHERE delivery_id = ? AND status = 'pending' AND next_attempt_at <= ?"
                f"  ORDER BY next_attempt_at, id LIMIT ?{dialect.skip_locked}) AS o"
                " LEFT JOIN members m ON m.id = o.member_id",
                (delivery_id, now, limit),
            )
            entries = json.loads(row[0]) if row else []
            claimed = [
                ClaimedRow(outbox_id, delivery_id, chat_id, language, attempts)
                for outbox_id, language, attempts, chat_id, reason in entries
                if reason is None
            ]
            skipped = [
                RowResult(outbox_id, OutboxStatus.SKIPPED, error=reason)
                for outbox_id, _, _, _, reason in entries
                if reason is not None
            ]
            await tx.execute(
                f"UPDATE delivery_outbox SET status = 'sending' WHERE id IN {dialect.ids_in()}",
                (dialect.id_list([claim.outbox_id for claim in claimed]),),
            )
            await _write_back(tx, skipped)
        return Claim(claimed, len(entries))

    # --- results -------------------------------------------------------------------------------
    async def write_back(self, results: list[RowResult]) -> None:
        """Store a batch of results; members found unreachable get ``reachable = 0``."""
        if not results:
            return
        async with self.database.transaction() as tx:
            await _write_back(tx, results)
            unreachable = [r.outbox_id for r in results if r.status is OutboxStatus.UNREACHABLE]
            if unreachable:
                ids_in = self.database.dialect.ids_in()
                await tx.execute(
                    "UPDATE members SET reachable = 0, updated_at = ? WHERE id IN"
                    f" (SELECT member_id FROM delivery_outbox WHERE id IN {ids_in})",
                    (utc_now_iso(), self.database.dialect.id_list(unreachable)),
                )

    async def recover_in_flight(self) -> int:
        """At start: rows left ``sending`` by a crash go back to ``pending`` (to be resent), or
        to ``cancelled`` when their delivery was cancelled. Returns how many were pending."""
        async with self.database.transaction() as tx:
            resumed = await tx.execute(
                "UPDATE delivery_outbox SET status = 'pending' WHERE status = 'sending'"
                " AND delivery_id IN (SELECT id FROM deliveries WHERE status IN (?, ?))",
                (DeliveryStatus.SENDING.value, DeliveryStatus.PAUSED.value),
            )
            await tx.execute(
                "UPDATE delivery_outbox SET status = 'cancelled' WHERE status = 'sending'"
                " AND delivery_id IN (SELECT id FROM deliveries WHERE status = ?)",
                (DeliveryStatus.CANCELLED.value,),
            )
        return resumed

    async def cancel_pending(self, delivery_id: int) -> int:
        """Mark every pending row of a cancelled delivery ``cancelled``."""
        return await self.database.execute(
            "UPDATE delivery_outbox SET status = 'cancelled'"
            " WHERE delivery_id = ? AND status = 'pending'",
            (delivery_id,),
        )

    # --- reading -------------------------------------------------------------------------------
    async def has_unfinished(self, delivery_id: int) -> bool:
        """Whether any row is still pending or sending."""
        row = await self.database.fetch_one(
            "SELECT EXISTS (SELECT 1 FROM delivery_outbox WHERE delivery_id = ?"
            " AND status IN ('pending', 'sending'))",
            (delivery_id,),
        )
        return bool(row and row[0])

    async def depth(self) -> int:
        """Rows not yet sent of every delivery being sent (the outbox depth of the metrics)."""
        row = await self.database.fetch_one(
            "SELECT count(*) FROM delivery_outbox AS o JOIN deliveries AS d ON d.id = o.delivery_id"
            " WHERE d.status = 'sending' AND o.status IN ('pending', 'sending')"
        )
        return int(row[0]) if row else 0

    async def next_due(self, delivery_id: int) -> float | None:
        """When the earliest pending row becomes due (unix seconds), if any."""
        row = await self.database.fetch_one(
            "SELECT min(next_attempt_at) FROM delivery_outbox"
            " WHERE delivery_id = ? AND status = 'pending'",
            (delivery_id,),
        )
        return float(row[0]) if row and row[0] is not None else None

    async def counts(self, delivery_id: int) -> dict[OutboxStatus, int]:
        """Rows per status (every status present, zero when none); for a delivery whose rows
        were erased when their time was up (bot/retention.py), the counts kept in its row."""
        rows = await self.database.fetch_all(
            "SELECT status, count(*) FROM delivery_outbox WHERE delivery_id = ? GROUP BY status",
            (delivery_id,),
        )
        counts = dict.fromkeys(OutboxStatus, 0)
        if not rows:
            kept = await self.database.fetch_one(
                "SELECT summary FROM deliveries WHERE id = ?", (delivery_id,)
            )
            rows = list(json.loads(kept[0]).items()) if kept and kept[0] else []
        for status, count in rows:
            counts[OutboxStatus(status)] = int(count)
        return counts

    async def recipient_of_poll(self, poll_id: str) -> PollRecipient | None:
        """The outbox row that carried a Telegram poll (for the polls feature)."""
        row = await self.database.fetch_one(
            "SELECT delivery_id, member_id, language, message_id FROM delivery_outbox"
            " WHERE poll_id = ?",
            (poll_id,),
        )
        if row is None:
            return None
        return PollRecipient(row[0], row[1], row[2], row[3])


async def _write_back(tx: Transaction, results: list[RowResult]) -> None:
    if results:
        stamp = utc_now_iso()
        await tx.execute(
            _write_back_sql(tx.dialect), (json.dumps([r.as_json(stamp) for r in results]),)
        )
