"""Announcements at the desk: the list, composing (texts side by side with a live preview,
media, a URL button, the audience in names with its size as a band, the schedule), the preview
with the send time in every zone, and the page of one announcement: its full content, audience
and schedule, approve or reject with a comment, pause, resume, cancel, and live progress.

Composing is two steps with no script needed: the form posts to the preview, which the
service checks (BroadcastService.preview: role, remit, texts, schedule, sensitive topics) and
shows; its "Submit for approval" posts the same fields to create. Files uploaded are stored in
the media folder under a new random name (bot/settings.py BOT_MEDIA_DIR), never the name the
browser gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from bot.access import Actor, Permission, require
from bot.disclosure import Band
from bot.services import Services
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastError, BroadcastRequest, Category, is_right_to_left
from broadcasts.labels import (
    CATEGORY_LABELS,
    RECURRENCE_LABELS,
    STATUS_LABELS,
    audience_parts,
    refusal_text,
)
from broadcasts.media import MediaRefused
from broadcasts.payload import (
    MAX_CAPTION,
    MAX_TEXT,
    Button,
    DeliveryKind,
    Media,
    MediaKind,
    Payload,
)
from broadcasts.response_store import ResponseKind, ResponseOffer
from broadcasts.responses import BUTTON_LABELS
from broadcasts.schedule import Recurrence, Schedule
from console.audience import AUDIENCE_FIELDS, audience_choices, audience_from
from console.render import SERVICES, path_id, render, translator_for
from console.security import signed_in_actor
from console.telegram_html import safe_html

WHEN_CHOICES = ("now", "at", "local", "daily", "weekly", "monthly")
RESPONSE_CHOICES = tuple(kind.value for kind in ResponseKind)


class FormProblem(ValueError):
    """What is wrong with the form, already in the staff member's language."""


@dataclass
class Draft:
    """The compose form's values, as posted (to show it again)."""

    category: str = Category.CONSULAR.value
    texts: dict[str, str] = field(default_factory=dict)
    media_name: str = ""
    media_kind: str = ""
    button_url: str = ""
    button_texts: dict[str, str] = field(default_factory=dict)
    audience: dict[str, list[str]] = field(default_factory=dict)
    when: str = "now"
    date: str = ""
    time: str = ""
    zone_consulate: str = ""
    response: str = ""  # a ResponseKind, or "" for no response button
    places: str = ""


def right_to_left_languages(services: Services) -> set[str]:
    return {code for code in services.languages.enabled if is_right_to_left(code)}


def draft_from(form: MultiDictProxy[Any], languages: tuple[str, ...]) -> Draft:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    return Draft(
        category=text("category") or Category.CONSULAR.value,
        texts={code: text(f"text_{code}") for code in languages if text(f"text_{code}")},
        media_name=text("media_name"),
        media_kind=text("media_kind"),
        button_url=text("button_url"),
        button_texts={code: text(f"button_{code}") for code in languages if text(f"button_{code}")},
        audience={name: [str(v) for v in form.getall(name, [])] for name in AUDIENCE_FIELDS},
        when=text("when") or "now",
        date=text("date"),
        time=text("time"),
        zone_consulate=text("zone_consulate"),
        response=text("response"),
        places=text("places"),
    )


def offer_of(draft: Draft, tr_gettext: Any) -> ResponseOffer | None:
    """The response button chosen on the form (places only for "I'll attend")."""
    if draft.response not in RESPONSE_CHOICES:
        return None
    kind = ResponseKind(draft.response)
    if kind is not ResponseKind.ATTEND or not draft.places:
        return ResponseOffer(kind)
    if not draft.places.isdigit() or int(draft.places) < 1:
        raise FormProblem(tr_gettext("Please type a whole number."))
    return ResponseOffer(kind, int(draft.places))


