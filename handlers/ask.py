"""/ask: a member writes to their consulate (the rules are in bot/inbox/).

The member picks a topic (an emergency topic shows the consulate's 24-hour number at once),
writes the question (text; a photo or a PDF, JPEG or PNG document may come with it), sees the
guidance pages whose words match it, in their language, with "Send anyway", then gets the
reference number and the time an answer is promised by. A small persistent conversation keeps
the step; the question waits in the member's conversation data until sent (/delete clears it).

The confirmation offers "📞 Ask for a call-back": the member may then share their own phone
number, with Telegram's contact button, for that question only (its staff see it in that
thread's view); "Stop sharing my number" there or in /mydata erases it.

Answers reach the member with the reference and a "Write again" button; a member who replies
to an answer, or presses the button, writes into that thread (a closed one opens again).
"""

from __future__ import annotations

import enum
import re
import warnings
from datetime import UTC, datetime, tzinfo
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.deployment import Consulate
from bot.i18n import Translator
from bot.inbox import words
from bot.inbox.matching import matching_pages
from bot.inbox.service import (
    QUESTION_MAX,
    REFERENCE_PATTERN,
    Attachment,
    InboxError,
    InboxProblem,
)
from bot.storage.inbox import Thread
from broadcasts.responses import ResponseRefused
from handlers import callbacks
from handlers.contact_button import contact_keyboard, waiting_for_contact
from handlers.context import App, AppContext
from handlers.guidance import page_text
from handlers.persistence_flush import save_before_reply
from handlers.replies import STALE, alert, edit_or_reply, esc, reply

CONVERSATION = "ask"
FEATURE = "ask"
END = ConversationHandler.END
#: Marks the messages about a member's own question: a reply to one writes into its thread.
MEMBER_MARK = "💬"
#: What a member may attach: Telegram lets a bot fetch files of up to 20 MB.
FILE_MAX_MB = 20
FILE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
_REFERENCE = re.compile(REFERENCE_PATTERN)
#: The conversation that waits for the member's contact after "Ask for a call-back".
CALLBACK_CONVERSATION = "ask_callback"
CALL, NO_CALL = "call", "nocall"


class State(enum.IntEnum):
    TOPIC = 1
    QUESTION = 2
    CONFIRM = 3
    CONTACT = 4


def draft(context: AppContext) -> dict[str, Any]:
    """The question being written, in the member's conversation data."""
    assert context.user_data is not None
    value = context.user_data.setdefault(FEATURE, {})
    assert isinstance(value, dict)
    return value


def problem_text(tr: Translator, error: InboxError) -> str:
    """A refusal of the inbox in the reader's language, for an HTML message."""
    return esc(words.problem_text(tr, error))


def member_consulate(context: AppContext) -> Consulate | None:
    member = context.member
    return context.services.deployment.consulate(member.consulate_id or "") if member else None


def answer_markup(tr: Translator, reference: str) -> InlineKeyboardMarkup:
    """Under an answer: write again into the thread."""
    return InlineKeyboardMarkup(
        [[callbacks.button(FEATURE, tr.gettext("✍️ Write again"), "more", reference)]]
    )


def answer_text(tr: Translator, consulate: Consulate | None, reference: str, text: str) -> str:
    """A staff answer as the member reads it: who, which question, the answer."""
    name = consulate.name_in(tr.language) if consulate else ""
    heading = tr.format(
        "Answer from %(consulate)s to your question %(reference)s:",
        consulate=esc(name),
        reference=reference,
    )
    hint = tr.gettext("Reply to this message to write again.")
    return f"{MEMBER_MARK} <b>{heading}</b>\n\n{esc(text)}\n\n<i>{hint}</i>"


# --- asking --------------------------------------------------------------------------------


async def settle(update: Update, context: AppContext, state: object) -> object:
    """Store ``state`` (the step about to be shown, or END) with the draft before the reply
    that shows it, so a crash right after the reply keeps the member there."""
    await save_before_reply(update, context, CONVERSATION, state)
    return state


