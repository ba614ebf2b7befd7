"""/inbox: staff read and answer members' questions to their consulates, in the chat.

/inbox lists the open threads of the staff member's consulates, oldest first, each under its
pseudonymous handle (never the member's Telegram id or name). A thread opens with its messages
and buttons: assign to me, reply, saved replies, close. A staff member answers by replying to
the thread's message (Telegram's reply) or with the Reply button, which asks for the text as a
reply. The member gets the answer with the reference; a member who blocked the bot leaves it in
the thread marked not delivered, and the staff member is told so.

Every power is checked in bot/inbox/ with the acting staff member (their consulates only); the
gatekeeper's VIEW filter in front is a convenience. A job reminds the staff of a consulate,
once, of each unanswered thread past its promised time.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.access import Actor, Permission
from bot.deployment import Deployment
from bot.i18n import Translator
from bot.inbox.service import (
    REFERENCE_PATTERN,
    Delivery,
    DeliveryOutcome,
    InboxError,
    ThreadView,
)
from bot.inbox.words import delivery_notice, handle, topic_name
from bot.services import Services
from bot.storage.inbox import MessageRow, Thread
from handlers import callbacks
from handlers.ask import RepliedTo, answer_markup, answer_text, problem_text
from handlers.broadcasts import translator_for
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, back_label, edit_or_reply, esc, reply

logger = logging.getLogger(__name__)

FEATURE = "inbox"
#: Marks the staff's messages about a thread: a reply to one answers the thread.
STAFF_MARK = "🗂"
REMINDER_INTERVAL_SECONDS = 300
_REFERENCE = re.compile(REFERENCE_PATTERN)


def heading(tr: Translator, deployment: Deployment, thread: Thread) -> str:
    return f"{STAFF_MARK} <b>{thread.reference}</b> · {esc(handle(tr, deployment, thread))}"


def message_line(tr: Translator, message: MessageRow) -> str:
    who = tr.gettext("Member") if message.sender == "member" else tr.gettext("Consulate")
    lines = [f"<b>{esc(who)}</b>: {esc(message.text)}"]
    if message.file_kind == "photo":
        lines.append(tr.gettext("(with a photo)"))
    elif message.file_kind == "document":
        lines.append(tr.gettext("(with a document)"))
    if not message.delivered:
        lines.append(tr.gettext("(not delivered)"))
    return "\n".join(lines)


def view_text(tr: Translator, deployment: Deployment, view: ThreadView, actor: Actor) -> str:
    thread = view.thread
    consulate = deployment.consulate(thread.consulate_id)
    zone = consulate.zone if consulate else UTC
    if thread.assigned_to is None:
        assigned = tr.gettext("Not assigned")
    elif actor.is_person(thread.assigned_to):
        assigned = tr.gettext("Assigned to you")
    else:
        assigned = tr.gettext("Assigned to a colleague")
    status = tr.gettext("Open") if thread.status == "open" else tr.gettext("Closed")
    lines = [
        heading(tr, deployment, thread),
        tr.format("Topic: %(topic)s", topic=esc(topic_name(tr, deployment, thread))),
        f"{status} · {assigned}",
        tr.format("Answer due: %(due)s", due=tr.format_datetime(thread.due_at, zone, "short")),
        *callback_lines(tr, view),
        "",
        *(message_line(tr, message) for message in view.messages),
        "",
        f"<i>{tr.gettext('Reply to this message to answer the member.')}</i>",
    ]
    return "\n".join(lines)


def callback_lines(tr: Translator, view: ThreadView) -> list[str]:
    """The number the member shares for a call-back in this thread (this view only)."""
    if view.callback_phone is None:
        return []
    phone = f"<b>{esc(view.callback_phone)}</b>"
    return [tr.format("📞 Call-back requested: %(phone)s", phone=phone)]


def thread_markup(tr: Translator, thread: Thread) -> InlineKeyboardMarkup:
    ref = thread.reference
    rows = [
        [
            callbacks.button(FEATURE, tr.gettext("🙋 Assign to me"), "mine", ref),
            callbacks.button(FEATURE, tr.gettext("✍️ Reply"), "reply", ref),
        ],
        [
            callbacks.button(FEATURE, tr.gettext("📋 Saved replies"), "saved", ref),
            callbacks.button(FEATURE, tr.gettext("✅ Close"), "close", ref),
        ],
        [callbacks.button(FEATURE, back_label(tr), "list")],
    ]
    return InlineKeyboardMarkup(rows)


# --- the list and one thread -------------------------------------------------------------


async def show_inbox(update: Update, context: AppContext) -> None:
    """/inbox: the open threads of my consulates, oldest first."""
    if update.callback_query:
        await update.callback_query.answer()
    tr = context.tr
    deployment = context.services.deployment
    threads = await context.services.inbox.open_threads(await context.acting(update))
    if not threads:
        await edit_or_reply(update, context, tr.gettext("No open questions."))
        return
    now = datetime.now(UTC)
    keyboard = [
        [
            callbacks.button(
                FEATURE,
                " · ".join(
                    (
                        thread.reference,
                        topic_name(tr, deployment, thread),
                        tr.format_time_left((now - thread.created_at).total_seconds()),
                    )
                ),
                "open",
                thread.reference,
            )
        ]
        for thread in threads
    ]
    text = tr.gettext("<b>Open questions</b>, oldest first:")
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(keyboard))


async def show_thread(update: Update, context: AppContext, view: ThreadView) -> None:
    actor = await context.acting(update)
    reference = view.thread.reference
    tr = context.tr
    text = view_text(tr, context.services.deployment, view, actor)
    await reply(update, context, text, thread_markup(tr, view.thread))
    for message in view.messages:
        if message.file_id:
            await send_file(context, update, message, reference)


async def send_file(context: AppContext, update: Update, message: MessageRow, ref: str) -> None:
    chat = update.effective_chat
    if chat is None or message.file_id is None:
        return
    caption = f"{STAFF_MARK} {ref}"
    if message.file_kind == "photo":
        await context.bot.send_photo(chat.id, message.file_id, caption=caption)
    else:
        await context.bot.send_document(chat.id, message.file_id, caption=caption)


async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    fields = callbacks.fields(query.data, FEATURE)
    tr = context.tr
    if fields == ["list"]:
        await show_inbox(update, context)
        return
    if len(fields) < 2 or not _REFERENCE.fullmatch(fields[1]):
        await alert(update, context, tr.gettext(STALE))
        return
    action, reference = fields[0], fields[1]
    actor = await context.acting(update)
    inbox = context.services.inbox
    try:
        if action == "open" and len(fields) == 2:
            view = await inbox.view(actor, reference)
            await query.answer()
            await show_thread(update, context, view)
        elif action == "mine" and len(fields) == 2:
            await inbox.assign_to_me(actor, reference)
            await query.answer(tr.gettext("Assigned to you."))
        elif action == "close" and len(fields) == 2:
            await inbox.close(actor, reference, datetime.now(UTC))
            await query.answer()
            text = tr.format("Question %(reference)s is closed.", reference=reference)
            await edit_or_reply(update, context, text)
        elif action == "reply" and len(fields) == 2:
            await inbox.may_answer(actor, reference)
            await query.answer()
            await ask_for_reply(update, context, reference)
        elif action == "saved" and len(fields) == 2:
            await inbox.may_answer(actor, reference)
            await query.answer()
            await offer_saved_replies(update, context, reference)
        elif action == "use" and len(fields) == 3:
            text = await inbox.saved_reply(actor, reference, fields[2])
            await query.answer()
            await answer_member(update, context, reference, text)
        else:
            await alert(update, context, tr.gettext(STALE))
    except InboxError as error:
        await alert(update, context, problem_text(tr, error))


async def ask_for_reply(update: Update, context: AppContext, reference: str) -> None:
    tr = context.tr
    text = tr.format(
        "Write your answer to %(reference)s as a reply to this message.", reference=reference
    )
    await reply(update, context, f"{STAFF_MARK} {text}", ForceReply(selective=True))


async def offer_saved_replies(update: Update, context: AppContext, reference: str) -> None:
    tr = context.tr
    replies = context.services.deployment.saved_replies
    if not replies:
        await reply(update, context, tr.gettext("There are no saved replies."))
        return
    keyboard = [
        [callbacks.button(FEATURE, saved.name_in(tr.language), "use", reference, saved.id)]
        for saved in replies
    ]
    text = tr.format(
        "Choose a saved reply for %(reference)s. It is sent at once, in the member's language.",
        reference=reference,
    )
    await reply(update, context, text, InlineKeyboardMarkup(keyboard))


# --- answering ---------------------------------------------------------------------------


async def on_staff_reply(update: Update, context: AppContext) -> None:
    """A reply to a thread's message: the answer to that thread."""
    message = update.effective_message
    assert message is not None
    found = _REFERENCE.search(replied(message))
    if found is None or not message.text:
        await reply(update, context, context.tr.gettext("Please answer in text."))
        return
    try:
        await answer_member(update, context, found.group(0), message.text)
    except InboxError as error:
        await reply(update, context, problem_text(context.tr, error))


