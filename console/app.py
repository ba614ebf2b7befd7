"""The console's aiohttp application and its server, run by the bot beside the Telegram side.

Every page calls the same services as the chat handlers, with the signed-in staff member as
the actor (``Actor.at_console``): the services check role and consulate remit themselves
(bot/access.py), and an AccessDenied becomes the one refusal page. Sign-in, the session and
the form token are in console/security.py; pages in console/pages/, one module per area.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.access import AccessDenied
from bot.services import Services
from console.pages import admin, broadcasts, home, inbox, members, polls, signin
from console.pages.inbox import DELIVER, Deliverer, not_deliverable
from console.render import SERVICES, render
from console.security import (
    SIGNED_IN,
    FormExpired,
    Handler,
    form_token,
    security_headers,
    session,
)

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
SHUTDOWN_TIMEOUT = 5.0
#: Largest request body: an announcement's texts and a photo or document for it.
MAX_BODY_BYTES = 20 * 1024 * 1024


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A service's refusal, or an expired form, as a page in the staff member's language."""
    try:
        return await handler(request)
    except AccessDenied as refused:
        logger.info("Console: refused %s %s: %s", request.method, request.path, refused)
        return await render(request, "refused.html", {}, status=403)
    except FormExpired:
        return await render(request, "expired.html", {}, status=403)
    except LookupError:
        return await render(request, "not_found.html", {}, status=404)


def build_console(services: Services, deliver: Deliverer | None = None) -> web.Application:
    """The console application, on ``services``; ``deliver`` passes inbox replies to members
    through the bot (console/pages/inbox.py)."""
    app = web.Application(
        middlewares=[security_headers, refusals, session, form_token],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SERVICES] = services
    app[SIGNED_IN] = services.signin
    app[DELIVER] = deliver or not_deliverable(services)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    for area in (signin, home, broadcasts, polls, inbox, members, admin):
        app.add_routes(area.routes())
    app.router.add_static("/static/", HERE / "static")
    return app


@asynccontextmanager
async def serve_console(
    services: Services, host: str, port: int, deliver: Deliverer | None = None
) -> AsyncIterator[int]:
    """Serve the console on host:port inside the ``async with``; yield the port listened on."""
    runner = web.AppRunner(
        build_console(services, deliver), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()
