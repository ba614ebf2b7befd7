"""Members answer announcements: the response button under a delivered announcement, and the
two screens on which a member agrees to share a name and a contact with the programme office.

Buttons carry ``v1:resp:<action>:<broadcast id>`` (broadcasts/responses.py makes the one under
the announcement); the service re-checks every press, so a forged one gets the stale-button
answer. Sharing a phone number is a small persistent conversation: the bot waits for the
contact Telegram's contact button sends (the member's own, never a forwarded one).
"""

from __future__ import annotations

import enum
import logging
import re

from telegram import (
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.i18n import Translator
from broadcasts.response_store import (
    Answer,
    ContactKind,
    Promoted,
    ResponseKind,
    ResponseStatus,
)
from broadcasts.responses import FEATURE, PRESS, Pressed, ResponseRefused, SharingTerms
from handlers import callbacks
from handlers.contact_button import contact_keyboard, waiting_for_contact
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, edit_or_reply, esc, reply

logger = logging.getLogger(__name__)

CONVERSATION = "respond_phone"
OFFER, USERNAME, PHONE, CANCEL, UNSHARE = "offer", "user", "phone", "cancel", "unshare"
ACTIONS = (PRESS, OFFER, USERNAME, PHONE, CANCEL, UNSHARE)
#: user_data key: the announcement a phone number is awaited for.
AWAITED = "respond_phone"
END = ConversationHandler.END


class State(enum.IntEnum):
    PHONE = 1


def parsed(data: str | None) -> tuple[str, int] | None:
    """(action, broadcast id) of well-formed response-button data, else None."""
    found = callbacks.fields(data, FEATURE)
    if len(found) != 2 or found[0] not in ACTIONS or not found[1].isdigit():
        return None
    return found[0], int(found[1])


async def on_button(update: Update, context: AppContext) -> int | None:
    """Dispatch a response button; refuse what the service refuses."""
    query = update.callback_query
    assert query is not None
    found = parsed(query.data)
    if found is None:
        await alert(update, context, context.tr.gettext(STALE))
        return None
    action, broadcast_id = found
    try:
        return await _ACTIONS[action](update, context, broadcast_id)
    except ResponseRefused as refused:
        logger.info("Response button refused: %s", refused)
        await alert(update, context, context.tr.gettext(STALE))
        return None


async def press(update: Update, context: AppContext, broadcast_id: int) -> None:
    """Answer the announcement, or withdraw the answer; say which in a short alert."""
    query = update.callback_query
    assert query is not None
    pressed = await context.services.responses.press(broadcast_id, query.from_user.id)
    await alert(update, context, pressed_text(context.tr, pressed))
    if pressed.promoted is not None:
        await tell_promoted(context, pressed.promoted)
    if pressed.answer is not None and pressed.may_share:
        await reply(update, context, *offer_screen(context.tr, broadcast_id))


def pressed_text(tr: Translator, pressed: Pressed) -> str:
    answer: Answer | None = pressed.answer
    if answer is None:
        return tr.gettext("Your answer is withdrawn.")
    if answer.status is ResponseStatus.WAITING:
        # No position: "number 2" would tell a member how few others wait.
        return tr.gettext(
            "All places are taken: you are on the waiting list. We will tell you if a place "
            "frees up for you. Press again to leave the list."
        )
    if pressed.kind is ResponseKind.ATTEND:
        return tr.gettext("Noted: you have a place. Press again to withdraw.")
    return tr.gettext("Noted: you are interested. Press again to withdraw.")


async def tell_promoted(context: AppContext, promoted: Promoted) -> None:
    """Tell the member let in from the waiting list, under the announcement."""
    tr = context.services.languages.translator(promoted.language)
    text = tr.gettext("A place has freed up: you now have a place at this event.")
    where = None
    if promoted.message_id is not None:
        where = ReplyParameters(promoted.message_id, allow_sending_without_reply=True)
    try:
        await context.bot.send_message(
            promoted.telegram_user_id, tr.direction(text), reply_parameters=where
        )
    except TelegramError as error:
        logger.warning("Could not tell a member of their place: %s", type(error).__name__)


def offer_screen(tr: Translator, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """The first screen: whether they want the programme office to contact them."""
    text = tr.gettext(
        "Would you like the programme office to contact you about this? Nothing is shared "
        "unless you confirm on the next screen."
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                callbacks.button(
                    FEATURE, tr.gettext("Yes, show me what is shared"), OFFER, str(broadcast_id)
                )
            ],
            [callbacks.button(FEATURE, tr.gettext("No, thanks"), CANCEL, str(broadcast_id))],
        ]
    )
    return text, keyboard


async def offer(update: Update, context: AppContext, broadcast_id: int) -> None:
    """The second screen: exactly what would be shared, and with whom."""
    query = update.callback_query
    assert query is not None
    user = query.from_user
    terms = await context.services.responses.sharing_terms(broadcast_id, user.id)
    await query.answer()
    tr = context.tr
    text = tr.format(
        tr.gettext(
            "If you agree, the staff of %(consulates)s will see, for this announcement only, "
            "your name (%(name)s) and one contact you choose below: your Telegram username or "
            "a phone number you send with the button. Nothing else about you is shared. You can "
            "remove it at any time with /mydata, or by withdrawing your answer."
        ),
        consulates=consulate_names(context, terms),
        name=esc(user.full_name),
    )
    rows = []
    if user.username:
        label = tr.format(tr.gettext("Share my name and @%(username)s"), username=user.username)
        rows.append([callbacks.button(FEATURE, label, USERNAME, str(broadcast_id))])
    label = tr.gettext("Share my name and a phone number")
    rows.append([callbacks.button(FEATURE, label, PHONE, str(broadcast_id))])
    rows.append([callbacks.button(FEATURE, tr.gettext("Cancel"), CANCEL, str(broadcast_id))])
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))


