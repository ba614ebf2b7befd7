"""Staff roles and what each may do. Every change is written to the audit log.

admin: everything, including managing staff and sending an emergency without approval;
editor: compose broadcasts and polls, approve someone else's; viewer: read reports and
results. Each may be limited to some consulates (none listed: all of them). Admins named in
BOT_ADMIN_IDS are made admins at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.deployment import Deployment
from bot.storage.staff import AuditRow, StaffRepository, StaffRow


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW = "view"
    COMPOSE = "compose"
    APPROVE = "approve"
    MANAGE_STAFF = "manage_staff"
    SEND_EMERGENCY_NOW = "send_emergency_now"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.EDITOR: frozenset({Permission.VIEW, Permission.COMPOSE, Permission.APPROVE}),
    Role.ADMIN: frozenset(Permission),
}


class StaffError(ValueError):
    """A staff change that cannot be made; the message says why (operator-facing)."""


@dataclass(frozen=True)
class StaffMember:
    telegram_user_id: int
    role: Role
    consulates: frozenset[str]  # empty: every consulate

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def covers(self, consulate_ids: Iterable[str]) -> bool:
        """True when every consulate in ``consulate_ids`` is within this member's remit
        (an empty list means "all consulates", which only unlimited staff cover)."""
        wanted = set(consulate_ids)
        if not self.consulates:
            return True
        return bool(wanted) and wanted <= self.consulates


def _member(row: StaffRow) -> StaffMember:
    return StaffMember(row.telegram_user_id, Role(row.role), row.consulates)


class StaffService:
    def __init__(self, repository: StaffRepository, deployment: Deployment) -> None:
        self.repository = repository
        self.deployment = deployment

    async def find(self, telegram_user_id: int) -> StaffMember | None:
        row = await self.repository.get(telegram_user_id)
        return _member(row) if row else None

    async def ensure_admins(self, telegram_user_ids: Iterable[int]) -> None:
        """Make the BOT_ADMIN_IDS admins of every consulate (idempotent)."""
        for user_id in telegram_user_ids:
            current = await self.find(user_id)
            if current is None or current.role is not Role.ADMIN or current.consulates:
                await self.repository.put(user_id, Role.ADMIN, frozenset(), "config:BOT_ADMIN_IDS")

    async def put(
        self, actor: str, telegram_user_id: int, role: str, consulates: Iterable[str] = ()
    ) -> StaffMember:
        """Add or change a staff member; raise StaffError naming what is wrong."""
        if role not in set(Role):
            raise StaffError(f"role {role!r}: expected one of admin, editor, viewer")
        chosen = frozenset(consulates)
        unknown = sorted(chosen - {c.id for c in self.deployment.consulates})
        if unknown:
            raise StaffError(f"consulate {unknown[0]!r} is not in the deployment")
        await self.repository.put(telegram_user_id, role, chosen, actor)
        return StaffMember(telegram_user_id, Role(role), chosen)

    async def remove(self, actor: str, telegram_user_id: int) -> bool:
        return await self.repository.remove(telegram_user_id, actor)

    async def all(self) -> list[StaffMember]:
        return [_member(row) for row in await self.repository.all()]

    async def audit(
        self, actor: str, action: str, subject: str | None = None, **details: Any
    ) -> None:
        await self.repository.audit(actor, action, subject, details)

    async def audit_log(self, limit: int = 50) -> list[AuditRow]:
        return await self.repository.audit_log(limit)
