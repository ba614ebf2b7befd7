"""The app factory: one python-telegram-bot Application wired to the services and handlers."""

from __future__ import annotations

from typing import cast

from telegram.ext import ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.aiohttp_request import AiohttpRequest
from bot.broadcasting import BroadcastRuntime
from bot.persistence import DatabasePersistence
from bot.roles import ALL_ROLES, Role
from bot.sending_budget import SharedBudgetRateLimiter
from bot.services import Services
from bot.updates import PerUserUpdateProcessor
from handlers.commands import publish_command_menus
from handlers.context import App, AppContext, BotData

# Connections for the bot's own requests (replies, broadcasts) and for getUpdates.
CONNECTION_POOL_SIZE = 64
# Updates handled at once (from different people; one person's updates run in order).
CONCURRENT_UPDATES = 64


def file_url_for(base_url: str) -> str:
    """Telegram serves files under /file/bot<token>/ beside /bot<token>/."""
    root, _, _ = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/bot"


def build_application(
    services: Services,
    token: str,
    base_url: str,
    *,
    pace_chats: bool = True,
    roles: frozenset[Role] = ALL_ROLES,
) -> App:
    """Build the Application with typed context, a shared HTTP pool and every handler.

    ``pace_chats=False`` drops the per-chat pace, for a test server without that limit.
    ``roles``: the process roles (bot/roles.py) whose scheduled jobs this process runs.
    """
    context_types = ContextTypes(context=AppContext, bot_data=BotData)
    broadcasting = BroadcastRuntime(services, token, base_url)
    # Replies and broadcasts draw on one rate budget, the engine's bucket (replies first), and
    # each chat's messages keep to Telegram's per-chat pace.
    rate_limiter = SharedBudgetRateLimiter(
        broadcasting.engine.bucket, max_retries=3, pace_chats=pace_chats
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url_for(base_url))
        .context_types(context_types)
        .request(AiohttpRequest(CONNECTION_POOL_SIZE, read_timeout=15))
        .get_updates_request(AiohttpRequest(2, read_timeout=40))
        .rate_limiter(rate_limiter)
        .defaults(Defaults(block=True))
        .concurrent_updates(PerUserUpdateProcessor(CONCURRENT_UPDATES))
        .persistence(DatabasePersistence(services.database))
        .post_init(publish_command_menus)
    )
    application = cast(App, builder.build())
    application.bot_data.services = services
    application.bot_data.broadcasting = broadcasting
    handlers.register_all(application, roles)
    return application
