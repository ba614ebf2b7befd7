"""my_chat_member updates: a member blocked or unblocked the bot."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from handlers.context import App, AppContext

REACHABLE_STATUSES = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def record_block(update: Update, context: AppContext) -> None:
    """Record whether the bot can still write to this private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    reachable = change.new_chat_member.status in REACHABLE_STATUSES
    await context.services.members.record_reachability(change.chat.id, reachable)


def register(application: App) -> None:
    application.add_handler(ChatMemberHandler(record_block, ChatMemberHandler.MY_CHAT_MEMBER))
