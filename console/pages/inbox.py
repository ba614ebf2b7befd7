"""The staff inbox at the desk: the open questions of my consulates, oldest first, each under
its pseudonymous handle; a thread with its messages; assign to me, reply (or send a saved
reply, shown in the member's language), close, reopen; and the inbox's measures for my
consulates (bot/inbox/measures.py, under the disclosure rule).

Everything goes through bot/inbox/ as the chat's /inbox does, with the signed-in staff member
as the actor: the service checks role and remit and writes the audit log. A reply reaches the
member through the bot (``DELIVER``, set by the runner); without one (a console on its own)
it stays in the thread marked not delivered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from bot.deployment import SavedReply
from bot.inbox import words
from bot.inbox.service import REFERENCE_PATTERN, Delivery, DeliveryOutcome, InboxError
from bot.services import Services
from bot.storage.inbox import Thread
from console.render import SERVICES, render, translator_for
from console.security import signed_in_actor

Deliverer = Callable[[Delivery], Awaitable[DeliveryOutcome]]
#: Passes a reply on to the member; what became of it.
DELIVER: web.AppKey[Deliverer] = web.AppKey("inbox_deliver")
_REFERENCE = re.compile(REFERENCE_PATTERN)


@dataclass(frozen=True)
class SavedChoice:
    """A saved reply as offered on a thread: its label (staff's language) and its text in the
    member's language."""

    id: str
    label: str
    text: str


def not_deliverable(services: Services) -> Deliverer:
    """Without a bot to send through, a reply is kept, marked not delivered."""

    async def keep(delivery: Delivery) -> DeliveryOutcome:
        await services.inbox.not_delivered(delivery)
        return DeliveryOutcome.FAILED

    return keep


def reference_of(request: web.Request) -> str:
    reference = request.match_info["id"]
    if not _REFERENCE.fullmatch(reference):
        raise LookupError(reference)
    return reference


async def listing(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    tr = await translator_for(request)
    deployment = services.deployment
    threads = await services.inbox.open_threads(actor)
    now = datetime.now(UTC)
    return await render(
        request,
        "inbox.html",
        {
            "threads": threads,
            "handle": lambda t: words.handle(tr, deployment, t),
            "topic": lambda t: words.topic_name(tr, deployment, t),
            "age": lambda t: tr.format_time_left((now - t.created_at).total_seconds()),
            "measures": await services.inbox_measures.measures(actor),
            "words": words,
        },
    )


async def thread_page(
    request: web.Request, problem: str = "", notice: str = "", status: int = 200
) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    tr = await translator_for(request)
    deployment = services.deployment
    try:
        view = await services.inbox.view(actor, reference_of(request))
    except InboxError as error:
        raise LookupError(request.match_info["id"]) from error
    thread = view.thread
    consulate = deployment.consulate(thread.consulate_id)
    zone = consulate.zone if consulate else UTC
    return await render(
        request,
        "inbox_thread.html",
        {
            "thread": thread,
            "messages": view.messages,
            "callback_phone": view.callback_phone,
            "handle": words.handle(tr, deployment, thread),
            "topic": words.topic_name(tr, deployment, thread),
            "when": lambda moment: tr.format_datetime(moment, zone, "short"),
            "saved": [saved_choice(tr.language, s, thread) for s in deployment.saved_replies],
            "default_language": deployment.default_language,
            "problem": problem,
            "notice": notice,
        },
        status=status,
    )


def saved_choice(language: str, saved: SavedReply, thread: Thread) -> SavedChoice:
    text = saved.texts.get(thread.language) or next(iter(saved.texts.values()), "")
    return SavedChoice(saved.id, saved.name_in(language), text)


async def show(request: web.Request) -> web.Response:
    return await thread_page(request)


Change = Callable[[Services, web.Request, str], Awaitable[object]]


def change(act: Change) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A button on a thread: do it, then show the thread again (an unknown one: not found)."""

    async def page(request: web.Request) -> web.Response:
        reference = reference_of(request)
        try:
            await act(request.app[SERVICES], request, reference)
        except InboxError as error:
            raise LookupError(reference) from error
        raise web.HTTPSeeOther(f"/inbox/{reference}")

    return page


async def assign(services: Services, request: web.Request, reference: str) -> object:
    return await services.inbox.assign_to_me(signed_in_actor(request), reference)


async def close(services: Services, request: web.Request, reference: str) -> object:
    return await services.inbox.close(signed_in_actor(request), reference, datetime.now(UTC))


async def reopen(services: Services, request: web.Request, reference: str) -> object:
    return await services.inbox.reopen(signed_in_actor(request), reference, datetime.now(UTC))


async def reply(request: web.Request) -> web.Response:
    """Answer the member with the text written, or with the saved reply chosen."""
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    tr = await translator_for(request)
    reference = reference_of(request)
    form = await request.post()
    saved, text = form.get("saved", ""), form.get("text", "")
    try:
        if isinstance(saved, str) and saved:
            text = await services.inbox.saved_reply(actor, reference, saved)
        delivery = await services.inbox.reply(
            actor, reference, text if isinstance(text, str) else "", datetime.now(UTC)
        )
    except InboxError as error:
        return await thread_page(request, problem=words.problem_text(tr, error), status=400)
    outcome = await request.app[DELIVER](delivery)
    return await thread_page(request, notice=words.delivery_notice(tr, outcome, reference))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/inbox", listing),
        web.get("/inbox/{id}", show),
        web.post("/inbox/{id}/assign", change(assign)),
        web.post("/inbox/{id}/reply", reply),
        web.post("/inbox/{id}/close", change(close)),
        web.post("/inbox/{id}/reopen", change(reopen)),
    ]
