"""Members in numbers: counts by consulate, situation, language and country, and registrations
per month, every count under the disclosure rule (bot/stats.py, bot/disclosure.py). Never a
person."""

from __future__ import annotations

from aiohttp import web

from bot.labels import MEMBER_TYPE_NAMES
from bot.services import Services
from bot.stats import member_growth, member_statistics
from console.render import SERVICES, render, translator_for
from console.security import signed_in_actor
from polls.words import suppressed_note


async def members(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    k = services.deployment.policies.poll_min_cell_size
    tr = await translator_for(request)
    return await render(
        request,
        "members.html",
        {
            "statistics": await member_statistics(services.members, k, actor),
            "growth": await member_growth(services.members, k, actor),
            "member_types": MEMBER_TYPE_NAMES,
            "suppressed_note": suppressed_note(tr, k),
        },
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/members", members)]
