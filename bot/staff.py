"""Managing consular staff and reading the audit log; every change is written to it.

Only admins (MANAGE_STAFF) list, add, change or remove staff, and only within their remit: an
admin limited to London can manage London's staff, not Madrid's, and cannot make anyone
unlimited. The deployment always keeps at least one admin of every consulate: a change that
would remove or demote the last one is refused (in the chat and on the command line alike).
``BOT_ADMIN_IDS`` re-grants admin of every consulate to the ids it names at every start.

Every change is audited with the previous and the new role and consulates. Reading the audit
log spans every consulate, so it is for unlimited admins (and the command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from bot.access import Actor, Permission, Role, StaffMember, require
from bot.deployment import Deployment
from bot.i18n import N_
from bot.storage.staff import AuditRow, AuditSearch, StaffRepository, StaffRow

#: How the audit log names the start-up grant of BOT_ADMIN_IDS.
CONFIG_ACTOR = "config:BOT_ADMIN_IDS"


class StaffProblem(StrEnum):
    UNKNOWN_ROLE = "unknown_role"
    UNKNOWN_CONSULATE = "unknown_consulate"
    LAST_ADMIN = "last_admin"


#: Each problem as the chat and the console say it (``value``: the role, consulate or person).
PROBLEM_TEXTS = {
    StaffProblem.UNKNOWN_ROLE: N_("“%(value)s” is not a role: use admin, editor or viewer."),
    StaffProblem.UNKNOWN_CONSULATE: N_("“%(value)s” is not one of the deployment's consulates."),
    StaffProblem.LAST_ADMIN: N_(
        "%(value)s is the last admin of every consulate. Make someone else an admin first."
    ),
}


class StaffError(ValueError):
    """A staff change that cannot be made: the message says why in English (operators);
    ``problem`` and ``value`` let the chat say it in the staff member's language."""

    def __init__(self, problem: StaffProblem, value: object, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.value = value


def _member(row: StaffRow) -> StaffMember:
    return StaffMember(row.telegram_user_id, Role(row.role), row.consulates)


def _described(member: StaffMember | None) -> dict[str, Any]:
    if member is None:
        return {"role": None, "consulates": []}
    return {"role": member.role.value, "consulates": sorted(member.consulates)}


class StaffService:
    def __init__(self, repository: StaffRepository, deployment: Deployment) -> None:
        self.repository = repository
        self.deployment = deployment

    async def find(self, telegram_user_id: int) -> StaffMember | None:
        """The staff record of one person (to know who is acting), or None."""
        row = await self.repository.get(telegram_user_id)
        return _member(row) if row else None

    async def everyone(self) -> list[StaffMember]:
        """Every staff member, for the bot's own notices (who may approve); never shown."""
        return [_member(row) for row in await self.repository.all()]

    async def ensure_admins(self, telegram_user_ids: Iterable[int]) -> None:
        """Make the BOT_ADMIN_IDS admins of every consulate (at every start; idempotent)."""
        for user_id in telegram_user_ids:
            current = await self.find(user_id)
            if current is None or not current.is_unlimited_admin:
                await self.repository.put(
                    user_id,
                    Role.ADMIN,
                    frozenset(),
                    CONFIG_ACTOR,
                    {"previous": _described(current), "role": "admin", "consulates": []},
                )

    async def list_members(self, actor: Actor) -> list[StaffMember]:
        """The staff this admin manages: within their remit."""
        require(actor, Permission.MANAGE_STAFF)
        members = await self.everyone()
        if actor.staff is None or not actor.staff.consulates:
            return members
        return [m for m in members if m.consulates and m.consulates <= actor.staff.consulates]

    async def put(
        self, actor: Actor, telegram_user_id: int, role: str, consulates: Iterable[str] = ()
    ) -> StaffMember:
        """Add or change a staff member; raise StaffError naming what is wrong."""
        if role not in set(Role):
            raise StaffError(
                StaffProblem.UNKNOWN_ROLE, role, f"role {role!r}: expected admin, editor or viewer"
            )
        chosen = frozenset(consulates)
        unknown = sorted(chosen - {c.id for c in self.deployment.consulates})
        if unknown:
            raise StaffError(
                StaffProblem.UNKNOWN_CONSULATE,
                unknown[0],
                f"consulate {unknown[0]!r} is not in the deployment",
            )
        current = await self.find(telegram_user_id)
        require(actor, Permission.MANAGE_STAFF, chosen)
        if current is not None:
            require(actor, Permission.MANAGE_STAFF, current.consulates)
        changed = StaffMember(telegram_user_id, Role(role), chosen)
        await self._keep_an_admin(current, changed)
        details = {"previous": _described(current), **_described(changed)}
        await self.repository.put(telegram_user_id, role, chosen, actor.name, details)
        return changed

    async def remove(self, actor: Actor, telegram_user_id: int) -> bool:
        """Remove a staff member; False when the id is not staff."""
        require(actor, Permission.MANAGE_STAFF)
        current = await self.find(telegram_user_id)
        if current is None:
            return False
        require(actor, Permission.MANAGE_STAFF, current.consulates)
        await self._keep_an_admin(current, None)
        return await self.repository.remove(telegram_user_id, actor.name, _described(current))

    async def _keep_an_admin(
        self, current: StaffMember | None, changed: StaffMember | None
    ) -> None:
        """Refuse a change that leaves no admin of every consulate."""
        if current is None or not current.is_unlimited_admin:
            return
        if changed is not None and changed.is_unlimited_admin:
            return
        others = [
            m
            for m in await self.everyone()
            if m.is_unlimited_admin and m.telegram_user_id != current.telegram_user_id
        ]
        if not others:
            raise StaffError(
                StaffProblem.LAST_ADMIN,
                current.telegram_user_id,
                f"{current.telegram_user_id} is the last admin of every consulate; "
                "make someone else an admin first",
            )

    async def audit(self, actor: Actor, action: str, subject: str | None, **details: Any) -> None:
        """Record what ``actor`` did (or read)."""
        await self.repository.audit(actor.name, action, subject, details)

    async def audit_log(
        self, actor: Actor, limit: int = 50, search: AuditSearch | None = None
    ) -> list[AuditRow]:
        require(actor, Permission.MANAGE_STAFF, ())
        return await self.repository.audit_log(limit, search)
