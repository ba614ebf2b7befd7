"""The operations server: /healthz, /readyz and /metrics, on an address of their own.

Every ``main.py run`` serves it (BOT_OPS_HOST, default 127.0.0.1, and BOT_OPS_PORT), whatever
roles the process runs, apart from the webhook and the console, so that health and metrics
are never reachable on the public paths the reverse proxy forwards.

- ``/healthz``: the process is up and its event loop answers: always 200 while it serves.
- ``/readyz``: the process can do its work: every role it runs has started (:class:`Readiness`)
  and the database answers a trivial query; 503 with a short reason otherwise, and from the
  moment it begins to stop, so a load balancer stops sending it work.
- ``/metrics``: bot/metrics.py in Prometheus's text format.

Answers name no person and no secret: a reason is a role's name or an exception's class.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiohttp import web

from bot.errors import ConfigError
from bot.metrics import CONTENT_TYPE, METRICS, Metrics
from bot.settings import Settings
from bot.storage.database import Database
from bot.webhook import web_server

logger = logging.getLogger(__name__)

#: The roles ``main.py run`` starts by default (the update handler, the delivery engine, the
#: staff console).
ROLES = ("bot", "engine", "console")
#: How long /readyz waits for the database before calling it unavailable.
DATABASE_TIMEOUT_SECONDS = 2.0


class Readiness:
    """Which of the process's roles have started, and whether it is stopping."""

    def __init__(self, roles: Iterable[str] = ROLES) -> None:
        self._roles = tuple(roles)
        self._started: set[str] = set()
        self._stopping = False

    def started(self, role: str) -> None:
        self._started.add(role)

    def stopping(self) -> None:
        self._stopping = True

    def problem(self) -> str | None:
        """Why the process is not ready, or None."""
        if self._stopping:
            return "stopping"
        waiting = [role for role in self._roles if role not in self._started]
        if waiting:
            return "not started: " + ", ".join(waiting)
        return None


async def database_problem(database: Database) -> str | None:
    """Why the database cannot serve a trivial query now, or None."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            await database.fetch_one("SELECT 1")
    except Exception as exc:  # any failure means not ready; the class says which
        return f"database unavailable ({type(exc).__name__})"
    return None


def operations_routes(
    database: Database, readiness: Readiness, metrics: Metrics = METRICS
) -> list[web.RouteDef]:
    """The three GET routes (aiohttp adds HEAD)."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        problem = readiness.problem() or await database_problem(database)
        if problem is not None:
            return web.json_response({"status": "not ready", "reason": problem}, status=503)
        return web.json_response({"status": "ready"})

    async def metrics_page(request: web.Request) -> web.Response:
        body = await metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return [
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", metrics_page),
    ]


@asynccontextmanager
async def serve_operations(
    settings: Settings, database: Database, readiness: Readiness, metrics: Metrics = METRICS
) -> AsyncIterator[str]:
    """Serve the operations routes inside the ``async with``; yield their base address.

    Raises ConfigError naming BOT_OPS_PORT when the address cannot be listened on."""
    host, port = settings.ops_host, settings.ops_port
    routes = operations_routes(database, readiness, metrics)
    try:
        server = web_server(routes, host, port)
        listening = await server.__aenter__()
    except OSError as exc:
        raise ConfigError(
            f"BOT_OPS_PORT={port}: the operations server cannot listen on {host}:{port}: "
            f"{os.strerror(exc.errno) if exc.errno else exc}"
        ) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    address = f"http://{shown}:{listening}"
    logger.info("Health and metrics at %s (/healthz, /readyz, /metrics)", address)
    try:
        yield address
    finally:
        await server.__aexit__(None, None, None)