def replied(message: Message) -> str:
    original = message.reply_to_message
    return (original.text or original.caption or "") if original else ""


async def answer_member(update: Update, context: AppContext, reference: str, text: str) -> None:
    """Store the answer, pass it to the member, and tell the staff member what happened."""
    actor = await context.acting(update)
    delivery = await context.services.inbox.reply(actor, reference, text, datetime.now(UTC))
    outcome = await deliver(context.bot, context.services, delivery)
    said = delivery_notice(context.tr, outcome, reference)
    await reply(update, context, f"{STAFF_MARK} {said}")


async def deliver(bot: Bot, services: Services, delivery: Delivery) -> DeliveryOutcome:
    """Send the answer to the member in their language. Not delivered (they blocked the bot,
    or Telegram did not take it after the retries), it stays in the thread, marked."""
    thread = delivery.thread
    tr = services.languages.translator(thread.language)
    consulate = services.deployment.consulate(thread.consulate_id)
    try:
        await bot.send_message(
            chat_id=delivery.member_telegram_id,
            text=tr.direction(answer_text(tr, consulate, thread.reference, delivery.text)),
            parse_mode=ParseMode.HTML,
            reply_markup=answer_markup(tr, thread.reference),
        )
    except Forbidden:
        await services.inbox.not_delivered(delivery)
        await services.members.record_reachability(delivery.member_telegram_id, False)
        return DeliveryOutcome.BLOCKED
    except TelegramError as exc:
        logger.warning("Answer to %s not delivered: %r", delivery.thread.reference, exc)
        await services.inbox.not_delivered(delivery)
        return DeliveryOutcome.FAILED
    return DeliveryOutcome.DELIVERED


