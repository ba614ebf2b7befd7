"""/broadcasts (staff): recent broadcasts with their controls; approvers' notifications; the
schedule sweep job; the author's live progress message.

Approvers are told of every broadcast waiting for them, whatever made it: at once when it is
made in the chat, and by the sweep for the others (made on the command line, or when no one
else could approve it yet: an approver added later is told). An author with no one to approve
is told exactly how to get someone who may (``/staff add``).

Approvers see what they approve: the approval request, and /broadcasts for a broadcast
waiting for the viewer's approval, is the full view (handlers/broadcast_view.py: every
language's content, the audience in words, its size as a band, the runs in the approver's
zone, sensitive-topic warnings), the buttons on its last message; any other broadcast is a
few lines with a Show button. Every count shown is a band (bot/disclosure.py).

Buttons: ``v1:bcapp:approve|reject:<id>`` (APPROVE), ``v1:bcctl:cancel|pause|resume:<id>``
(COMPOSE; the service also checks author-or-admin), ``v1:bcview:show:<id>`` (VIEW),
``v1:bccon:csv:<id>`` (SEE_CONTACTS: the contacts members shared, as CSV, audited). Every
field is re-checked: data can be forged. The sweep (every few seconds) starts what is due;
for each delivery it starts, the author gets one message edited every few seconds with sent,
failed, unreachable, pending and the time left, until the delivery is done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, JobQueue

from bot.access import AccessDenied, Actor, Permission
from bot.i18n import N_, Translator
from bot.services import Services
from broadcasts.compose import BroadcastError, Started
from broadcasts.labels import refusal_text
from broadcasts.repository import Broadcast, BroadcastStatus
from handlers import callbacks
from handlers.broadcast_view import describe, progress_text, review_messages, send_messages
from handlers.context import App, AppContext
from handlers.replies import alert, edit_or_reply, esc, reply
from handlers.staff import current_staff

logger = logging.getLogger(__name__)

APPROVAL = "bcapp"
CONTROL = "bcctl"
VIEW = "bcview"
CONTACTS = "bccon"
SWEEP_SECONDS = 5.0
PROGRESS_SECONDS = 5.0
RECENT = 8


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


def show_button(tr: Translator, broadcast_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        tr.gettext("Show"), callback_data=callbacks.encode(VIEW, "show", str(broadcast_id))
    )


def markup_of(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def translator_for(services: Services, telegram_user_id: int) -> Translator:
    member = await services.members.find(telegram_user_id)
    return services.languages.translator(services.members.language_for(member, None))


# --- /broadcasts and its buttons ----------------------------------------------------------


async def broadcasts_command(update: Update, context: AppContext) -> None:
    """List recent broadcasts with the controls the staff member may use: in full those
    waiting for their approval, the others in a few lines with a Show button."""
    services, tr = context.services, context.tr
    actor = await context.acting(update)
    recent = await services.broadcasts.recent(actor, RECENT)
    if not recent:
        await reply(update, context, tr.gettext("No broadcasts yet. Compose one with /announce."))
        return
    for broadcast in reversed(recent):
        buttons = control_buttons(tr, services, broadcast, actor)
        if services.broadcasts.may_approve(broadcast, actor):
            await show_review(update, context, broadcast.id, actor, buttons)
            continue
        buttons.insert(0, show_button(tr, broadcast.id))
        await reply(
            update, context, describe(tr, services.deployment, broadcast), markup_of(buttons)
        )


async def show_review(
    update: Update,
    context: AppContext,
    broadcast_id: int,
    actor: Actor,
    buttons: list[InlineKeyboardButton],
) -> None:
    """Send the full view of a broadcast to the update's chat, ``buttons`` on its last message."""
    chat = update.effective_chat
    assert chat is not None
    services, tr = context.services, context.tr
    review = await services.broadcasts.review(broadcast_id, actor)
    answers = await services.responses.summary(broadcast_id, actor)
    if answers is not None and answers.may_see_contacts:
        buttons = [*buttons, contacts_button(tr, broadcast_id)]
    messages = review_messages(tr, services.deployment, review, actor.staff, responses=answers)
    await send_messages(context.bot, chat.id, messages, markup_of(buttons))


def contacts_button(tr: Translator, broadcast_id: int) -> InlineKeyboardButton:
    data = callbacks.encode(CONTACTS, "csv", str(broadcast_id))
    return InlineKeyboardButton(tr.gettext("Shared contacts (CSV)"), callback_data=data)


async def on_contacts(update: Update, context: AppContext) -> None:
    """Send the contacts members shared for a broadcast as a CSV file (audited)."""
    query = update.callback_query
    assert query is not None
    await current_staff(update, context, Permission.SEE_CONTACTS)
    parsed = parse_action(query.data, CONTACTS, {"csv"})
    if parsed is None:
        await alert(update, context, context.tr.gettext("This button is no longer valid."))
        return
    actor = await context.acting(update)
    try:
        document = await context.services.responses.contacts_csv(parsed[1], actor)
    except BroadcastError as exc:
        await alert(update, context, refusal_text(context.tr, exc))
        return
    await query.answer()
    await context.bot.send_document(
        query.from_user.id,
        InputFile(document.encode(), filename=f"broadcast-{parsed[1]}-contacts.csv"),
        caption=context.tr.gettext(
            "The names and contacts members agreed to share for this announcement. Keep it"
            " within the programme office; members may withdraw at any time."
        ),
    )


