"""Webhook delivery: POST queued updates to the bot's URL, in order, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from sandbox.state import WorldState, now
from sandbox.stats import Stats

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDeliverer:
    """One background task that drains the update queue into the webhook while one is set."""

    def __init__(
        self,
        state: WorldState,
        stats: Stats,
        first_backoff: float = 0.05,
        max_backoff: float = 2.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.state = state
        self.stats = stats
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.request_timeout = request_timeout
        self._task: asyncio.Task[None] | None = None

    def changed(self) -> None:
        """Call after setWebhook/deleteWebhook: start the task if needed and wake it."""
        if self.state.webhook is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run())
        self.state.updates_changed.notify()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        state = self.state
        backoff = self.first_backoff
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                webhook = state.webhook
                if webhook is None or state.closing:
                    return
                if not state.updates:
                    await state.updates_changed.wait(1.0)
                    continue
                update = state.updates[0]
                headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
                error: str | None = None
                try:
                    async with session.post(webhook.url, json=update, headers=headers) as resp:
                        await resp.read()
                        if not 200 <= resp.status < 300:
                            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"Connection failed: {exc.__class__.__name__}"
                if state.webhook is not webhook:
                    continue
                if error is None:
                    if state.updates and state.updates[0] is update:
                        state.updates.popleft()
                    self.stats.webhook_deliveries += 1
                    backoff = self.first_backoff
                    continue
                webhook.last_error_date = now()
                webhook.last_error_message = error
                self.stats.webhook_failures += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
