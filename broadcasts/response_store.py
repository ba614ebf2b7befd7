"""What a response button is and the SQL behind the answers to it (migration 0022): the offer
an announcement carries, each member's answer (confirmed or waiting for a place) and the
contacts members chose to share. Returns dataclasses; the rules live in broadcasts/responses.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.storage.database import Database, Row, Transaction, utc_now_iso


class ResponseKind(StrEnum):
    """The button an announcement may carry. TELL_ME_MORE opens an /ask thread with its topic
    preset (handlers/ask.py); a press is kept as a confirmed answer, counted like the others."""

    INTERESTED = "interested"
    ATTEND = "attend"
    TELL_ME_MORE = "tell_me_more"


class ResponseStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"


class ContactKind(StrEnum):
    USERNAME = "username"
    PHONE = "phone"


@dataclass(frozen=True)
class ResponseOffer:
    """The button chosen by the author; ``capacity`` (places) only for ATTEND."""

    kind: ResponseKind
    capacity: int | None = None

    def check(self) -> None:
        """Raise ValueError for an offer this version cannot carry."""
        if self.capacity is not None and self.kind is not ResponseKind.ATTEND:
            raise ValueError("only an 'I'll attend' button has places")
        if self.capacity is not None and self.capacity < 1:
            raise ValueError("places must be a whole number of 1 or more")


@dataclass(frozen=True)
class Answer:
    """One member's answer to one announcement."""

    broadcast_id: int
    member_id: int
    status: ResponseStatus
    position: int = 0  # on the waiting list, from 1; 0 when confirmed


@dataclass(frozen=True)
class Promoted:
    """A member let in from the waiting list: whom to tell, where the announcement is."""

    telegram_user_id: int
    language: str
    message_id: int | None


@dataclass(frozen=True)
class SharedContact:
    broadcast_id: int
    name: str
    contact_kind: ContactKind
    contact: str
    shared_at: str


@dataclass(frozen=True)
class ResponseCounts:
    """Exact counts: the service turns them into bands before anyone sees them."""

    confirmed: int
    waiting: int


class ResponseRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def offer(self, broadcast_id: int) -> ResponseOffer | None:
        row = await self.database.fetch_one(
            "SELECT kind, capacity FROM response_offers WHERE broadcast_id = ?", (broadcast_id,)
        )
        return ResponseOffer(ResponseKind(row["kind"]), row["capacity"]) if row else None

    async def recipient(self, broadcast_id: int, telegram_user_id: int) -> int | None:
        """The member id of ``telegram_user_id`` if one of the broadcast's deliveries was
        sent to them, else None."""
        row = await self.database.fetch_one(
            "SELECT m.id FROM members m JOIN delivery_outbox o ON o.member_id = m.id"
            " JOIN broadcast_deliveries l ON l.delivery_id = o.delivery_id"
            " WHERE m.telegram_user_id = ? AND l.broadcast_id = ? AND o.status = 'sent' LIMIT 1",
            (telegram_user_id, broadcast_id),
        )
        return int(row[0]) if row else None

    async def member_id(self, telegram_user_id: int) -> int | None:
        row = await self.database.fetch_one(
            "SELECT id FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return int(row[0]) if row else None

    async def answer(self, broadcast_id: int, member_id: int) -> Answer | None:
        async with self.database.transaction() as tx:
            return await _answer(tx, broadcast_id, member_id)

    async def add(self, broadcast_id: int, member_id: int, capacity: int | None) -> Answer:
        """Record the member's answer: confirmed while places remain, else waiting."""
        async with self.database.transaction() as tx:
            existing = await _answer(tx, broadcast_id, member_id)
            if existing is not None:
                return existing
            confirmed = await _count(tx, broadcast_id, ResponseStatus.CONFIRMED)
            full = capacity is not None and confirmed >= capacity
            status = ResponseStatus.WAITING if full else ResponseStatus.CONFIRMED
            await tx.execute(
                "INSERT INTO responses (broadcast_id, member_id, status, answered_at)"
                " VALUES (?, ?, ?, ?)",
                (broadcast_id, member_id, status.value, utc_now_iso()),
            )
            answer = await _answer(tx, broadcast_id, member_id)
        assert answer is not None
        return answer

    async def pressed(self, broadcast_id: int, member_id: int) -> None:
        """Record a "Tell me more" press (again: its time is the latest press)."""
        await self.database.execute(
            "INSERT INTO responses (broadcast_id, member_id, status, answered_at)"
            " VALUES (?, ?, 'confirmed', ?) ON CONFLICT (broadcast_id, member_id)"
            " DO UPDATE SET answered_at = excluded.answered_at",
            (broadcast_id, member_id, utc_now_iso()),
        )

    async def withdraw(
        self, broadcast_id: int, member_id: int, capacity: int | None
    ) -> tuple[bool, Promoted | None]:
        """Remove the answer (and the contact shared with it); let the first waiting member
        in if a place freed up. (whether there was an answer, whom it let in)."""
        async with self.database.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM responses WHERE broadcast_id = ? AND member_id = ?",
                (broadcast_id, member_id),
            )
            if not removed or capacity is None:
                return removed > 0, None
            if await _count(tx, broadcast_id, ResponseStatus.CONFIRMED) >= capacity:
                return True, None
            return True, await _promote_first(tx, broadcast_id)

    async def counts(self, broadcast_id: int) -> ResponseCounts:
        rows = await self.database.fetch_all(
            "SELECT status, count(*) FROM responses WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,),
        )
        found = {row[0]: int(row[1]) for row in rows}
        return ResponseCounts(
            found.get(ResponseStatus.CONFIRMED.value, 0), found.get(ResponseStatus.WAITING.value, 0)
        )

    async def share(
        self, broadcast_id: int, member_id: int, name: str, kind: ContactKind, contact: str
    ) -> bool:
        """Keep the shared contact (replacing an earlier one); False without an answer."""
        async with self.database.transaction() as tx:
            if await _answer(tx, broadcast_id, member_id) is None:
                return False
            await tx.execute(
                "INSERT INTO shared_contacts (broadcast_id, member_id, name,"
                " contact_kind, contact, shared_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (broadcast_id, member_id) DO UPDATE SET name = excluded.name,"
                " contact_kind = excluded.contact_kind, contact = excluded.contact,"
                " shared_at = excluded.shared_at",
                (broadcast_id, member_id, name, kind.value, contact, utc_now_iso()),
            )
        return True

    async def unshare(self, broadcast_id: int, member_id: int) -> bool:
        removed = await self.database.execute(
            "DELETE FROM shared_contacts WHERE broadcast_id = ? AND member_id = ?",
            (broadcast_id, member_id),
        )
        return removed > 0

    async def contacts(self, broadcast_id: int) -> list[SharedContact]:
        """The contacts shared for one announcement, in the order they were shared."""
        rows = await self.database.fetch_all(
            "SELECT * FROM shared_contacts WHERE broadcast_id = ? ORDER BY shared_at, name",
            (broadcast_id,),
        )
        return [_contact(row) for row in rows]

    async def contacts_of(self, member_id: int) -> list[SharedContact]:
        """Everything one member shares, newest announcement first."""
        rows = await self.database.fetch_all(
            "SELECT * FROM shared_contacts WHERE member_id = ? ORDER BY broadcast_id DESC",
            (member_id,),
        )
        return [_contact(row) for row in rows]


