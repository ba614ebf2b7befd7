"""Running the bot: against the sandbox, by long polling, or by webhook, until a signal.

Shutdown order matters: stop taking updates, let the handlers in progress finish, stop the
delivery engine (sends in flight finish, statuses are flushed), stop the application, then
close the database (which waits for the last write).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from urllib.parse import urlparse

from telegram import Update

from bot.app import build_application
from bot.deployment import Deployment
from bot.services import Services
from bot.settings import Settings
from handlers.context import App

logger = logging.getLogger(__name__)


async def serve(
    settings: Settings, deployment: Deployment, stop: asyncio.Event | None = None
) -> None:
    """Run until SIGINT/SIGTERM (or until ``stop`` is set, for tests)."""
    stop = stop or _stop_on_signals()
    async with AsyncExitStack() as stack:
        # The database first: an unusable BOT_DB_PATH stops start-up before anything listens.
        services = await Services.open(settings, deployment)
        stack.push_async_callback(services.close)
        token, base_url = settings.token, settings.api_base_url
        if settings.sandbox_mode:
            from sandbox import Sandbox  # only needed without a real token

            sandbox = Sandbox(host=settings.sandbox_host, port=settings.sandbox_port)
            await sandbox.start()
            stack.push_async_callback(sandbox.stop)
            token, base_url = sandbox.token, sandbox.bot_api_base_url
            print(f"Sandbox web chat: {sandbox.url}/  (Ctrl+C stops the bot)", flush=True)
        assert token is not None
        application = build_application(services, token, base_url)
        await run_application(application, settings, stop)


async def run_application(application: App, settings: Settings, stop: asyncio.Event) -> None:
    """Start the application, take updates until ``stop`` is set, then stop cleanly."""
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        # The delivery engine runs while the application does (its sweep job needs both).
        broadcasting = application.bot_data.broadcasting
        await broadcasting.start()
        updater = application.updater
        assert updater is not None
        if settings.webhook_url:
            await updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            logger.info("Receiving updates by webhook")
        else:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES)
            logger.info("Receiving updates by long polling")
        await stop.wait()
        logger.info("Shutting down: finishing the updates in progress")
        await updater.stop()
        await broadcasting.stop()
        await application.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