def consulate_names(context: AppContext, terms: SharingTerms) -> str:
    tr, deployment = context.tr, context.services.deployment
    if not terms.consulates:
        return tr.gettext("every consulate")
    names = []
    for consulate_id in terms.consulates:
        consulate = deployment.consulate(consulate_id)
        names.append(consulate.name_in(tr.language) if consulate else consulate_id)
    return esc(tr.format_list(names))


async def share_username(update: Update, context: AppContext, broadcast_id: int) -> None:
    query = update.callback_query
    assert query is not None
    user = query.from_user
    if not user.username:
        raise ResponseRefused("no username to share")
    contact = f"@{user.username}"
    await context.services.responses.share(
        broadcast_id, user.id, user.full_name, ContactKind.USERNAME, contact
    )
    await query.answer()
    await edit_or_reply(update, context, *shared_screen(context.tr, broadcast_id, contact))


def shared_screen(
    tr: Translator, broadcast_id: int, contact: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = tr.format(
        tr.gettext("Shared: your name and %(contact)s. You can remove them at any time."),
        contact=esc(contact),
    )
    label = tr.gettext("Stop sharing")
    keyboard = InlineKeyboardMarkup(
        [[callbacks.button(FEATURE, label, UNSHARE, str(broadcast_id))]]
    )
    return text, keyboard


def awaited(context: AppContext) -> dict[str, object]:
    assert context.user_data is not None
    found: dict[str, object] = context.user_data
    return found


async def ask_phone(update: Update, context: AppContext, broadcast_id: int) -> int:
    """Ask for the phone number through Telegram's contact button."""
    query = update.callback_query
    assert query is not None
    await context.services.responses.sharing_terms(broadcast_id, query.from_user.id)
    await query.answer()
    awaited(context)[AWAITED] = broadcast_id
    tr = context.tr
    keyboard = contact_keyboard(tr, tr.gettext("Send my phone number"))
    await reply(
        update,
        context,
        tr.gettext("Press the button below to send your phone number, or Cancel."),
        keyboard,
    )
    return State.PHONE


async def on_contact(update: Update, context: AppContext) -> int:
    """Keep the member's own phone number for the announcement awaited."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    broadcast_id = awaited(context).pop(AWAITED, None)
    tr = context.tr
    if not isinstance(broadcast_id, int) or message.contact.user_id != user.id:
        await reply(update, context, tr.gettext("Nothing was shared."), ReplyKeyboardRemove())
        return END
    phone = message.contact.phone_number
    try:
        await context.services.responses.share(
            broadcast_id, user.id, user.full_name, ContactKind.PHONE, phone
        )
    except ResponseRefused:
        await reply(update, context, tr.gettext(STALE), ReplyKeyboardRemove())
        return END
    text, keyboard = shared_screen(tr, broadcast_id, phone)
    await reply(update, context, tr.gettext("Thank you."), ReplyKeyboardRemove())
    await reply(update, context, text, keyboard)
    return END


async def on_other_message(update: Update, context: AppContext) -> int:
    """Anything but the contact while one is awaited: nothing is shared."""
    awaited(context).pop(AWAITED, None)
    await reply(update, context, context.tr.gettext("Nothing was shared."), ReplyKeyboardRemove())
    return END


async def cancel(update: Update, context: AppContext, broadcast_id: int) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit_or_reply(update, context, context.tr.gettext("Nothing was shared."))


async def unshare(update: Update, context: AppContext, broadcast_id: int) -> None:
    query = update.callback_query
    assert query is not None
    await context.services.responses.unshare(broadcast_id, query.from_user.id)
    await query.answer()
    await edit_or_reply(update, context, context.tr.gettext("Your contact is no longer shared."))


async def send_shared_contacts(update: Update, context: AppContext) -> None:
    """For /mydata: each contact the member shares, with a button to stop sharing it."""
    user = update.effective_user
    assert user is not None
    shared = await context.services.responses.shared_by(user.id)
    if not shared:
        return
    tr = context.tr
    rows = []
    for entry in shared:
        label = tr.format(
            tr.gettext("Stop sharing %(contact)s (announcement %(number)s)"),
            contact=entry.contact,
            number=str(entry.broadcast_id),
        )
        rows.append([callbacks.button(FEATURE, label, UNSHARE, str(entry.broadcast_id))])
    text = tr.gettext(
        "You share your name and a contact with the programme office for these announcements."
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))


_ACTIONS = {
    PRESS: press,
    OFFER: offer,
    USERNAME: share_username,
    PHONE: ask_phone,
    CANCEL: cancel,
    UNSHARE: unshare,
}


def conversation() -> ConversationHandler[AppContext]:
    """Waiting for the phone number, entered by the "phone number" button only."""
    phone = re.compile(rf"\A{re.escape(callbacks.encode(FEATURE, PHONE))}:[0-9]{{1,18}}\Z")
    return waiting_for_contact(
        CONVERSATION, on_button, phone, State.PHONE, on_contact, on_other_message
    )


def register(application: App) -> None:
    application.add_handler(conversation())
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(FEATURE)))
