"""The delivery aggregate: a delivery row, its payloads per language, and their SQL.

``create_delivery`` is how composition, approval and scheduling hand work to the engine: it
stores the delivery in status ``created``; ``DeliveryEngine.start_delivery`` begins sending.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.storage.database import Database, Row, Transaction, status_guard, utc_now_iso
from broadcasts.audience import Audience
from broadcasts.payload import (
    Button,
    DeliveryKind,
    Media,
    MediaKind,
    Payload,
    PollSettings,
    check_payloads,
)


class DeliveryStatus(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Delivery:
    """A delivery as stored."""

    id: int
    kind: DeliveryKind
    status: DeliveryStatus
    audience: Audience
    default_language: str
    origin: str | None
    origin_id: int | None
    poll: PollSettings | None
    fill_cursor: int
    fill_end: int | None
    filled: bool
    created_at: str
    finished_at: str | None


async def create_delivery(
    database: Database,
    payloads: list[Payload],
    audience: Audience,
    default_language: str,
    *,
    poll: PollSettings | None = None,
    origin: str | None = None,
    origin_id: int | None = None,
) -> int:
    """Store a delivery (status ``created``) after checking its payloads; return its id.

    Payloads are one per language and must include ``default_language``, which recipients
    whose language has no payload receive. Polls need ``poll`` settings (or get the defaults).
    """
    kind = check_payloads(payloads, default_language)
    if kind is DeliveryKind.POLL and poll is None:
        poll = PollSettings()
    return await DeliveryRepository(database).insert(
        kind, payloads, audience, default_language, poll, origin, origin_id
    )


class DeliveryRepository:
    """Reads and writes ``deliveries`` and ``delivery_payloads``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def insert(
        self,
        kind: DeliveryKind,
        payloads: list[Payload],
        audience: Audience,
        default_language: str,
        poll: PollSettings | None,
        origin: str | None,
        origin_id: int | None,
    ) -> int:
        settings = poll or PollSettings()
        close_date = settings.close_date.isoformat() if settings.close_date else None
        async with self.database.transaction() as tx:
            delivery_id = await tx.insert(
                "INSERT INTO deliveries (kind, audience, default_language, origin, origin_id,"
                " poll_anonymous, poll_multiple, poll_close_date, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind.value,
                    audience.to_json(),
                    default_language,
                    origin,
                    origin_id,
                    int(settings.anonymous),
                    int(settings.allows_multiple_answers),
                    close_date,
                    utc_now_iso(),
                ),
            )
            for payload in payloads:
                await _insert_payload(tx, delivery_id, payload)
        return delivery_id

    async def get(self, delivery_id: int) -> Delivery | None:
        row = await self.database.fetch_one("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return _row_to_delivery(row) if row else None

    async def with_status(self, *statuses: DeliveryStatus) -> list[Delivery]:
        marks = ", ".join("?" * len(statuses))
        rows = await self.database.fetch_all(
            f"SELECT * FROM deliveries WHERE status IN ({marks}) ORDER BY id",
            tuple(status.value for status in statuses),
        )
        return [_row_to_delivery(row) for row in rows]

    async def payloads(self, delivery: Delivery) -> dict[str, Payload]:
        """The delivery's payloads by language, each carrying the poll settings if any."""
        rows = await self.database.fetch_all(
            "SELECT * FROM delivery_payloads WHERE delivery_id = ?", (delivery.id,)
        )
        return {row["language"]: payload_from_row(row, delivery.poll) for row in rows}

    async def statuses(self, delivery_ids: Iterable[int]) -> dict[int, DeliveryStatus]:
        """The stored status of each of ``delivery_ids`` (absent ids are left out)."""
        ids = list(delivery_ids)
        if not ids:
            return {}
        rows = await self.database.fetch_all(
            f"SELECT id, status FROM deliveries WHERE id IN {self.database.dialect.ids_in()}",
            (self.database.dialect.id_list(ids),),
        )
        return {int(row[0]): DeliveryStatus(row[1]) for row in rows}

    async def set_status(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        *,
        expected: Iterable[DeliveryStatus] = (),
    ) -> bool:
        """Move to ``status`` (only from one of ``expected`` when given), stamping started_at /
        finished_at where they apply; False if not moved."""
        now = utc_now_iso()
        started = now if status is DeliveryStatus.SENDING else None
        finished = now if status in (DeliveryStatus.DONE, DeliveryStatus.CANCELLED) else None
        condition, parameters = status_guard(expected)
        changed = await self.database.execute(
            "UPDATE deliveries SET status = ?, started_at = coalesce(started_at, ?),"
            " finished_at = coalesce(?, finished_at) WHERE id = ?" + condition,
            (status.value, started, finished, delivery_id, *parameters),
        )
        return changed > 0


async def _insert_payload(tx: Transaction, delivery_id: int, payload: Payload) -> None:
    await insert_payload(tx, "delivery_payloads", "delivery_id", delivery_id, payload)


async def insert_payload(
    tx: Transaction, table: str, owner_column: str, owner_id: int, payload: Payload
) -> None:
    """Store one language's payload in a payload table (deliveries' or broadcasts': they
    share the columns)."""
    media = payload.media
    await tx.execute(
        f"INSERT INTO {table} ({owner_column}, language, text, media_kind, media_path,"
        " media_file_id, buttons, poll_question, poll_options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            owner_id,
            payload.language,
            payload.text,
            media.kind.value if media else None,
            media.path if media else None,
            media.file_id if media else None,
            json.dumps([_button_row(button) for button in payload.buttons]),
            payload.poll_question,
            json.dumps(list(payload.poll_options)) if payload.poll_question else None,
        ),
    )


def poll_settings_from_row(row: Row) -> PollSettings | None:
    """The poll columns shared by deliveries and broadcasts (None for a message)."""
    if DeliveryKind(row["kind"]) is not DeliveryKind.POLL:
        return None
    close = row["poll_close_date"]
    return PollSettings(
        anonymous=bool(row["poll_anonymous"]),
        allows_multiple_answers=bool(row["poll_multiple"]),
        close_date=datetime.fromisoformat(close) if close else None,
    )


def _row_to_delivery(row: Row) -> Delivery:
    kind = DeliveryKind(row["kind"])
    poll = poll_settings_from_row(row)
    return Delivery(
        id=row["id"],
        kind=kind,
        status=DeliveryStatus(row["status"]),
        audience=Audience.from_json(row["audience"]),
        default_language=row["default_language"],
        origin=row["origin"],
        origin_id=row["origin_id"],
        poll=poll,
        fill_cursor=row["fill_cursor"],
        fill_end=row["fill_end"],
        filled=row["filled_at"] is not None,
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def payload_from_row(row: Row, poll: PollSettings | None = None) -> Payload:
    """A payload read back from either payload table."""
    media = None
    if row["media_kind"]:
        media = Media(MediaKind(row["media_kind"]), row["media_path"], row["media_file_id"])
    options = json.loads(row["poll_options"]) if row["poll_options"] else []
    return Payload(
        language=row["language"],
        text=row["text"],
        media=media,
        buttons=tuple(_button(entry) for entry in json.loads(row["buttons"])),
        poll_question=row["poll_question"],
        poll_options=tuple(options),
        poll=poll,
    )


def _button_row(button: Button) -> list[str | None]:
    """[text, url] for a link (as stored before callback buttons), [text, None, data] else."""
    if button.callback_data is None:
        return [button.text, button.url]
    return [button.text, None, button.callback_data]


def _button(entry: list[str | None]) -> Button:
    text, url, *data = entry
    assert text is not None
    return Button(text, url, data[0] if data else None)
