"""The home page: what needs me (broadcasts waiting for my approval, polls closing soon), what
is scheduled (in my time zone), what is sending (progress under the disclosure rule), recent
polls. Everything comes from the services with the staff member as actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.access import Actor
from bot.services import Services
from broadcasts.compose import BroadcastReport
from broadcasts.repository import Broadcast, BroadcastStatus
from console.render import SERVICES, render
from console.security import signed_in_actor

RECENT = 30
POLLS_SOON = timedelta(hours=48)


@dataclass(frozen=True)
class Scheduled:
    broadcast: Broadcast
    next_run: datetime | None


def staff_zone(services: Services, actor: Actor) -> ZoneInfo:
    """The zone the page writes times in: the staff member's consulates' (the chat's rule,
    Deployment.shared_zone); where they span several zones, the home country's, as the
    page says."""
    deployment = services.deployment
    remit = actor.staff.consulates if actor.staff else frozenset()
    return deployment.shared_zone(remit) or ZoneInfo(deployment.home_zone)


async def home(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    recent = await services.broadcasts.recent(actor, RECENT)
    waiting = [b for b in recent if services.broadcasts.may_approve(b, actor)]
    scheduled: list[Scheduled] = []
    sending: list[BroadcastReport] = []
    for broadcast in recent:
        if broadcast.status is BroadcastStatus.SCHEDULED:
            review = await services.broadcasts.review(broadcast.id, actor)
            due = [row.next_due_at for row in review.runs if row.next_due_at is not None]
            scheduled.append(Scheduled(broadcast, min(due) if due else None))
        elif broadcast.status is BroadcastStatus.RUNNING:
            sending.append(await services.broadcasts.report(broadcast.id, actor))
    now = datetime.now(UTC)
    polls = await services.polls.recent(actor, 8)
    closing = [
        (poll, question)
        for poll, question in polls
        if poll.status == "open"
        and poll.closes_at
        and datetime.fromisoformat(poll.closes_at) - now < POLLS_SOON
    ]
    return await render(
        request,
        "home.html",
        {
            "waiting": waiting,
            "closing": closing,
            "scheduled": sorted(scheduled, key=lambda s: s.next_run or now),
            "sending": sending,
            "polls": polls,
            "zone": staff_zone(services, actor),
            "parse": datetime.fromisoformat,
        },
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/", home)]
