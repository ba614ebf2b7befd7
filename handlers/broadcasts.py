"""/broadcasts (staff): recent broadcasts with their controls; approvers' notifications; the
schedule sweep job; the author's live progress message.

Buttons: ``v1:bcapp:approve|reject:<id>`` (APPROVE), ``v1:bcctl:cancel|pause|resume:<id>``
(COMPOSE; the service also checks author-or-admin). Every field is re-checked: data can be
forged. The sweep (every few seconds) starts what is due; for each delivery it starts, the
author gets one message edited every few seconds with sent, failed, unreachable, pending and
the time left, until the delivery is done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from babel.dates import format_timedelta
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, JobQueue

from bot.access import AccessDenied, Actor, Permission
from bot.i18n import N_, Translator
from bot.services import Services
from broadcasts.compose import BroadcastError, Category, Started
from broadcasts.progress import Progress
from broadcasts.repository import Broadcast, BroadcastStatus
from broadcasts.schedule import Schedule, ScheduleKind
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.replies import alert, edit_or_reply, esc, reply
from handlers.staff import current_staff

logger = logging.getLogger(__name__)

APPROVAL = "bcapp"
CONTROL = "bcctl"
SWEEP_SECONDS = 5.0
PROGRESS_SECONDS = 5.0
RECENT = 8

CATEGORY_LABELS: dict[Category, str] = {
    Category.CONSULAR: N_("Consular notice"),
    Category.EMERGENCY: N_("Emergency"),
    Category.INVESTMENT: N_("Investment"),
    Category.PROGRAMME: N_("Programme"),
    Category.EVENT: N_("Event"),
    Category.YOUTH_CULTURE: N_("Youth and culture"),
    Category.OTHER: N_("Other"),
}
STATUS_LABELS: dict[BroadcastStatus, str] = {
    BroadcastStatus.PENDING_APPROVAL: N_("waiting for approval"),
    BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.RUNNING: N_("sending"),
    BroadcastStatus.PAUSED: N_("paused"),
    BroadcastStatus.DONE: N_("done"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
    BroadcastStatus.REJECTED: N_("rejected"),
}
RECURRENCE_LABELS = {
    "daily": N_("every day"),
    "weekly": N_("every week"),
    "monthly": N_("every month"),
}


# --- describing ---------------------------------------------------------------------------


def category_label(tr: Translator, category: str) -> str:
    return tr.gettext(CATEGORY_LABELS.get(Category(category), N_("Other")))


def schedule_text(tr: Translator, schedule: Schedule) -> str:
    """The schedule in the staff member's words."""
    if schedule.kind is ScheduleKind.NOW or schedule.local is None:
        return tr.gettext("now")
    when = f"{schedule.local:%Y-%m-%d %H:%M}"
    if schedule.kind is ScheduleKind.LOCAL_TIME:
        return tr.gettext("%(when)s in each recipient's local time") % {"when": when}
    zone = schedule.zone or ""
    if schedule.kind is ScheduleKind.AT:
        return tr.gettext("%(when)s (%(zone)s)") % {"when": when, "zone": zone}
    repeat = tr.gettext(RECURRENCE_LABELS[schedule.recurrence or "daily"])
    return tr.gettext("%(repeat)s from %(when)s (%(zone)s)") % {
        "repeat": repeat,
        "when": when,
        "zone": zone,
    }


def describe(tr: Translator, broadcast: Broadcast) -> str:
    audience = ", ".join(sorted(broadcast.audience.consulates)) or tr.gettext("all consulates")
    return tr.gettext(
        "<b>#%(id)s</b> %(category)s: %(status)s\nWhen: %(when)s\nTo: %(audience)s"
    ) % {
        "id": broadcast.id,
        "category": esc(category_label(tr, broadcast.category)),
        "status": esc(tr.gettext(STATUS_LABELS[broadcast.status])),
        "when": esc(schedule_text(tr, broadcast.schedule)),
        "audience": esc(audience),
    }


def progress_text(tr: Translator, progress: Progress, broadcast_id: int) -> str:
    """Live counts and the estimated time left, in the staff member's language."""
    left = (
        format_timedelta(timedelta(seconds=progress.eta_seconds), locale=tr.locale)
        if progress.eta_seconds is not None
        else tr.gettext("unknown")
    )
    return tr.gettext(
        "<b>Broadcast #%(id)s</b>\nSent: %(sent)s\nFailed: %(failed)s\n"
        "Unreachable: %(unreachable)s\nPending: %(pending)s\nTime left: %(left)s"
    ) % {
        "id": broadcast_id,
        "sent": tr.format_number(progress.sent),
        "failed": tr.format_number(progress.failed),
        "unreachable": tr.format_number(progress.unreachable),
        "pending": tr.format_number(progress.pending),
        "left": esc(left),
    }


