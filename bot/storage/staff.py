"""SQL for staff, their consulates, and the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database, utc_now_iso


@dataclass(frozen=True)
class StaffRow:
    telegram_user_id: int
    role: str
    consulates: frozenset[str]  # empty: every consulate


@dataclass(frozen=True)
class AuditSearch:
    """Filters on the audit log: part of the actor's name, the start of the action, and a
    period (ISO dates; empty: no limit)."""

    actor: str = ""
    action: str = ""
    since: str = ""
    until: str = ""


@dataclass(frozen=True)
class AuditRow:
    at: str
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]


class StaffRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, telegram_user_id: int) -> StaffRow | None:
        row = await self.database.fetch_one(
            "SELECT role FROM staff WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        if row is None:
            return None
        return StaffRow(telegram_user_id, row["role"], await self._consulates(telegram_user_id))

    async def _consulates(self, telegram_user_id: int) -> frozenset[str]:
        rows = await self.database.fetch_all(
            "SELECT consulate_id FROM staff_consulates WHERE telegram_user_id = ?",
            (telegram_user_id,),
        )
        return frozenset(row[0] for row in rows)

    async def all(self) -> list[StaffRow]:
        rows = await self.database.fetch_all(
            "SELECT telegram_user_id, role FROM staff ORDER BY role, telegram_user_id"
        )
        return [StaffRow(r[0], r[1], await self._consulates(r[0])) for r in rows]

    async def put(
        self,
        telegram_user_id: int,
        role: str,
        consulates: frozenset[str],
        actor: str,
        details: dict[str, Any],
    ) -> None:
        """Add or change a staff member, with the audit entry in the same transaction."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO staff (telegram_user_id, role, added_by, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (telegram_user_id) DO UPDATE SET role = excluded.role",
                (telegram_user_id, role, actor, utc_now_iso()),
            )
            await tx.execute(
                "DELETE FROM staff_consulates WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            for consulate_id in sorted(consulates):
                await tx.execute(
                    "INSERT INTO staff_consulates (telegram_user_id, consulate_id) VALUES (?, ?)",
                    (telegram_user_id, consulate_id),
                )
            await _audit(tx, actor, "staff.put", str(telegram_user_id), details)

    async def remove(self, telegram_user_id: int, actor: str, details: dict[str, Any]) -> bool:
        async with self.database.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM staff WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            if removed:
                await _audit(tx, actor, "staff.remove", str(telegram_user_id), details)
        return removed > 0

    async def audit(
        self, actor: str, action: str, subject: str | None, details: dict[str, Any]
    ) -> None:
        async with self.database.transaction() as tx:
            await _audit(tx, actor, action, subject, details)

    async def audit_log(self, limit: int = 50, search: AuditSearch | None = None) -> list[AuditRow]:
        """The newest entries first, those matching ``search`` when given."""
        search = search or AuditSearch()
        like = self.database.dialect.like
        rows = await self.database.fetch_all(
            "SELECT at, actor, action, subject, details FROM audit_log"
            f" WHERE (? = '' OR actor {like} '%' || ? || '%')"
            f" AND (? = '' OR action {like} ? || '%')"
            " AND (? = '' OR at >= ?) AND (? = '' OR at < ?)"
            " ORDER BY id DESC LIMIT ?",
            (
                search.actor,
                search.actor,
                search.action,
                search.action,
                search.since,
                search.since,
                search.until,
                search.until,
                limit,
            ),
        )
        return [AuditRow(r[0], r[1], r[2], r[3], json.loads(r[4] or "{}")) for r in rows]


async def _audit(
    tx: Any, actor: str, action: str, subject: str | None, details: dict[str, Any]
) -> None:
    await tx.execute(
        "INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)",
        (utc_now_iso(), actor, action, subject, json.dumps(details, sort_keys=True)),
    )