async def on_show(update: Update, context: AppContext) -> None:
    """The Show button: the full view of one broadcast, with the controls the viewer may use."""
    query = update.callback_query
    assert query is not None
    await current_staff(update, context, Permission.VIEW)
    actor = await context.acting(update)
    parsed = parse_action(query.data, VIEW, {"show"})
    if parsed is None:
        await alert(update, context, context.tr.gettext("This button is no longer valid."))
        return
    try:
        broadcast = await context.services.broadcasts.get(parsed[1], actor)
    except BroadcastError as exc:
        await alert(update, context, refusal_text(context.tr, exc))
        return
    await query.answer()
    buttons = control_buttons(context.tr, context.services, broadcast, actor)
    await show_review(update, context, broadcast.id, actor, buttons)


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
        await alert(update, context, refusal_text(context.tr, exc))
        return
    await query.answer()
    await edit_or_reply(update, context, describe(tr, context.services.deployment, broadcast))
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
        await alert(update, context, refusal_text(context.tr, exc))
        return
    await query.answer()
    broadcast = await service.get(broadcast_id, actor)
    buttons = control_buttons(tr, context.services, broadcast, actor)
    text = describe(tr, context.services.deployment, broadcast)
    await edit_or_reply(update, context, text, markup_of(buttons))


# --- notifications ------------------------------------------------------------------------


async def notify_approvers(bot: Bot, services: Services, broadcast_id: int, actor: Actor) -> int:
    """Send every staff member who may approve the broadcast its full view with Approve and
    Reject, unless they were told already; return how many were told now."""
    told = 0
    for approver in await services.broadcasts.approvers_to_tell(broadcast_id, actor):
        tr = await translator_for(services, approver.telegram_user_id)
        reader = Actor.in_chat(approver.telegram_user_id, approver)
        review = await services.broadcasts.review(broadcast_id, reader)
        heading = tr.gettext("A broadcast is waiting for your approval:")
        messages = review_messages(tr, services.deployment, review, approver, heading)
        try:
            await send_messages(
                bot, approver.telegram_user_id, messages, approval_markup(tr, broadcast_id)
            )
            told += 1
        except TelegramError as exc:
            logger.warning("Approval request for broadcast %d not sent: %r", broadcast_id, exc)
    return told


async def ask_for_approval(
    bot: Bot, services: Services, tr: Translator, broadcast: Broadcast, actor: Actor
) -> str:
    """Tell the broadcast's approvers, and say to its author who was asked, or, when no one
    may approve it yet, exactly how to get someone who may."""
    approvers = await services.broadcasts.approvers_for(broadcast)
    await notify_approvers(bot, services, broadcast.id, actor)
    if approvers:
        return tr.nformat(
            "Sent for approval to %(count)s staff member.",
            "Sent for approval to %(count)s staff members.",
            len(approvers),
            count=tr.format_number(len(approvers)),
        )
    consulates = ",".join(sorted(broadcast.audience.consulates - {""}))
    placeholder = tr.gettext("Telegram id")
    command = f"/staff add <{placeholder}> editor {consulates}".rstrip()
    staff = actor.staff
    may_add = staff is not None and staff.may(Permission.MANAGE_STAFF)
    message = ADD_AN_APPROVER if may_add else ASK_FOR_AN_APPROVER
    return tr.format(message, command=f"<code>{esc(command)}</code>")


#: What an author with no one to approve their broadcast is told, if they may add staff...
ADD_AN_APPROVER = N_(
    "No one else may approve it yet: approval needs another staff member, an editor or admin"
    " for its consulates. Add one with %(command)s and they are sent it at once; until then it"
    " waits in /broadcasts."
)
#: ...and if they may not.
ASK_FOR_AN_APPROVER = N_(
    "No one else may approve it yet: approval needs another staff member, an editor or admin"
    " for its consulates. Ask an admin to add one with %(command)s; they are then sent it at"
    " once. Until then it waits in /broadcasts."
)


async def tell_author(bot: Bot, services: Services, broadcast: Broadcast) -> None:
    """Tell a Telegram author what became of their broadcast."""
    if broadcast.author_telegram_id is None:
        return
    tr = await translator_for(services, broadcast.author_telegram_id)
    try:
        await bot.send_message(
            broadcast.author_telegram_id,
            tr.direction(describe(tr, services.deployment, broadcast)),
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


#: Who tells approvers of broadcasts made elsewhere (the command line) or before they existed.
NOTICES = Actor.system("approval-notices")


async def sweep(context: AppContext) -> None:
    """The JobQueue callback: tell approvers what waits for them; start what is due by the
    real clock."""
    await tell_approvers(context.bot, context.services)
    await sweep_at(context, datetime.now(UTC))


async def tell_approvers(bot: Bot, services: Services) -> None:
    """Send the approval request of every broadcast whose approvers were never told."""
    for broadcast in await services.broadcasts.untold(NOTICES):
        await notify_approvers(bot, services, broadcast.id, NOTICES)


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
    access.require(Permission.VIEW, features=(VIEW,))
    access.require(Permission.SEE_CONTACTS, features=(CONTACTS,))
    application.add_handler(CommandHandler("broadcasts", broadcasts_command))
    application.add_handler(CallbackQueryHandler(on_show, pattern=callbacks.pattern(VIEW)))
    application.add_handler(CallbackQueryHandler(on_contacts, pattern=callbacks.pattern(CONTACTS)))
    application.add_handler(CallbackQueryHandler(on_approval, pattern=callbacks.pattern(APPROVAL)))
    application.add_handler(CallbackQueryHandler(on_control, pattern=callbacks.pattern(CONTROL)))
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(
        sweep, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name="broadcast-sweep"
    )