def approval_markup(tr: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("✅ Approve"),
                    callback_data=callbacks.encode(APPROVAL, "approve", str(broadcast_id)),
                ),
                InlineKeyboardButton(
                    tr.gettext("Reject"),
                    callback_data=callbacks.encode(APPROVAL, "reject", str(broadcast_id)),
                ),
            ]
        ]
    )


def control_buttons(
    tr: Translator, services: Services, broadcast: Broadcast, actor: Actor
) -> list[InlineKeyboardButton]:
    """The controls this staff member may use on ``broadcast`` now."""
    found: list[InlineKeyboardButton] = []
    if services.broadcasts.may_approve(broadcast, actor):
        found += approval_markup(tr, broadcast.id).inline_keyboard[0]
    if not services.broadcasts.may_control(broadcast, actor) or broadcast.status.is_final:
        return found
    actions = [("cancel", N_("Cancel"))]
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING):
        actions.append(("pause", N_("Pause")))
    if broadcast.status is BroadcastStatus.PAUSED:
        actions.append(("resume", N_("Resume")))
    for action, label in actions:
        data = callbacks.encode(CONTROL, action, str(broadcast.id))
        found.append(InlineKeyboardButton(tr.gettext(label), callback_data=data))
    return found


async def translator_for(services: Services, telegram_user_id: int) -> Translator:
    member = await services.members.find(telegram_user_id)
    return services.languages.translator(services.members.language_for(member, None))


# --- /broadcasts and its buttons ----------------------------------------------------------


async def broadcasts_command(update: Update, context: AppContext) -> None:
    """List recent broadcasts, each with the controls the staff member may use."""
    services, tr = context.services, context.tr
    actor = await context.acting(update)
    recent = await services.broadcasts.recent(actor, RECENT)
    if not recent:
        await reply(update, context, tr.gettext("No broadcasts yet. Compose one with /announce."))
        return
    for broadcast in reversed(recent):
        buttons = control_buttons(tr, services, broadcast, actor)
        markup = InlineKeyboardMarkup([buttons]) if buttons else None
        await reply(update, context, describe(tr, broadcast), markup)


def parse_action(data: str | None, feature: str, actions: set[str]) -> tuple[str, int] | None:
    """``(action, broadcast id)`` from callback data, or None when it is not well formed."""
    found = callbacks.fields(data, feature)
    if len(found) != 2 or found[0] not in actions or not found[1].isdigit():
        return None
    return found[0], int(found[1])


async def on_approval(update: Update, context: AppContext) -> None:
    """Approve or reject someone else's broadcast."""
    query = update.callback_query
    assert query is not None
    await current_staff(update, context, Permission.APPROVE)
    actor = await context.acting(update)
    parsed = parse_action(query.data, APPROVAL, {"approve", "reject"})
    tr = context.tr
    if parsed is None:
        await alert(update, context, tr.gettext("This button is no longer valid."))
        return
    action, broadcast_id = parsed
    service = context.services.broadcasts
    try:
        if action == "approve":
            broadcast = await service.approve(broadcast_id, actor)
        else:
            broadcast = await service.reject(broadcast_id, actor)
    except BroadcastError as exc:
        await alert(update, context, str(exc)[:190])
        return
    await query.answer()
    await edit_or_reply(update, context, describe(tr, broadcast))
    await tell_author(context.bot, context.services, broadcast)


async def on_control(update: Update, context: AppContext) -> None:
    """Cancel, pause or resume a broadcast (its author or an admin)."""
    query = update.callback_query
    assert query is not None
    await current_staff(update, context, Permission.COMPOSE)
    actor = await context.acting(update)
    parsed = parse_action(query.data, CONTROL, {"cancel", "pause", "resume"})
    tr, service = context.tr, context.services.broadcasts
    if parsed is None:
        await query.answer(tr.gettext("This button is no longer valid."))
        return
    action, broadcast_id = parsed
    try:
        if action == "cancel":
            await service.cancel(broadcast_id, actor)
        elif action == "pause":
            await service.pause(broadcast_id, actor)
        else:
            await service.resume(broadcast_id, actor, datetime.now(UTC))
    except BroadcastError as exc:
        await alert(update, context, str(exc)[:190])
        return
    await query.answer()
    broadcast = await service.get(broadcast_id, actor)
    buttons = control_buttons(tr, context.services, broadcast, actor)
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    await edit_or_reply(update, context, describe(tr, broadcast), markup)


# --- notifications ------------------------------------------------------------------------