async def insert_offer(tx: Transaction, broadcast_id: int, offer: ResponseOffer) -> None:
    """Store the button of a broadcast being inserted (BroadcastRepository.insert)."""
    await tx.execute(
        "INSERT INTO response_offers (broadcast_id, kind, capacity) VALUES (?, ?, ?)",
        (broadcast_id, offer.kind.value, offer.capacity),
    )


async def _answer(tx: Transaction, broadcast_id: int, member_id: int) -> Answer | None:
    row = await tx.fetch_one(
        "SELECT id, status FROM responses WHERE broadcast_id = ? AND member_id = ?",
        (broadcast_id, member_id),
    )
    if row is None:
        return None
    status = ResponseStatus(row["status"])
    position = 0
    if status is ResponseStatus.WAITING:
        ahead = await tx.fetch_one(
            "SELECT count(*) FROM responses WHERE broadcast_id = ? AND status = 'waiting'"
            " AND id <= ?",
            (broadcast_id, row["id"]),
        )
        assert ahead is not None
        position = int(ahead[0])
    return Answer(broadcast_id, member_id, status, position)


async def _count(tx: Transaction, broadcast_id: int, status: ResponseStatus) -> int:
    row = await tx.fetch_one(
        "SELECT count(*) FROM responses WHERE broadcast_id = ? AND status = ?",
        (broadcast_id, status.value),
    )
    assert row is not None
    return int(row[0])


async def _promote_first(tx: Transaction, broadcast_id: int) -> Promoted | None:
    first = await tx.fetch_one(
        "SELECT r.id, m.telegram_user_id, m.language, r.member_id FROM responses r"
        " JOIN members m ON m.id = r.member_id WHERE r.broadcast_id = ? AND r.status = 'waiting'"
        " ORDER BY r.id LIMIT 1",
        (broadcast_id,),
    )
    if first is None:
        return None
    await tx.execute("UPDATE responses SET status = 'confirmed' WHERE id = ?", (first["id"],))
    sent = await tx.fetch_one(
        "SELECT o.message_id FROM delivery_outbox o JOIN broadcast_deliveries l"
        " ON l.delivery_id = o.delivery_id WHERE l.broadcast_id = ? AND o.member_id = ?"
        " AND o.status = 'sent' ORDER BY o.id DESC LIMIT 1",
        (broadcast_id, first["member_id"]),
    )
    return Promoted(
        int(first["telegram_user_id"]),
        first["language"] or "",
        int(sent[0]) if sent and sent[0] is not None else None,
    )


def _contact(row: Row) -> SharedContact:
    return SharedContact(
        broadcast_id=int(row["broadcast_id"]),
        name=row["name"],
        contact_kind=ContactKind(row["contact_kind"]),
        contact=row["contact"],
        shared_at=row["shared_at"],
    )
