"""/staff (admins): list, add and remove consular staff; /audit: the latest staff actions.

/staff                               list staff
/staff add <telegram id> <role> [consulate,consulate]
/staff remove <telegram id>

Every call goes to StaffService with the acting person, which checks the role and remit
itself (bot/access.py); this module only reads the arguments and writes the answers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.access import Permission, StaffMember, require
from bot.i18n import Translator
from bot.staff import PROBLEM_TEXTS, StaffError
from handlers.context import App, AppContext
from handlers.replies import esc, reply


async def current_staff(update: Update, context: AppContext, permission: Permission) -> StaffMember:
    """The acting staff member, read now (a role can change mid-wizard); AccessDenied (the
    one refusal) unless they hold ``permission``."""
    actor = await context.acting(update)
    require(actor, permission)
    assert actor.staff is not None  # in the chat, only a staff record grants a permission
    return actor.staff


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
    tr, service, args = context.tr, context.services.staff, context.args or []
    actor = await context.acting(update)
    if not args:
        members = await service.list_members(actor)
        lines = [tr.gettext("<b>Staff</b>"), *(describe(tr, m) for m in members), "", usage(tr)]
        await reply(update, context, "\n".join(lines))
        return
    action, rest = args[0].lower(), args[1:]
    try:
        if action == "add" and len(rest) in (2, 3) and rest[0].isdigit():
            consulates = [c for c in (rest[2].split(",") if len(rest) == 3 else []) if c]
            member = await service.put(actor, int(rest[0]), rest[1].lower(), consulates)
            await reply(update, context, tr.gettext("Saved:") + "\n" + describe(tr, member))
        elif action == "remove" and len(rest) == 1 and rest[0].isdigit():
            removed = await service.remove(actor, int(rest[0]))
            text = tr.gettext("Removed.") if removed else tr.gettext("No staff member has that id.")
            await reply(update, context, text)
        else:
            await service.list_members(actor)  # the usage is for admins only, like the rest
            await reply(update, context, usage(tr))
    except StaffError as exc:
        reason = tr.gettext(PROBLEM_TEXTS[exc.problem]) % {"value": esc(exc.value)}
        await reply(update, context, tr.gettext("Not changed: %(reason)s") % {"reason": reason})


async def audit_command(update: Update, context: AppContext) -> None:
    """Show the latest staff actions."""
    actor = await context.acting(update)
    entries = await context.services.staff.audit_log(actor, limit=20)
    lines = [context.tr.gettext("<b>Latest staff actions</b>")]
    lines += [f"{esc(e.at)} {esc(e.actor)} {esc(e.action)} {esc(e.subject or '')}" for e in entries]
    await reply(update, context, "\n".join(lines))


def register(application: App) -> None:
    application.bot_data.access.require(Permission.MANAGE_STAFF, commands=("staff", "audit"))
    application.add_handler(CommandHandler("staff", staff_command))
    application.add_handler(CommandHandler("audit", audit_command))
