"""Receiving Telegram's webhook calls: our own small aiohttp receiver, strict about who calls.

Anyone on the internet can POST to the webhook URL, and an update names its sender: a forged
update "from" an admin is an admin's command. So a call is taken only if it carries
WEBHOOK_SECRET in Telegram's secret header (compared in constant time, so the time taken
tells nothing about how much of a guess was right), and only with a body small enough to be
an update (the limit is checked on Content-Length before reading, and again while reading,
for bodies sent without one). Then the body must be a JSON object the caller's ``deliver``
accepts. Answers: 403 wrong or missing secret, 413 too big, 400 not an update, 200 taken.

The receiver knows nothing of python-telegram-bot: ``deliver`` turns the JSON into an update
and queues it, so the runner can feed the Application and a later receiver a durable queue.
``web_server`` serves any aiohttp routes, so a staff console can share the process. Both belong
with the runtime (the runner), not with the domain of bot/.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a message's text is at most 4096 characters.
MAX_BODY_BYTES = 1024 * 1024
# How long stopping waits for calls in progress (each only queues an update).
SHUTDOWN_TIMEOUT = 5.0

Deliver = Callable[[dict[str, Any]], Awaitable[None]]


class MalformedUpdate(ValueError):
    """Raised by ``deliver`` for a JSON object that is not an update (answered with 400)."""


class WebhookReceiver:
    """The POST route at ``path``: checks secret and size, then hands the JSON to ``deliver``."""

    def __init__(
        self, path: str, secret: str, deliver: Deliver, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.path = path
        self._secret = secret.encode()
        self._deliver = deliver
        self.max_body = max_body

    def routes(self) -> list[web.RouteDef]:
        return [web.post(self.path, self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        """Take one webhook call."""
        if not self._has_secret(request):
            logger.warning(
                "Webhook: refused a call without the right secret from %s", request.remote
            )
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > self.max_body:
            return web.Response(status=413)
        body = await _read_at_most(request, self.max_body)
        if body is None:
            return web.Response(status=413)
        try:
            update = json.loads(body)
        except ValueError:  # also UnicodeDecodeError
            return web.Response(status=400)
        if not isinstance(update, dict):
            return web.Response(status=400)
        try:
            await self._deliver(update)
        except MalformedUpdate as exc:
            logger.warning("Webhook: refused a call whose body is not an update: %s", exc)
            return web.Response(status=400)
        return web.Response()

    def _has_secret(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        return hmac.compare_digest(given, self._secret)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past ``limit`` bytes."""
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


@asynccontextmanager
async def web_server(
    routes: Iterable[web.AbstractRouteDef], host: str, port: int
) -> AsyncIterator[int]:
    """Serve ``routes`` on host:port inside the ``async with``; yield the port listened on
    (the system's choice for 0). Raises OSError when the address cannot be used. At the end,
    stops listening and lets the calls in progress finish."""
    app = web.Application()
    app.add_routes(list(routes))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()
