"""/staff (admins): list, add and remove consular staff; /audit: the latest staff actions.

/staff                               list staff
/staff add <telegram id> <role> [consulate,consulate]
/staff remove <telegram id>
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.i18n import Translator
from bot.staff import Permission, StaffError, StaffMember
from handlers.context import App, AppContext
from handlers.replies import esc, reply


async def current_staff(
    update: Update, context: AppContext, permission: Permission
) -> StaffMember | None:
    """The staff member if they still hold ``permission``: re-read at every wizard step,
    since a role can change mid-wizard."""
    user = update.effective_user
    if user is None:
        return None
    member = context.staff or await context.services.staff.find(user.id)
    return member if member and member.may(permission) else None


def describe(tr: Translator, member: StaffMember) -> str:
    consulates = ", ".join(sorted(member.consulates)) or tr.gettext("all consulates")
    return f"• <code>{member.telegram_user_id}</code> {esc(member.role.value)} ({esc(consulates)})"


def usage(tr: Translator) -> str:
    return tr.gettext(
        "Use: /staff add &lt;Telegram id&gt; &lt;admin|editor|viewer&gt; [consulate,consulate] "
        "or /staff remove &lt;Telegram id&gt;"
    )


async def staff_command(update: Update, context: AppContext) -> None:
    """List, add or remove staff."""
    user = update.effective_user
    assert user is not None
    tr, service, args = context.tr, context.services.staff, context.args or []
    actor = str(user.id)
    if not args:
        members = await service.all()
        lines = [tr.gettext("<b>Staff</b>"), *(describe(tr, m) for m in members), "", usage(tr)]
        await reply(update, context, "\n".join(lines))
        return
    action, rest = args[0].lower(), args[1:]
    if action == "add" and len(rest) in (2, 3) and rest[0].isdigit():
        consulates = [c for c in (rest[2].split(",") if len(rest) == 3 else []) if c]
        try:
            member = await service.put(actor, int(rest[0]), rest[1].lower(), consulates)
        except StaffError as exc:
            await reply(
                update, context, tr.gettext("Not changed: %(reason)s") % {"reason": esc(exc)}
            )
            return
        await reply(update, context, tr.gettext("Saved:") + "\n" + describe(tr, member))
    elif action == "remove" and len(rest) == 1 and rest[0].isdigit():
        if int(rest[0]) == user.id:
            await reply(update, context, tr.gettext("You cannot remove yourself."))
        elif await service.remove(actor, int(rest[0])):
            await reply(update, context, tr.gettext("Removed."))
        else:
            await reply(update, context, tr.gettext("No staff member has that id."))
    else:
        await reply(update, context, usage(tr))


async def audit_command(update: Update, context: AppContext) -> None:
    """Show the latest staff actions."""
    entries = await context.services.staff.audit_log(limit=20)
    lines = [context.tr.gettext("<b>Latest staff actions</b>")]
    lines += [f"{esc(e.at)} {esc(e.actor)} {esc(e.action)} {esc(e.subject or '')}" for e in entries]
    await reply(update, context, "\n".join(lines))


def register(application: App) -> None:
    application.bot_data.access.require(Permission.MANAGE_STAFF, commands=("staff", "audit"))
    application.add_handler(CommandHandler("staff", staff_command))
    application.add_handler(CommandHandler("audit", audit_command))