async def start_ask(update: Update, context: AppContext) -> object:
    """/ask or the menu button: check the member may ask now, then offer the topics."""
    if update.callback_query:
        await update.callback_query.answer()
    user = update.effective_user
    assert user is not None
    tr = context.tr
    try:
        await context.services.inbox.may_ask(user.id, datetime.now(UTC))
    except InboxError as error:
        await reply(update, context, problem_text(tr, error))
        return END
    draft(context).clear()
    topics = context.services.deployment.inbox_topics
    keyboard = [
        [callbacks.button(FEATURE, topic.name_in(tr.language), "topic", topic.id)]
        for topic in topics
    ]
    keyboard.append([callbacks.button(FEATURE, tr.gettext("Cancel"), "cancel")])
    text = tr.gettext("Which topic is your question about?")
    state = await settle(update, context, State.TOPIC)
    await reply(update, context, text, InlineKeyboardMarkup(keyboard))
    return state


async def on_topic(update: Update, context: AppContext) -> object:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    fields = callbacks.fields(query.data, FEATURE)
    topic = context.services.deployment.inbox_topic(fields[1]) if len(fields) == 2 else None
    if topic is None:
        await alert(update, context, tr.gettext(STALE))
        return State.TOPIC
    await query.answer()
    draft(context).update(topic=topic.id)
    lines = [f"<b>{esc(topic.name_in(tr.language))}</b>"]
    consulate = member_consulate(context)
    if topic.emergency and consulate is not None:
        lines.append(
            tr.format(
                "If you or someone else is in danger now, call the consulate's 24-hour "
                "emergency number at once: %(phone)s",
                phone=esc(consulate.emergency_phone),
            )
        )
    lines.append(
        tr.format(
            "Write your question in one message. You may send a photo or a PDF, JPEG or PNG "
            "document of up to %(size)s MB with your question as its caption. Send /cancel to "
            "stop.",
            size=tr.format_number(FILE_MAX_MB),
        )
    )
    state = await settle(update, context, State.QUESTION)
    await edit_or_reply(update, context, "\n\n".join(lines))
    return state


def attachment_of(message: Message) -> Attachment | bool | None:
    """The file sent with the message; None when there is none; False when it is one we do
    not take (wrong type, too big)."""
    if message.photo:
        return Attachment("photo", message.photo[-1].file_id)
    document = message.document
    if document is None:
        return None
    too_big = (document.file_size or 0) > FILE_MAX_MB * 1024 * 1024
    if document.mime_type not in FILE_TYPES or too_big:
        return False
    return Attachment("document", document.file_id)


async def on_question(update: Update, context: AppContext) -> object:
    """The question (text, or a file with a caption): offer matching guidance, or send."""
    message = update.effective_message
    assert message is not None
    tr = context.tr
    attachment = attachment_of(message)
    if attachment is False:
        return await unsupported(update, context)
    text = (message.text or message.caption or "").strip()
    current = draft(context)
    if isinstance(attachment, Attachment):
        current.update(file_kind=attachment.kind, file_id=attachment.file_id)
    if not text:
        await reply(update, context, tr.gettext("Now write your question in words."))
        return State.QUESTION
    if len(text) > QUESTION_MAX:
        too_long = InboxError(InboxProblem.TOO_LONG, QUESTION_MAX, "question too long")
        await reply(update, context, problem_text(tr, too_long))
        return State.QUESTION
    current.update(text=text)
    if "reference" in current:
        return await send_question(update, context)
    pages = matching_pages(context.services.guidance_for(tr.language), text)
    if not pages:
        return await send_question(update, context)
    keyboard = [[callbacks.button(FEATURE, page.title, "page", page.id)] for page in pages]
    keyboard += [
        [callbacks.button(FEATURE, tr.gettext("✉️ Send anyway"), "send")],
        [callbacks.button(FEATURE, tr.gettext("Cancel"), "cancel")],
    ]
    text = tr.gettext("These pages may already answer your question:")
    state = await settle(update, context, State.CONFIRM)
    await reply(update, context, text, InlineKeyboardMarkup(keyboard))
    return state


async def unsupported(update: Update, context: AppContext) -> object:
    """A file or message we cannot take: say what we take; the topic is kept."""
    text = context.tr.format(
        "We cannot take this. Please send text, a photo, or a PDF, JPEG or PNG document of up "
        "to %(size)s MB.",
        size=context.tr.format_number(FILE_MAX_MB),
    )
    await reply(update, context, text)
    return State.QUESTION


async def on_page(update: Update, context: AppContext) -> object:
    """A matching guidance page, as a message of its own (the choice stays above it)."""
    query = update.callback_query
    assert query is not None
    fields = callbacks.fields(query.data, FEATURE)
    content = context.services.guidance_for(context.tr.language)
    page = content.topic(fields[1]) if len(fields) == 2 else None
    if page is None:
        await alert(update, context, context.tr.gettext(STALE))
        return State.CONFIRM
    await query.answer()
    await reply(update, context, page_text(context.tr, page))
    return State.CONFIRM


