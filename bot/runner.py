"""Running the bot: against the sandbox, by long polling, or by webhook, until a signal.

A process runs the roles it is given (bot/roles.py): the bot role takes updates, the engine
role runs the delivery engine, the console role serves the console; each role's scheduled
jobs run where the role does (handlers/jobs.py).

Start-up checks come first and each stops with one line (bot.errors.ConfigError): the
database must belong to this kind of run (bot/run_mode.py), and Telegram must accept the token.

Shutdown order matters: stop taking updates, let the handlers in progress finish, stop the
delivery engine (sends in flight finish, statuses are flushed), stop the application, then
close the database (which waits for the last write).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.deployment import Deployment
from bot.errors import ConfigError
from bot.inbox.service import Delivery, DeliveryOutcome
from bot.log_redaction import Redactor
from bot.operations import Readiness, serve_operations
from bot.roles import ALL_ROLES, Role, describe
from bot.run_mode import RunMode, claim_database, highest_known_user_id
from bot.services import Services
from bot.settings import Settings
from bot.storage.database import Database
from bot.webhook import Deliver, WebhookReceiver, web_server
from handlers.context import App
from handlers.inbound_runtime import decoded_update, sharded_workers

if TYPE_CHECKING:
    from sandbox import Sandbox

logger = logging.getLogger(__name__)


async def serve(
    settings: Settings,
    deployment: Deployment,
    stop: asyncio.Event | None = None,
    roles: frozenset[Role] = ALL_ROLES,
) -> None:
    """Run ``roles`` until SIGINT/SIGTERM (or until ``stop`` is set, for tests)."""
    stop = stop or _stop_on_signals()
    async with AsyncExitStack() as stack:
        # The database first: an unusable BOT_DB_PATH, or one of the other kind of run, stops
        # start-up before anything listens or writes to it.
        highest_user_id = await _check_database(settings)
        services = await Services.open(settings, deployment)
        stack.push_async_callback(services.close)
        token, base_url = settings.token, settings.api_base_url
        if settings.sandbox_mode and Role.BOT not in roles:
            token, base_url = _joined_sandbox(settings)
        elif settings.sandbox_mode:
            sandbox = await _start_sandbox(settings, highest_user_id)
            stack.push_async_callback(sandbox.stop)
            token, base_url = sandbox.token, sandbox.bot_api_base_url
            if settings.sandbox_demo:
                from bot.demo import seed_demo  # only needed for `run --sandbox --demo`

                print((await seed_demo(services, sandbox.state)).describe(), flush=True)
        assert token is not None
        application = build_application(services, token, base_url, roles=roles)
        await run_application(application, settings, stop, roles)


async def _check_database(settings: Settings) -> int | None:
    """Claim the database for this kind of run; return the highest user id it knows.

    Read before Services.open adds the BOT_ADMIN_IDS, so a new database's sandbox still
    numbers its first user 5000001 (which README suggests making an admin)."""
    mode = RunMode.SANDBOX if settings.sandbox_mode else RunMode.TELEGRAM
    database = await Database.open(settings.database)
    try:
        await claim_database(database, mode)
        return await highest_known_user_id(database)
    finally:
        await database.close()


async def _start_sandbox(settings: Settings, highest_user_id: int | None) -> Sandbox:
    """Start the sandbox, its new users numbered above every id the database knows."""
    from sandbox import Sandbox  # only needed for `run --sandbox`
    from sandbox.state import FIRST_USER_ID

    first_user_id = max(FIRST_USER_ID, (highest_user_id or 0) + 1)
    sandbox = Sandbox(
        host=settings.sandbox_host, port=settings.sandbox_port, first_user_id=first_user_id
    )
    await sandbox.start()
    print(
        f"Sandbox web chat: {sandbox.url}/  (new users are numbered from {first_user_id}; "
        "Ctrl+C stops the bot)",
        flush=True,
    )
    return sandbox


def _joined_sandbox(settings: Settings) -> tuple[str, str]:
    """The token and Bot API address of the sandbox the bot role's process serves."""
    from sandbox.server import DEFAULT_TOKEN

    return DEFAULT_TOKEN, f"http://{settings.sandbox_host}:{settings.sandbox_port}/bot"