async def notify_approvers(bot: Bot, services: Services, broadcast: Broadcast) -> int:
    """Ask every staff member who may approve ``broadcast``; return how many were told."""
    told = 0
    for approver in await services.broadcasts.approvers_for(broadcast):
        tr = await translator_for(services, approver.telegram_user_id)
        text = tr.gettext("A broadcast is waiting for your approval:") + "\n\n"
        text += describe(tr, broadcast) + "\n\n" + tr.gettext("See it with /broadcasts.")
        try:
            await bot.send_message(
                approver.telegram_user_id,
                tr.direction(text),
                parse_mode=ParseMode.HTML,
                reply_markup=approval_markup(tr, broadcast.id),
            )
            told += 1
        except TelegramError as exc:
            logger.warning("Approval request for broadcast %d not sent: %r", broadcast.id, exc)
    return told


async def tell_author(bot: Bot, services: Services, broadcast: Broadcast) -> None:
    """Tell a Telegram author what became of their broadcast."""
    if broadcast.author_telegram_id is None:
        return
    tr = await translator_for(services, broadcast.author_telegram_id)
    try:
        await bot.send_message(
            broadcast.author_telegram_id,
            tr.direction(describe(tr, broadcast)),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError as exc:
        logger.warning("Author of broadcast %d not told: %r", broadcast.id, exc)


# --- the sweep and live progress ----------------------------------------------------------


@dataclass(frozen=True)
class ProgressWatch:
    """What the progress job edits: one message in the author's chat."""

    broadcast_id: int
    delivery_id: int
    chat_id: int
    message_id: int
    language: str


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: start what is due by the real clock."""
    await sweep_at(context, datetime.now(UTC))


async def sweep_at(context: AppContext, now: datetime) -> list[Started]:
    """Start the deliveries due at ``now`` and watch each one's progress for its author."""
    service = context.services.broadcasts
    if service.engine is None:
        return []
    started = await service.sweep(now)
    for item in started:
        await watch_progress(context, item)
    return started


async def watch_progress(context: AppContext, started: Started) -> None:
    """Send the author a progress message and edit it every few seconds until done."""
    author = started.broadcast.author_telegram_id
    job_queue = cast("JobQueue[AppContext] | None", context.job_queue)
    if author is None or job_queue is None:
        return
    services = context.services
    tr = await translator_for(services, author)
    actor = Actor.in_chat(author, await services.staff.find(author))
    try:
        progress = await services.broadcasts.delivery_progress(
            started.broadcast.id, started.delivery_id, actor
        )
    except AccessDenied:
        return  # the author is no longer staff of those consulates: no progress for them
    try:
        message = await context.bot.send_message(
            author,
            tr.direction(progress_text(tr, progress, started.broadcast.id)),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError as exc:
        logger.warning("Progress of broadcast %d not shown: %r", started.broadcast.id, exc)
        return
    watch = ProgressWatch(
        started.broadcast.id, started.delivery_id, author, message.message_id, tr.language
    )
    job_queue.run_repeating(
        update_progress, interval=PROGRESS_SECONDS, first=PROGRESS_SECONDS, data=watch
    )


async def update_progress(context: AppContext) -> None:
    """Edit the progress message; stop once the delivery is finished."""
    job = context.job
    assert job is not None and isinstance(job.data, ProgressWatch)
    watch, services = job.data, context.services
    actor = Actor.in_chat(watch.chat_id, await services.staff.find(watch.chat_id))
    try:
        progress = await services.broadcasts.delivery_progress(
            watch.broadcast_id, watch.delivery_id, actor
        )
    except AccessDenied:
        job.schedule_removal()  # the author lost the role that lets them watch it
        return
    tr = services.languages.translator(watch.language)
    if progress.status in ("done", "cancelled"):
        job.schedule_removal()
    try:
        await context.bot.edit_message_text(
            tr.direction(progress_text(tr, progress, watch.broadcast_id)),
            chat_id=watch.chat_id,
            message_id=watch.message_id,
            parse_mode=ParseMode.HTML,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            job.schedule_removal()
    except TelegramError as exc:
        logger.warning("Progress of broadcast %d not updated: %r", watch.broadcast_id, exc)


def register(application: App) -> None:
    access = application.bot_data.access
    access.require(Permission.VIEW, commands=("broadcasts",))
    access.require(Permission.APPROVE, features=(APPROVAL,))
    access.require(Permission.COMPOSE, features=(CONTROL,))
    application.add_handler(CommandHandler("broadcasts", broadcasts_command))
    application.add_handler(CallbackQueryHandler(on_approval, pattern=callbacks.pattern(APPROVAL)))
    application.add_handler(CallbackQueryHandler(on_control, pattern=callbacks.pattern(CONTROL)))
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(
        sweep, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name="broadcast-sweep"
    )