# --- reminders ---------------------------------------------------------------------------


async def remind_overdue(context: AppContext) -> None:
    """The JobQueue callback: tell the staff of each consulate, once, of its unanswered
    threads past their promised time."""
    await send_reminders(context.bot, context.services, datetime.now(UTC))


async def send_reminders(bot: Bot, services: Services, now: datetime) -> None:
    overdue = await services.inbox.overdue(Actor.system("inbox-reminders"), now)
    if not overdue:
        return
    staff = await services.staff.everyone()
    for thread in overdue:
        local = [s for s in staff if thread.consulate_id in s.consulates]
        for member in local or [s for s in staff if s.is_unlimited_admin]:
            if not member.may(Permission.VIEW):
                continue
            tr = await translator_for(services, member.telegram_user_id)
            text = tr.format(
                "Question %(reference)s (%(handle)s) is past the time its answer was promised "
                "by. Send /inbox to answer it.",
                reference=thread.reference,
                handle=handle(tr, services.deployment, thread),
            )
            try:
                await bot.send_message(
                    member.telegram_user_id, tr.direction(f"{STAFF_MARK} ⏰ {esc(text)}")
                )
            except TelegramError as exc:
                logger.warning("Inbox reminder for %s not sent: %r", thread.reference, exc)


def register(application: App) -> None:
    application.bot_data.access.require(Permission.VIEW, commands=("inbox",), features=(FEATURE,))
    application.add_handler(CommandHandler("inbox", show_inbox))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(FEATURE)))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND & RepliedTo(STAFF_MARK), on_staff_reply
        )
    )


def register_jobs(application: App) -> None:
    job_queue = application.job_queue
    assert job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    job_queue.run_repeating(
        remind_overdue, interval=REMINDER_INTERVAL_SECONDS, first=60, name="inbox-reminders"
    )
