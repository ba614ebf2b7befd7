"""/mydata and /delete: the member sees everything held about them, or erases it."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.persistence import DatabasePersistence
from handlers import ask, callbacks, responses
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, edit_or_reply, reply

EXPORT = "mydata"
DELETE = "delete"


async def send_my_data(update: Update, context: AppContext) -> None:
    """Send everything held about the member as a JSON document."""
    if update.callback_query:
        await update.callback_query.answer()
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    export = await context.services.members.export(user.id)
    if not export["tables"]:
        await reply(update, context, context.tr.gettext("We hold no data about you."))
        return
    document = json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True).encode()
    await context.bot.send_document(
        chat_id=chat.id,
        document=InputFile(document, filename="my-data.json"),
        caption=context.tr.direction(
            context.tr.gettext("Everything we hold about you. Send /delete to erase it.")
        ),
    )
    await responses.send_shared_contacts(update, context)
    await ask.send_callback_phones(update, context)


async def ask_to_delete(update: Update, context: AppContext) -> None:
    """Ask for confirmation before erasing."""
    if update.callback_query:
        await update.callback_query.answer()
    tr = context.tr
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("Yes, delete my data"), callback_data=callbacks.encode(DELETE, "yes")
                )
            ],
            [
                InlineKeyboardButton(
                    tr.gettext("No, keep it"), callback_data=callbacks.encode(DELETE, "no")
                )
            ],
        ]
    )
    text = tr.gettext(
        "Delete all your data? Your registration and answers will be erased and cannot be "
        "recovered. Your answers to polls still open are removed too; polls already closed"
        " keep only their published totals, which are linked to no one."
    )
    await reply(update, context, text, keyboard)


async def on_delete_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    choice = callbacks.fields(query.data, DELETE)
    if choice == []:
        await ask_to_delete(update, context)
        return
    if choice not in (["yes"], ["no"]):
        await alert(update, context, context.tr.gettext(STALE))
        return
    await query.answer()
    if choice == ["no"]:
        await edit_or_reply(update, context, context.tr.gettext("Nothing was deleted."))
        return
    await erase_everything(context, query.from_user.id)
    await edit_or_reply(
        update,
        context,
        context.tr.gettext(
            "Your data has been deleted. If you want to register again, send /start."
        ),
    )


async def erase_everything(context: AppContext, user_id: int) -> None:
    """The member's rows and their unconfirmed answers (a registration in progress notices
    its answers are gone and ends)."""
    await context.services.members.erase(user_id)
    if context.user_data is not None:
        context.user_data.clear()
    persistence = context.application.persistence
    if isinstance(persistence, DatabasePersistence):
        await persistence.drop_conversations_of(user_id)


def register(application: App) -> None:
    application.add_handler(CommandHandler("mydata", send_my_data))
    application.add_handler(CommandHandler("delete", ask_to_delete))
    application.add_handler(CallbackQueryHandler(send_my_data, pattern=callbacks.pattern(EXPORT)))
    application.add_handler(
        CallbackQueryHandler(on_delete_button, pattern=callbacks.pattern(DELETE))
    )
