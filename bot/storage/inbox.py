"""SQL for the inbox: members' question threads and their messages (rules in bot/inbox/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, Row, Transaction, to_utc_text

_THREAD_COLUMNS = (
    "t.id, t.reference, t.member_id, m.telegram_user_id, t.consulate_id, t.topic, t.language,"
    " t.handle_number, t.status, t.assigned_to, t.created_at, t.due_at, t.answered_at,"
    " t.closed_at"
)
_FROM = " FROM inbox_threads AS t JOIN members AS m ON m.id = t.member_id"


@dataclass(frozen=True)
class Thread:
    """A thread as staff and the member see it: no Telegram id, username or phone."""

    reference: str
    consulate_id: str
    topic: str
    language: str
    handle_number: int
    status: str
    assigned_to: int | None
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ThreadRow:
    """A thread with the keys that link it to its member (for the service only)."""

    id: int
    member_id: int
    member_telegram_id: int
    thread: Thread

    @property
    def reference(self) -> str:
        return self.thread.reference

    @property
    def consulate_id(self) -> str:
        return self.thread.consulate_id


@dataclass(frozen=True)
class MessageRow:
    id: int
    sender: str
    text: str
    file_kind: str | None
    file_id: str | None
    delivered: bool
    created_at: datetime


@dataclass(frozen=True)
class NewThread:
    reference: str
    member_id: int
    consulate_id: str
    topic: str
    language: str
    handle_number: int
    created_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class NewMessage:
    sender: str
    text: str
    created_at: datetime
    staff_id: int | None = None
    file_kind: str | None = None
    file_id: str | None = None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _thread(row: Row) -> ThreadRow:
    thread = Thread(
        reference=row[1],
        consulate_id=row[4],
        topic=row[5],
        language=row[6],
        handle_number=row[7],
        status=row[8],
        assigned_to=row[9],
        created_at=datetime.fromisoformat(row[10]),
        due_at=datetime.fromisoformat(row[11]),
        answered_at=_moment(row[12]),
        closed_at=_moment(row[13]),
    )
    return ThreadRow(id=row[0], member_id=row[2], member_telegram_id=row[3], thread=thread)


class InboxRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, thread: NewThread, first: NewMessage) -> int:
        """A thread with its first message, in one transaction; return the thread's id."""
        async with self.database.transaction() as tx:
            thread_id = await tx.insert(
                "INSERT INTO inbox_threads (reference, member_id, consulate_id, topic, language,"
                " handle_number, status, created_at, due_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                (
                    thread.reference,
                    thread.member_id,
                    thread.consulate_id,
                    thread.topic,
                    thread.language,
                    thread.handle_number,
                    to_utc_text(thread.created_at),
                    to_utc_text(thread.due_at),
                ),
            )
            await _add_message(tx, thread_id, thread.member_id, first)
        return thread_id

    async def add_message(
        self, thread: ThreadRow, message: NewMessage, *, reopen_due: datetime | None = None
    ) -> int:
        """Add a message; a member's message reopens a closed thread (with a new promise),
        a staff member's marks the thread answered."""
        async with self.database.transaction() as tx:
            message_id = await _add_message(tx, thread.id, thread.member_id, message)
            if message.sender == "staff":
                await tx.execute(
                    "UPDATE inbox_threads SET answered_at = ? WHERE id = ?",
                    (to_utc_text(message.created_at), thread.id),
                )
            elif reopen_due is not None:
                await tx.execute(
                    "UPDATE inbox_threads SET status = 'open', closed_at = NULL,"
                    " answered_at = NULL, reminded_at = NULL, due_at = ? WHERE id = ?",
                    (to_utc_text(reopen_due), thread.id),
                )
        return message_id

    async def by_reference(self, reference: str) -> ThreadRow | None:
        row = await self.database.fetch_one(
            f"SELECT {_THREAD_COLUMNS}{_FROM} WHERE t.reference = ?", (reference,)
        )
        return _thread(row) if row else None

    async def reference_taken(self, reference: str) -> bool:
        row = await self.database.fetch_one(
            "SELECT 1 FROM inbox_threads WHERE reference = ?", (reference,)
        )
        return row is not None

    async def messages(self, thread_id: int) -> list[MessageRow]:
        rows = await self.database.fetch_all(
            "SELECT id, sender, text, file_kind, file_id, delivered, created_at"
            " FROM inbox_messages WHERE thread_id = ? ORDER BY id",
            (thread_id,),
        )
        return [
            MessageRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), datetime.fromisoformat(r[6]))
            for r in rows
        ]

    async def open_threads(self, consulates: frozenset[str] | None) -> list[ThreadRow]:
        """Open threads, oldest first; of ``consulates`` only (None: every consulate)."""
        marks = ", ".join("?" * len(consulates or ()))
        where = f" AND t.consulate_id IN ({marks})" if consulates is not None else ""
        rows = await self.database.fetch_all(
            f"SELECT {_THREAD_COLUMNS}{_FROM} WHERE t.status = 'open'{where}"
            " ORDER BY t.created_at, t.id",
            tuple(sorted(consulates or ())),
        )
        return [_thread(row) for row in rows]

    async def of_member(self, member_id: int) -> list[ThreadRow]:
        rows = await self.database.fetch_all(
            f"SELECT {_THREAD_COLUMNS}{_FROM} WHERE t.member_id = ? ORDER BY t.created_at DESC",
            (member_id,),
        )
        return [_thread(row) for row in rows]

    async def count_asked_since(self, member_id: int, since: datetime) -> int:
        row = await self.database.fetch_one(
            "SELECT count(*) FROM inbox_threads WHERE member_id = ? AND created_at >= ?",
            (member_id, to_utc_text(since)),
        )
        return int(row[0]) if row else 0

    async def assign(self, thread_id: int, staff_id: int) -> None:
        await self.database.execute(
            "UPDATE inbox_threads SET assigned_to = ? WHERE id = ?", (staff_id, thread_id)
        )

    async def close(self, thread_id: int, now: datetime) -> None:
        await self.database.execute(
            "UPDATE inbox_threads SET status = 'closed', closed_at = ? WHERE id = ?",
            (to_utc_text(now), thread_id),
        )

    async def reopen(self, thread_id: int, due: datetime) -> None:
        await self.database.execute(
            "UPDATE inbox_threads SET status = 'open', closed_at = NULL, reminded_at = NULL,"
            " due_at = ? WHERE id = ?",
            (to_utc_text(due), thread_id),
        )

    async def mark_undelivered(self, message_id: int) -> None:
        await self.database.execute(
            "UPDATE inbox_messages SET delivered = 0 WHERE id = ?", (message_id,)
        )

    async def overdue(self, now: datetime) -> list[ThreadRow]:
        """Open threads past their promised time, unanswered and not yet reminded of."""
        rows = await self.database.fetch_all(
            f"SELECT {_THREAD_COLUMNS}{_FROM} WHERE t.status = 'open' AND t.answered_at IS NULL"
            " AND t.reminded_at IS NULL AND t.due_at < ? ORDER BY t.due_at",
            (to_utc_text(now),),
        )
        return [_thread(row) for row in rows]

    async def mark_reminded(self, thread_id: int, now: datetime) -> None:
        await self.database.execute(
            "UPDATE inbox_threads SET reminded_at = ? WHERE id = ?",
            (to_utc_text(now), thread_id),
        )

    async def callback_phone(self, thread_id: int) -> str | None:
        """The number the member shares for a call-back in this thread, if any."""
        row = await self.database.fetch_one(
            "SELECT callback_phone FROM inbox_threads WHERE id = ?", (thread_id,)
        )
        return str(row[0]) if row and row[0] else None

    async def set_callback_phone(self, thread_id: int, phone: str | None) -> None:
        """Keep (or, with None, erase) the number shared for a call-back in this thread."""
        await self.database.execute(
            "UPDATE inbox_threads SET callback_phone = ? WHERE id = ?", (phone, thread_id)
        )

    async def callback_phones(self, member_id: int) -> list[tuple[str, str]]:
        """(reference, number) of each thread in which the member shares a number."""
        rows = await self.database.fetch_all(
            "SELECT reference, callback_phone FROM inbox_threads"
            " WHERE member_id = ? AND callback_phone IS NOT NULL ORDER BY created_at",
            (member_id,),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def erase_closed_before(self, moment: datetime) -> int:
        """Erase threads closed before ``moment`` with their messages; return threads erased."""
        return await self.database.execute(
            "DELETE FROM inbox_threads WHERE status = 'closed' AND closed_at < ?",
            (to_utc_text(moment),),
        )


async def _add_message(tx: Transaction, thread_id: int, member_id: int, message: NewMessage) -> int:
    return await tx.insert(
        "INSERT INTO inbox_messages (thread_id, member_id, sender, staff_id, text, file_kind,"
        " file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            thread_id,
            member_id,
            message.sender,
            message.staff_id,
            message.text,
            message.file_kind,
            message.file_id,
            to_utc_text(message.created_at),
        ),
    )
