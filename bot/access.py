"""Who may do what: staff roles, the actor behind every staff action, and the one rule that
every service applies before it changes or reveals staff data.

Deny by default, checked where the power is used. Every service method that changes or
reveals staff data (broadcasts, polls and their results, staff, the audit log, statistics)
takes the ``Actor`` and calls ``require(actor, permission, consulates)`` itself, so no parsing
trick in front of it (a command written ``/staff,``, a forged button, a web form) reaches the
power: the gatekeeper in the chat is a convenience, this is the defence.

Roles: admin (everything, including managing staff and sending an emergency without
approval), editor (compose broadcasts and polls, approve someone else's, see the contacts
members shared for an announcement), viewer (read reports and results). A staff member may
be limited to some consulates; a resource addressed to every consulate (an empty list) is
within the remit of unlimited staff only.

Actors, and the name each leaves in the audit log:
    a staff member in the Telegram chat         tg:<telegram id>
    a staff member in the web console           console:tg:<telegram id>
    the command line, on its own authority      cli:<operating-system user>
    the command line, on behalf of staff        cli:<operating-system user> as tg:<id>
    the bot's own jobs (closing polls on time)  system:<job>
The command line without ``--as`` runs with the authority of whoever may read the database
file (it is 0600 in a 0700 folder): it may do anything a role grants, and the rules that are
not about roles (the last admin stays, someone other than the author approves) still hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


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
    # The names and contacts members shared with the programme office (broadcasts/responses.py).
    SEE_CONTACTS = "see_contacts"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.EDITOR: frozenset(
        {Permission.VIEW, Permission.COMPOSE, Permission.APPROVE, Permission.SEE_CONTACTS}
    ),
    Role.ADMIN: frozenset(Permission),
}


class AccessDenied(PermissionError):
    """The actor may not do this. The message says why, for logs and the command line;
    people in the chat and the console get one short refusal whatever the reason."""


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

    @property
    def is_unlimited_admin(self) -> bool:
        return self.role is Role.ADMIN and not self.consulates


class Channel(StrEnum):
    CHAT = "tg"
    CONSOLE = "console"
    CLI = "cli"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts, through which channel, and whose role and remit apply (``staff``)."""

    channel: Channel
    telegram_user_id: int | None = None
    staff: StaffMember | None = None
    login: str | None = None

    @classmethod
    def in_chat(cls, telegram_user_id: int, staff: StaffMember | None) -> Actor:
        """Someone writing to the bot: staff powers only if ``staff`` is their record."""
        return cls(Channel.CHAT, telegram_user_id, _own(staff, telegram_user_id))

    @classmethod
    def at_console(cls, telegram_user_id: int, staff: StaffMember | None) -> Actor:
        return cls(Channel.CONSOLE, telegram_user_id, _own(staff, telegram_user_id))

    @classmethod
    def operator(cls, login: str, on_behalf_of: StaffMember | None = None) -> Actor:
        """The command line: with ``on_behalf_of`` (``--as``), that staff member's powers."""
        user_id = on_behalf_of.telegram_user_id if on_behalf_of else None
        return cls(Channel.CLI, user_id, on_behalf_of, login)

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(Channel.SYSTEM, login=job)

    @property
    def unrestricted(self) -> bool:
        """The command line on its own authority, or the bot's own jobs."""
        return self.channel in (Channel.CLI, Channel.SYSTEM) and self.staff is None

    @property
    def name(self) -> str:
        """How the audit log names this actor (see the module docstring)."""
        person = f"tg:{self.telegram_user_id}"
        if self.channel is Channel.CHAT:
            return person
        if self.channel is Channel.CONSOLE:
            return f"console:{person}"
        if self.channel is Channel.CLI:
            own = f"cli:{self.login}"
            return f"{own} as {person}" if self.staff is not None else own
        return f"system:{self.login}"

    def is_person(self, telegram_user_id: int | None) -> bool:
        """True when this actor is (or acts for) the staff member with that Telegram id."""
        return telegram_user_id is not None and self.telegram_user_id == telegram_user_id


def _own(staff: StaffMember | None, telegram_user_id: int) -> StaffMember | None:
    """Staff powers belong to their holder only."""
    return staff if staff is not None and staff.telegram_user_id == telegram_user_id else None


def allows(actor: Actor, permission: Permission, consulates: Iterable[str] | None = None) -> bool:
    """Whether ``actor`` holds ``permission`` over ``consulates`` (None: no remit to check;
    an empty collection: every consulate)."""
    if actor.unrestricted:
        return True
    staff = actor.staff
    if staff is None or not staff.may(permission):
        return False
    return consulates is None or staff.covers(consulates)


def require(actor: Actor, permission: Permission, consulates: Iterable[str] | None = None) -> None:
    """Raise AccessDenied unless ``actor`` holds ``permission`` over ``consulates``."""
    wanted = None if consulates is None else frozenset(consulates)
    if allows(actor, permission, wanted):
        return
    if actor.staff is None:
        # No identifier here: the person may be anyone, and logs hold no personal data.
        reason = f"a {actor.channel.value} user without a staff role asked for {permission.value}"
    elif not actor.staff.may(permission):
        reason = f"{actor.name} does not hold the {permission.value} permission"
    else:
        remit = ", ".join(sorted(wanted or ())) or "every consulate"
        reason = f"{actor.name} may not act for {remit}"
    raise AccessDenied(reason)
