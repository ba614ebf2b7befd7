"""Start and stop the real application against a sandbox, inside the test's event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseHandler

from bot.app import build_application
from bot.deployment import Deployment
from bot.runner import run_application
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from handlers.flood import FloodGate
from sandbox import Sandbox
from tests.auxil.crash import KillPoint
from tests.auxil.ecb import OfflineEcb


@dataclass
class RunningBot:
    application: App
    stop_event: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait_for(self.task, timeout=15)


async def start_bot(
    services: Services, sandbox: Sandbox, settings: Settings, *, flood_gate: bool = False
) -> RunningBot:
    """Build the application and return once it is polling the sandbox.

    Tests play people at machine speed (a conversation of thirty steps in two seconds), which
    no person manages: the bot paces each chat as Telegram requires only when the sandbox
    enforces that limit, and keeps its flood gate (handlers/flood.py) only when a test asks.
    """
    pace_chats = sandbox.faults.config.per_chat_rate is not None
    application = build_application(
        services, sandbox.token, sandbox.bot_api_base_url, pace_chats=pace_chats
    )
    if not flood_gate:
        remove_flood_gate(application)
    stop = asyncio.Event()
    task = asyncio.create_task(run_application(application, settings, stop))
    async with asyncio.timeout(15):
        while not (application.updater and application.updater.running):
            if task.done():
                task.result()  # raise what stopped it
            await asyncio.sleep(0.01)
    return RunningBot(application, stop, task)


def flood_gate_of(application: App) -> tuple[int, BaseHandler[Any, Any, Any]]:
    """The group and handler of the application's flood gate."""
    for group, handlers in application.handlers.items():
        for handler in handlers:
            if isinstance(getattr(handler.callback, "__self__", None), FloodGate):
                return group, handler
    raise LookupError("the application has no flood gate")


def remove_flood_gate(application: App) -> None:
    group, handler = flood_gate_of(application)
    application.remove_handler(handler, group)


class Restarts:
    """The bot started, stopped (cleanly, or killed at a ``KillPoint``) and started again on
    the same database file, against one sandbox."""

    def __init__(self, sandbox: Sandbox, settings: Settings, deployment: Deployment) -> None:
        self.sandbox = sandbox
        self.settings = settings
        self.deployment = deployment
        self.running: list[tuple[RunningBot, Services]] = []

    async def start(self) -> Services:
        services = await Services.open(
            self.settings, self.deployment, http_client=OfflineEcb().client()
        )
        self.running.append((await start_bot(services, self.sandbox, self.settings), services))
        return services

    async def stop(self) -> None:
        bot, services = self.running.pop()
        await bot.stop()
        await services.close()

    async def crash(self, point: KillPoint) -> None:
        """Stop the bot, leaving on disk what a kill at ``point`` would have left."""
        await self.stop()
        point.leave_on_disk()

    async def stop_all(self) -> None:
        while self.running:
            await self.stop()