async def on_send(update: Update, context: AppContext) -> object:
    if update.callback_query:
        await update.callback_query.answer()
    return await send_question(update, context)


async def send_question(update: Update, context: AppContext) -> object:
    """Send the drafted question (or the message into an existing thread) and confirm."""
    user = update.effective_user
    assert user is not None
    tr = context.tr
    current = dict(draft(context))
    draft(context).clear()
    inbox = context.services.inbox
    attachment = (
        Attachment(current["file_kind"], current["file_id"]) if current.get("file_id") else None
    )
    now = datetime.now(UTC)
    try:
        if "reference" in current:
            thread = await inbox.write_again(
                user.id, current["reference"], current.get("text", ""), now, attachment
            )
            text = tr.format(
                "Your message has been added to question %(reference)s.",
                reference=thread.reference,
            )
        else:
            thread = await inbox.ask(
                user.id,
                current.get("topic", ""),
                current.get("text", ""),
                now,
                attachment,
                about=current.get("about"),
            )
            text = sent_text(context, thread)
    except InboxError as error:
        await reply(update, context, problem_text(tr, error))
        return END
    state = await settle(update, context, END)
    await reply(update, context, f"{MEMBER_MARK} {text}", sent_markup(tr, thread.reference))
    return state


def sent_markup(tr: Translator, reference: str) -> InlineKeyboardMarkup:
    """Under the confirmation: the one optional step, a call-back."""
    label = tr.gettext("📞 Ask for a call-back")
    return InlineKeyboardMarkup([[callbacks.button(FEATURE, label, CALL, reference)]])


def sent_text(context: AppContext, thread: Thread) -> str:
    tr = context.tr
    consulate = context.services.deployment.consulate(thread.consulate_id)
    assert consulate is not None
    return tr.format(
        "Your question has been sent to %(consulate)s. Its reference is %(reference)s. "
        "We aim to answer by %(due)s (the consulate's local time).",
        consulate=esc(consulate.name_in(tr.language)),
        reference=thread.reference,
        due=due_text(tr, thread.due_at, consulate.zone),
    )


def due_text(tr: Translator, due: datetime, zone: tzinfo) -> str:
    """ "Wednesday, 2 June 2027, 17:00": the day in full and the time without seconds, joined
    as the member's language joins them."""
    joined = str(tr.locale.datetime_formats["long"])
    day = tr.format_date(due.astimezone(zone).date(), "full")
    return joined.replace("{1}", day).replace("{0}", tr.format_time(due, zone, "short"))


async def on_cancel(update: Update, context: AppContext) -> object:
    draft(context).clear()
    text = context.tr.gettext("Your question was not sent.")
    if update.callback_query:
        await update.callback_query.answer()
        await edit_or_reply(update, context, text)
    else:
        await reply(update, context, text)
    return END


# --- a call-back ---------------------------------------------------------------------------


def reference_in(update: Update) -> str | None:
    """The reference a call-back button carries (None: not a well-formed one)."""
    query = update.callback_query
    fields = callbacks.fields(query.data if query else None, FEATURE)
    found = len(fields) == 2 and _REFERENCE.fullmatch(fields[1])
    return fields[1] if found else None


async def ask_for_contact(update: Update, context: AppContext) -> object:
    """ "Ask for a call-back": say who will see the number, then offer the contact button."""
    reference = reference_in(update)
    if reference is None:
        await alert(update, context, context.tr.gettext(STALE))
        return END
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft(context)["callback"] = reference
    tr = context.tr
    keyboard = contact_keyboard(tr, tr.gettext("📞 Send my phone number"))
    text = tr.format(
        "Only the consulate's staff answering question %(reference)s will see your phone "
        "number, so that they can call you back. You can stop sharing it at any time. Press "
        "the button below to send it, or Cancel.",
        reference=reference,
    )
    await reply(update, context, text, keyboard)
    return State.CONTACT