def schedule_of(draft: Draft, services: Services, actor: Actor, tr_gettext: Any) -> Schedule:
    if draft.when not in WHEN_CHOICES:
        raise FormProblem(tr_gettext("Choose when it goes out."))
    if draft.when == "now":
        return Schedule.now()
    try:
        local = datetime.strptime(f"{draft.date} {draft.time}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise FormProblem(tr_gettext("Give the date and the time it goes out.")) from None
    if draft.when == "local":
        return Schedule.local_time(local)
    consulate = services.deployment.consulate(draft.zone_consulate)
    if consulate is None:
        raise FormProblem(tr_gettext("Choose whose time zone the time is in."))
    if draft.when == "at":
        return Schedule.at(local, consulate.timezone)
    return Schedule.recurring(Recurrence(draft.when), local, consulate.timezone)


def request_of(draft: Draft, services: Services, actor: Actor, tr_gettext: Any) -> BroadcastRequest:
    """The service's request for the form (the service decides what is allowed)."""
    try:
        category = Category(draft.category)
    except ValueError:
        raise FormProblem(tr_gettext("Choose what kind of announcement it is.")) from None
    media = None
    if draft.media_name:
        media = Media(
            MediaKind(draft.media_kind or MediaKind.DOCUMENT.value), path=draft.media_name
        )
    buttons: dict[str, tuple[Button, ...]] = {}
    if draft.button_url:
        default = draft.button_texts.get(services.deployment.default_language, "")
        for code in draft.texts:
            label = draft.button_texts.get(code) or default
            if label:
                buttons[code] = (Button(label, draft.button_url),)
    payloads = [
        Payload(code, text=text, media=media, buttons=buttons.get(code, ()))
        for code, text in draft.texts.items()
    ]
    return BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=category,
        payloads=payloads,
        audience=audience_from(draft.audience),
        schedule=schedule_of(draft, services, actor, tr_gettext),
        author=actor,
        response=offer_of(draft, tr_gettext),
    )


async def store_upload(request: web.Request, form: MultiDictProxy[Any], draft: Draft) -> None:
    """Keep an uploaded file in the media folder (the service's rules); note it in the draft."""
    upload = form.get("media")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return
    services: Services = request.app[SERVICES]
    try:
        media = services.broadcasts.keep_upload(
            signed_in_actor(request), upload.filename, upload.file.read()
        )
    except MediaRefused:
        raise FormProblem("suffix") from None
    assert media.path is not None
    draft.media_name = media.path
    draft.media_kind = media.kind.value


# --- pages ----------------------------------------------------------------------------------