async def run_application(
    application: App,
    settings: Settings,
    stop: asyncio.Event,
    roles: frozenset[Role] = ALL_ROLES,
) -> None:
    """Start the application and ``roles``, run until ``stop`` is set, then stop cleanly.

    The application (its Bot and job queue) runs in every role; only the bot role takes
    updates."""
    async with AsyncExitStack() as stack:
        # Health and metrics first and last: /readyz says 503 until every role has started
        # and from the moment the process begins to stop (bot/operations.py).
        readiness = Readiness(role.value for role in Role if role in roles)
        application.bot_data.ops_url = await stack.enter_async_context(
            serve_operations(settings, application.bot_data.services.database, readiness)
        )
        # Unwound in reverse: stop taking updates, the delivery engine, the application.
        await stack.enter_async_context(_initialized(application))
        if application.post_init and Role.BOT in roles:
            await application.post_init(application)
        await application.start()
        stack.push_async_callback(application.stop)
        if Role.ENGINE in roles:
            # The engine runs while the application does (its sweep job needs both).
            broadcasting = application.bot_data.broadcasting
            await broadcasting.start()
            stack.push_async_callback(broadcasting.stop)
            readiness.started(Role.ENGINE)
        if Role.CONSOLE in roles:
            await stack.enter_async_context(_console(application, settings))
            readiness.started(Role.CONSOLE)
        else:
            application.bot_data.console_url = settings.console_url
        if Role.BOT in roles and settings.webhook_url:
            await stack.enter_async_context(_webhook(application, settings))
        elif Role.BOT in roles:
            await stack.enter_async_context(_long_polling(application))
        readiness.started(Role.BOT)
        logger.info("Running the roles %s", describe(roles))
        await stop.wait()
        readiness.stopping()
        logger.info("Shutting down: finishing the updates in progress")


@asynccontextmanager
async def _initialized(application: App) -> AsyncIterator[None]:
    """Initialize (python-telegram-bot checks the token with getMe), shut down at the end."""
    try:
        await application.initialize()
    except BaseException as exc:
        await application.bot.shutdown()  # the HTTP sessions opened before getMe
        if isinstance(exc, InvalidToken):
            raise _refused_token(application, exc) from None
        raise
    async with application:  # already initialized: this only shuts it down at the end
        yield


def _refused_token(application: App, exc: InvalidToken) -> ConfigError:
    # python-telegram-bot's message quotes the token; Telegram's own reason does not.
    reason = str(exc.__cause__ or exc)
    redacted = Redactor([application.bot.token])(reason)
    return ConfigError(f"TELEGRAM_BOT_TOKEN: Telegram refused this token ({redacted})")


@asynccontextmanager
async def _console(application: App, settings: Settings) -> AsyncIterator[None]:
    """Serve the staff web console (console/) beside the bot; /console links point at it."""
    from console.app import serve_console
    from handlers.inbox import deliver

    services = application.bot_data.services
    host, port = settings.console_host, settings.console_port

    async def deliver_reply(delivery: Delivery) -> DeliveryOutcome:
        return await deliver(application.bot, services, delivery)

    try:
        server = serve_console(services, host, port, deliver_reply)
        listening = await server.__aenter__()
    except OSError as exc:
        raise ConfigError(
            f"CONSOLE_PORT={port}: the console cannot listen on {host}:{port}: {exc.strerror}"
        ) from None
    application.bot_data.console_url = settings.console_address(listening)
    logger.info("Staff console at %s", application.bot_data.console_url)
    if settings.sandbox_mode:
        print(f"Staff console: {application.bot_data.console_url}/", flush=True)
    try:
        yield
    finally:
        await server.__aexit__(None, None, None)


@asynccontextmanager
async def _long_polling(application: App) -> AsyncIterator[None]:
    updater = application.updater
    assert updater is not None
    await updater.start_polling(allowed_updates=Update.ALL_TYPES)
    logger.info("Receiving updates by long polling")
    try:
        yield
    finally:
        await updater.stop()


@asynccontextmanager
async def _webhook(application: App, settings: Settings) -> AsyncIterator[None]:
    """Serve the webhook (bot/webhook.py), then ask Telegram to call it."""
    assert settings.webhook_url and settings.webhook_secret  # Settings.from_env requires both
    path = urlparse(settings.webhook_url).path or "/"
    host, port = settings.webhook_listen, settings.webhook_port
    async with AsyncExitStack() as stack:
        deliver = _update_queue_of(application)
        if settings.shards is not None:  # queue each update; shard workers handle them
            deliver = await stack.enter_async_context(sharded_workers(application, settings.shards))
        receiver = WebhookReceiver(path, settings.webhook_secret, deliver)
        try:
            await stack.enter_async_context(web_server(receiver.routes(), host, port))
        except OSError as exc:
            raise ConfigError(
                f"WEBHOOK_LISTEN={host} WEBHOOK_PORT={port}: cannot listen there: "
                f"{os.strerror(exc.errno) if exc.errno else exc}"
            ) from None
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("Receiving updates by webhook")
        yield


def _update_queue_of(application: App) -> Deliver:
    """The receiver's ``deliver``: decode an update and queue it for the application."""

    async def put(data: dict[str, Any]) -> None:
        await application.update_queue.put(decoded_update(application, data))

    return put


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