async def on_contact(update: Update, context: AppContext) -> object:
    """The member's own contact: kept for that question. Anyone else's: refused."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    reference = draft(context).pop("callback", None)
    tr = context.tr
    if not isinstance(reference, str):
        await reply(update, context, tr.gettext(STALE), ReplyKeyboardRemove())
        return END
    contact = message.contact
    try:
        phone = await context.services.inbox.share_callback_phone(
            user.id, reference, contact.user_id, contact.phone_number
        )
    except InboxError as error:
        await reply(update, context, problem_text(tr, error), ReplyKeyboardRemove())
        return END
    await reply(update, context, tr.gettext("Thank you."), ReplyKeyboardRemove())
    text = tr.format(
        "Call-back requested for question %(reference)s: %(phone)s.",
        reference=reference,
        phone=esc(phone),
    )
    await reply(update, context, text, stop_sharing_markup(tr, reference))
    return END


def stop_sharing_markup(tr: Translator, reference: str) -> InlineKeyboardMarkup:
    label = tr.gettext("Stop sharing my number")
    return InlineKeyboardMarkup([[callbacks.button(FEATURE, label, NO_CALL, reference)]])


async def no_contact(update: Update, context: AppContext) -> object:
    """Anything but a contact (Cancel, say) while one is awaited: nothing is shared."""
    draft(context).pop("callback", None)
    await reply(update, context, context.tr.gettext("Nothing was shared."), ReplyKeyboardRemove())
    return END


async def stop_sharing(update: Update, context: AppContext) -> None:
    """ "Stop sharing my number" (on the confirmation or in /mydata): erase it."""
    reference, user = reference_in(update), update.effective_user
    assert user is not None
    if reference is None:
        await alert(update, context, context.tr.gettext(STALE))
        return
    try:
        await context.services.inbox.withdraw_callback_phone(user.id, reference)
    except InboxError:
        await alert(update, context, context.tr.gettext(STALE))
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    text = context.tr.format(
        "Your phone number is no longer shared for question %(reference)s.", reference=reference
    )
    await edit_or_reply(update, context, text)


async def send_callback_phones(update: Update, context: AppContext) -> None:
    """For /mydata: each question in which the member shares a number, to stop sharing it."""
    user = update.effective_user
    shared = await context.services.inbox.callback_phones_of(user.id) if user else []
    if shared:
        text = context.tr.gettext("You share your phone number for a call-back in these questions.")
        await reply(update, context, text, callback_phones_markup(context.tr, shared))


def callback_phones_markup(tr: Translator, shared: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A "Stop sharing" button for each (reference, number)."""
    rows = []
    for reference, phone in shared:
        label = tr.format(
            "Stop sharing %(phone)s (question %(reference)s)", phone=phone, reference=reference
        )
        rows.append([callbacks.button(FEATURE, label, NO_CALL, reference)])
    return InlineKeyboardMarkup(rows)


def callback_conversation() -> ConversationHandler[AppContext]:
    """Waiting for the contact, entered by "Ask for a call-back" only."""
    call = re.compile(rf"\Av1:{FEATURE}:{CALL}:[^:]+\Z")
    return waiting_for_contact(
        CALLBACK_CONVERSATION, ask_for_contact, call, State.CONTACT, on_contact, no_contact
    )


# --- writing again -----------------------------------------------------------------------


async def write_more(update: Update, context: AppContext) -> object:
    """The "Write again" button: the next message goes into that thread."""
    query = update.callback_query
    assert query is not None
    fields = callbacks.fields(query.data, FEATURE)
    if len(fields) != 2 or not _REFERENCE.fullmatch(fields[1]):
        await alert(update, context, context.tr.gettext(STALE))
        return END
    await query.answer()
    draft(context).clear()
    draft(context).update(reference=fields[1])
    text = context.tr.format(
        "Write your message about question %(reference)s.", reference=fields[1]
    )
    state = await settle(update, context, State.QUESTION)
    await reply(update, context, text)
    return state


async def on_reply_to_answer(update: Update, context: AppContext) -> None:
    """A member replies to an answer (or a confirmation): into that thread."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    found = _REFERENCE.search(replied_text(message))
    if found is None:
        return
    draft(context).clear()
    draft(context).update(reference=found.group(0))
    if attachment_of(message) is False:
        await unsupported(update, context)
        return
    await on_question(update, context)


def replied_text(message: Message) -> str:
    original = message.reply_to_message
    if original is None:
        return ""
    return original.text or original.caption or ""


class RepliedTo(filters.MessageFilter):
    """Messages that reply to one of the bot's messages starting with ``mark``."""

    def __init__(self, mark: str) -> None:
        super().__init__(name=f"RepliedTo({mark})")
        self.mark = mark

    def filter(self, message: Message) -> bool:
        original = message.reply_to_message
        if original is None or original.from_user is None or not original.from_user.is_bot:
            return False
        return replied_text(message).lstrip("\u200f\u2068\u2067\u2066 ").startswith(self.mark)