async def listing(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    recent = await services.broadcasts.recent(signed_in_actor(request), 50)
    return await render(
        request,
        "broadcasts.html",
        {"broadcasts": recent, "statuses": STATUS_LABELS, "categories": CATEGORY_LABELS},
    )


async def compose_page(
    request: web.Request, draft: Draft, problem: str | None = None, status: int = 200
) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    require(actor, Permission.COMPOSE)
    return await render(
        request,
        "compose.html",
        {
            "draft": draft,
            "problem": problem,
            "categories": CATEGORY_LABELS,
            "recurrences": RECURRENCE_LABELS,
            "choices": await audience_choices(request, actor),
            "rtl": right_to_left_languages(services),
            "max_text": MAX_TEXT,
            "max_caption": MAX_CAPTION,
            "response_labels": BUTTON_LABELS,
            "remit": [
                c
                for c in services.deployment.consulates
                if actor.staff is None or actor.staff.covers([c.id])
            ],
        },
        status=status,
    )


async def compose(request: web.Request) -> web.Response:
    return await compose_page(request, Draft())


async def edit(request: web.Request) -> web.Response:
    """Back from the preview to the form, with what was typed."""
    services: Services = request.app[SERVICES]
    return await compose_page(request, draft_from(await request.post(), services.languages.enabled))


async def preview(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    form = await request.post()
    draft = draft_from(form, services.languages.enabled)
    tr = await translator_for(request)
    try:
        await store_upload(request, form, draft)
        broadcast_request = request_of(draft, services, actor, tr.gettext)
        shown = await services.broadcasts.preview(broadcast_request, datetime.now(UTC))
    except FormProblem as problem:
        text = str(problem)
        if text == "suffix":
            text = tr.gettext(
                "Attach a photo (JPEG, PNG, GIF, WebP) or a document (PDF, Word, text)."
            )
        return await compose_page(request, draft, text, 400)
    except BroadcastError as refused:
        return await compose_page(request, draft, refusal_text(tr, refused), 400)
    return await render(
        request,
        "preview.html",
        {
            "draft": draft,
            "preview": shown,
            "html": {code: safe_html(text) for code, text in draft.texts.items()},
            "audience": broadcast_request.audience,
            "warnings": services.broadcasts.warnings(broadcast_request.payloads),
            "zones": {run.zone: ZoneInfo(run.zone) for run in shown.runs},
            "rtl": right_to_left_languages(services),
            "now": datetime.now(UTC),
            "response_labels": {kind.value: label for kind, label in BUTTON_LABELS.items()},
        },
    )


async def submit(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    draft = draft_from(await request.post(), services.languages.enabled)
    tr = await translator_for(request)
    try:
        created = await services.broadcasts.create(
            request_of(draft, services, actor, tr.gettext), datetime.now(UTC)
        )
    except FormProblem as problem:
        return await compose_page(request, draft, str(problem), 400)
    except BroadcastError as refused:
        return await compose_page(request, draft, refusal_text(tr, refused), 400)
    raise web.HTTPSeeOther(f"/broadcasts/{created.broadcast.id}")


async def broadcast_page(
    request: web.Request, broadcast_id: int, problem: str | None = None, status: int = 200
) -> web.Response:
    """One announcement: its content, audience in words and size, schedule in each row's
    zone, the approver's decision, controls and progress."""
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    report = await services.broadcasts.report(broadcast_id, actor)
    tr = await translator_for(request)
    review = report.review
    answers = await services.responses.summary(broadcast_id, actor)
    contacts = []
    if answers is not None and answers.may_see_contacts:
        contacts = await services.responses.contacts(broadcast_id, actor)
    return await render(
        request,
        "broadcast.html",
        {
            "report": report,
            "review": review,
            "html": {p.language: safe_html(p.text or "") for p in review.payloads},
            "audience_words": audience_parts(tr, services.deployment, review.broadcast.audience),
            "zones": {row.zone: ZoneInfo(row.zone) for row in review.runs},
            "rtl": right_to_left_languages(services),
            "may_control": services.broadcasts.may_control(review.broadcast, actor),
            "statuses": STATUS_LABELS,
            "categories": CATEGORY_LABELS,
            "problem": problem,
            "answers": answers,
            "contacts": contacts,
            "response_labels": BUTTON_LABELS,
        },
        status=status,
    )


async def contacts_csv(request: web.Request) -> web.Response:
    """The contacts members shared for one announcement, as CSV (the service audits it)."""
    services: Services = request.app[SERVICES]
    broadcast_id = path_id(request)
    text = await services.responses.contacts_csv(broadcast_id, signed_in_actor(request))
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="broadcast-{broadcast_id}-contacts.csv"'
        },
    )


async def show(request: web.Request) -> web.Response:
    return await broadcast_page(request, path_id(request))


async def progress(request: web.Request) -> web.Response:
    """The progress of one announcement as JSON of formatted bands (for the live bar)."""
    services: Services = request.app[SERVICES]
    report = await services.broadcasts.report(path_id(request), signed_in_actor(request))
    tr = await translator_for(request)
    totals = report.totals

    def shown(band: Band) -> str:
        return tr.format_band(band)

    return web.json_response(
        {
            "share": round(totals.share_done * 100),
            "sent": shown(totals.sent),
            "pending": shown(totals.pending),
            "unreachable": shown(totals.unreachable),
            "left": tr.format_time_left(totals.eta_seconds),
            "final": report.broadcast.status.is_final,
        }
    )


async def act(request: web.Request) -> web.Response:
    """Approve, reject (with a comment the author sees), cancel, pause or resume."""
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    broadcast_id, action = path_id(request), request.match_info["action"]
    comment = str((await request.post()).get("comment", "")).strip()[:1000]
    try:
        if action == "approve":
            await services.broadcasts.approve(broadcast_id, actor, comment or None)
        elif action == "reject":
            await services.broadcasts.reject(broadcast_id, actor, comment or None)
        elif action == "cancel":
            await services.broadcasts.cancel(broadcast_id, actor)
        elif action == "pause":
            await services.broadcasts.pause(broadcast_id, actor)
        elif action == "resume":
            await services.broadcasts.resume(broadcast_id, actor, datetime.now(UTC))
        else:
            raise LookupError(action)
    except BroadcastError as refused:
        tr = await translator_for(request)
        return await broadcast_page(request, broadcast_id, refusal_text(tr, refused), 400)
    raise web.HTTPSeeOther(f"/broadcasts/{broadcast_id}")


async def audience_size(request: web.Request) -> web.Response:
    """The size of the audience being built, as a band (for the compose form's live line)."""
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    chosen = {name: request.query.getall(name, []) for name in AUDIENCE_FIELDS}
    audience: Audience = audience_from(chosen)
    band = await services.broadcasts.audience_band(audience, actor)
    tr = await translator_for(request)
    return web.json_response({"size": tr.format_band(band)})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/broadcasts", listing),
        web.get("/broadcasts/new", compose),
        web.post("/broadcasts/edit", edit),
        web.post("/broadcasts/preview", preview),
        web.post("/broadcasts", submit),
        web.get("/broadcasts/{id}", show),
        web.get("/broadcasts/{id}/contacts.csv", contacts_csv),
        web.get("/api/broadcasts/{id}/progress", progress),
        web.post("/broadcasts/{id}/{action}", act),
        web.get("/api/audience", audience_size),
    ]
