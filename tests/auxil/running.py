"""Start and stop the real application against a sandbox, inside the test's event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.app import build_application
from bot.runner import run_application
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from sandbox import Sandbox


@dataclass
class RunningBot:
    application: App
    stop_event: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait_for(self.task, timeout=15)


async def start_bot(services: Services, sandbox: Sandbox, settings: Settings) -> RunningBot:
    """Build the application and return once it is polling the sandbox.

    The bot paces each chat as Telegram requires only when the sandbox enforces that limit, so
    tests of conversations (a person answering at machine speed) run at full speed.
    """
    pace_chats = sandbox.faults.config.per_chat_rate is not None
    application = build_application(
        services, sandbox.token, sandbox.bot_api_base_url, pace_chats=pace_chats
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_application(application, settings, stop))
    async with asyncio.timeout(15):
        while not (application.updater and application.updater.running):
            if task.done():
                task.result()  # raise what stopped it
            await asyncio.sleep(0.01)
    return RunningBot(application, stop, task)
