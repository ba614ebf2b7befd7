"""Conversation state on disk in time: ``flush`` runs after every other handler and writes
what the update changed now, rather than at python-telegram-bot's next periodic flush.

That is after the handler has replied, and python-telegram-bot records a conversation's new
state only once the callback has returned: a crash between the reply and the flush would lose
a step the member saw answered (issue 15, item 2). So a conversation step calls
``save_before_reply`` with the state it is about to return, and replies only once that and the
person's user_data are stored; the flush then finds nothing new.

Whose state may be written at all is the persistence's rule (bot/persistence.py): only that of
people the database names, so nothing of someone who has not consented."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import ConversationHandler, TypeHandler

from bot.persistence import DatabasePersistence
from handlers.context import App, AppContext


async def flush(update: Update, context: AppContext) -> None:
    """Persist what this update changed."""
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()


async def save_before_reply(
    update: Update, context: AppContext, conversation: str, state: object
) -> None:
    """Store that the update's person is at ``state`` of ``conversation`` (END: out of it),
    with their user_data, before the reply that shows it. Keys are ``[chat_id, user_id]``,
    as python-telegram-bot keys a conversation per chat and per user."""
    persistence = context.application.persistence
    chat, user = update.effective_chat, update.effective_user
    if not isinstance(persistence, DatabasePersistence) or chat is None or user is None:
        return
    await persistence.save_step(
        conversation,
        (chat.id, user.id),
        None if state == ConversationHandler.END else state,
        user.id,
        context.user_data if context.user_data is not None else {},
    )


async def reload_people(application: App, wanted: Callable[[int], bool]) -> None:
    """Read the conversation states and user_data of the people ``wanted`` picks again from
    the database, in place of what this process holds of them: a sharded worker taking over
    their shard (bot/inbound.py) continues where the previous worker left them. Nothing of
    theirs is marked for writing: the database already holds it."""
    persistence = application.persistence
    if not isinstance(persistence, DatabasePersistence):
        return
    user_data = application._user_data
    for user_id in [user_id for user_id in user_data if wanted(user_id)]:
        del user_data[user_id]
    user_data.update(await persistence.reload_user_data(wanted))
    for name, states in application._conversation_handler_conversations.items():
        for key in [key for key in states if wanted(int(key[-1]))]:
            del states.data[key]  # untracked: nothing to write back
        stored = await persistence.get_conversations(name)
        states.update_no_track({k: v for k, v in stored.items() if wanted(int(k[-1]))})


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, flush), group=group)