async def tell_me_more(update: Update, context: AppContext) -> object:
    """ "Tell me more" under an announcement: the topic that fits it is chosen, so the member
    goes straight to writing the question (refused unless the announcement was sent to them)."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    fields = callbacks.fields(query.data, FEATURE)
    try:
        broadcast_id = int(fields[1]) if len(fields) == 2 and fields[1].isdigit() else 0
        # The limit first: a press that cannot lead to a question is not counted as interest.
        await context.services.inbox.may_ask(query.from_user.id, datetime.now(UTC))
        topic_id = await context.services.responses.tell_me_more(broadcast_id, query.from_user.id)
    except ResponseRefused:
        await alert(update, context, tr.gettext(STALE))
        return END
    except InboxError as error:
        await query.answer()
        await reply(update, context, problem_text(tr, error))
        return END
    topic = context.services.deployment.inbox_topic(topic_id)
    if topic is None:
        unknown = InboxError(InboxProblem.UNKNOWN_TOPIC, topic_id, "topic not in the deployment")
        await alert(update, context, problem_text(tr, unknown))
        return END
    await query.answer()
    draft(context).clear()
    draft(context).update(topic=topic.id, about=broadcast_id)
    prompt = tr.format(
        "Write your question in one message. You may send a photo or a PDF, JPEG or PNG "
        "document of up to %(size)s MB with your question as its caption. Send /cancel to "
        "stop.",
        size=tr.format_number(FILE_MAX_MB),
    )
    state = await settle(update, context, State.QUESTION)
    await reply(update, context, f"<b>{esc(topic.name_in(tr.language))}</b>\n\n{prompt}")
    return state


def conversation() -> ConversationHandler[AppContext]:
    private = filters.ChatType.PRIVATE
    question = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    with warnings.catch_warnings():
        # Buttons are matched by their data, not per message: that is intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return _conversation(private, question)


def _conversation(
    private: filters.BaseFilter, question: filters.BaseFilter
) -> ConversationHandler[AppContext]:
    return ConversationHandler(
        entry_points=[
            CommandHandler("ask", start_ask, filters=private),
            CallbackQueryHandler(start_ask, pattern=callbacks.exact(callbacks.encode(FEATURE))),
            CallbackQueryHandler(write_more, pattern=re.compile(rf"\Av1:{FEATURE}:more:[^:]+\Z")),
            CallbackQueryHandler(tell_me_more, pattern=re.compile(rf"\Av1:{FEATURE}:about:\d+\Z")),
        ],
        states={
            State.TOPIC: [
                CallbackQueryHandler(on_topic, pattern=re.compile(rf"\Av1:{FEATURE}:topic:[^:]+\Z"))
            ],
            State.QUESTION: [
                MessageHandler(question & private, on_question),
                MessageHandler(~filters.COMMAND & private, unsupported),
            ],
            State.CONFIRM: [
                CallbackQueryHandler(on_page, pattern=re.compile(rf"\Av1:{FEATURE}:page:[^:]+\Z")),
                CallbackQueryHandler(
                    on_send, pattern=callbacks.exact(callbacks.encode(FEATURE, "send"))
                ),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            CallbackQueryHandler(
                on_cancel, pattern=callbacks.exact(callbacks.encode(FEATURE, "cancel"))
            ),
        ],
        allow_reentry=True,
        name=CONVERSATION,
        persistent=True,
    )


def register(application: App) -> None:
    application.add_handler(conversation())
    application.add_handler(callback_conversation())
    application.add_handler(
        CallbackQueryHandler(stop_sharing, pattern=re.compile(rf"\Av1:{FEATURE}:{NO_CALL}:"))
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND & RepliedTo(MEMBER_MARK),
            on_reply_to_answer,
        )
    )
    # Buttons of a conversation that has ended (an old topic list, an old Send anyway).
    application.add_handler(CallbackQueryHandler(stale, pattern=callbacks.pattern(FEATURE)))


async def stale(update: Update, context: AppContext) -> None:
    await alert(update, context, context.tr.gettext(STALE))
