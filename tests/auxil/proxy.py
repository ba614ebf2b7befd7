"""A reverse proxy in front of several webhook receivers, as an operator puts one before the
bot processes: each POST goes to the first receiver that answers, so a dead one is passed by."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.webhook import SECRET_HEADER, web_server


class FailoverProxy:
    """Forwards each POST (body and secret header) to ``backends`` in turn."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._session: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {"Content-Type": request.content_type}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        for backend in self.backends:
            try:
                async with self._session.post(backend, data=body, headers=headers) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectionError:
                continue
        return web.Response(status=502)

    @asynccontextmanager
    async def serving(self, path: str) -> AsyncIterator[str]:
        """Listen on a free loopback port; yield the address to give as WEBHOOK_URL."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            self._session = session
            async with web_server([web.post(path, self.forward)], "127.0.0.1", 0) as port:
                yield f"http://127.0.0.1:{port}{path}"
