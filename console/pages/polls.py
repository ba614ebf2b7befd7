"""Polls at the desk: the list, creating one (question and options per language, mode, one or
several answers, the audience in names with its size as a band, the closing time), a poll's
results (totals and breakdowns as tables, the chart, CSV and PNG downloads, all the published
figures of bot/disclosure.py, every reading audited) and closing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from bot.access import Actor, Permission, require
from bot.i18n import Translator
from bot.sensitive import SensitiveQuestion
from bot.services import Services
from broadcasts.compose import BroadcastError
from broadcasts.labels import refusal_text
from console.audience import AUDIENCE_FIELDS, audience_choices, audience_from
from console.pages.home import staff_zone
from console.render import SERVICES, path_id, render, translator_for
from console.security import signed_in_actor
from polls.chart import HIDDEN, draw_report_chart
from polls.counting import ANONYMOUS, SEGMENTED
from polls.drafting import DraftError, PollDraft
from polls.export import export_csv
from polls.results import response_rate
from polls.service import PollReport, PublishingUnavailable
from polls.words import (
    DIMENSIONS,
    group_name,
    problem_words,
    published_words,
    rate_text,
    suppressed_note,
    too_few_answered,
)

CLOSING = {"24h": timedelta(hours=24), "3d": timedelta(days=3), "7d": timedelta(days=7)}
RECENT = 50


@dataclass
class PollForm:
    """The poll form's values, as posted (to show it again)."""

    base_language: str
    mode: str = SEGMENTED
    multiple: bool = False
    questions: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # one option per line
    audience: dict[str, list[str]] = field(default_factory=dict)
    closing: str = "24h"


def form_of(form: MultiDictProxy[Any], services: Services, language: str) -> PollForm:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    enabled = services.languages.enabled
    base = text("base_language")
    return PollForm(
        base_language=base if base in enabled else language,
        mode=text("mode") or SEGMENTED,
        multiple=text("multiple") == "yes",
        questions={code: text(f"question_{code}") for code in enabled if text(f"question_{code}")},
        options={code: text(f"options_{code}") for code in enabled if text(f"options_{code}")},
        audience={name: [str(v) for v in form.getall(name, [])] for name in AUDIENCE_FIELDS},
        closing=text("closing") or "24h",
    )


def draft_of(poll: PollForm, actor: Actor, now: datetime) -> PollDraft:
    """The service's draft; its checks name every problem (DraftError)."""
    lines = {
        code: [o.strip() for o in text.splitlines() if o.strip()]
        for code, text in poll.options.items()
    }
    count = len(lines.get(poll.base_language, []))
    options = [
        {code: values[index] for code, values in lines.items() if index < len(values)}
        for index in range(count)
    ]
    return PollDraft(
        base_language=poll.base_language,
        questions=poll.questions,
        options=options,
        closes_at=now + CLOSING.get(poll.closing, CLOSING["24h"]),
        mode=poll.mode if poll.mode in (SEGMENTED, ANONYMOUS) else SEGMENTED,
        allows_multiple=poll.multiple,
        audience=audience_from(poll.audience),
        opens_at=now,
        created_by=actor.telegram_user_id,
    )


async def listing(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    polls = await services.polls.recent(signed_in_actor(request), RECENT)
    return await render(request, "polls.html", {"polls": polls})


async def new_poll_page(
    request: web.Request, poll: PollForm, problems: list[str], status: int = 200
) -> web.Response:
    require(signed_in_actor(request), Permission.COMPOSE)
    return await render(
        request,
        "poll_new.html",
        {
            "poll": poll,
            "problems": problems,
            "choices": await audience_choices(request, signed_in_actor(request)),
            "closings": list(CLOSING),
        },
        status=status,
    )


async def new_poll(request: web.Request) -> web.Response:
    tr = await translator_for(request)
    return await new_poll_page(request, PollForm(base_language=tr.language), [])


async def create(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    tr = await translator_for(request)
    poll = form_of(await request.post(), services, tr.language)
    try:
        created = await services.polls.create(draft_of(poll, actor, datetime.now(UTC)), actor)
    except DraftError as error:
        return await new_poll_page(
            request, poll, [problem_words(tr, p) for p in error.problems], 400
        )
    except SensitiveQuestion as refused:
        topics = ", ".join(match.topic.name_in(tr.language) for match in refused.matches)
        text = tr.gettext("Polls must never ask about this: %(topics)s.") % {"topics": topics}
        return await new_poll_page(request, poll, [text], 400)
    except BroadcastError as refused:
        return await new_poll_page(request, poll, [refusal_text(tr, refused)], 400)
    except PublishingUnavailable:
        text = tr.gettext("Sending is not available right now.")
        return await new_poll_page(request, poll, [text], 400)
    raise web.HTTPSeeOther(f"/polls/{created.poll_id}")


async def report_of(request: web.Request, formats: tuple[str, ...]) -> PollReport:
    services: Services = request.app[SERVICES]
    tr = await translator_for(request)
    poll_id = path_id(request)
    return await services.polls.report(poll_id, tr.language, signed_in_actor(request), formats)


async def results(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    report = await report_of(request, ("html",))
    tr = await translator_for(request)
    zone = staff_zone(services, signed_in_actor(request))
    return await render(
        request,
        "poll.html",
        {
            "report": report,
            "results": report.results,
            "dimensions": DIMENSIONS,
            "group": lambda dimension, value: group_name(tr, services.deployment, dimension, value),
            "too_few": too_few_answered(tr, report.results.min_cell_size),
            "suppressed_note": suppressed_note(tr, report.results.min_cell_size),
            "published": published_words(tr, report.results),
            "history": answers_over_time(tr, report, zone),
        },
    )


@dataclass(frozen=True)
class HistoryRow:
    when: str
    respondents: str
    rate: str


def answers_over_time(tr: Translator, report: PollReport, zone: ZoneInfo) -> list[HistoryRow]:
    """Each publication of the results: when, how many had answered, and the response rate
    against today's recipients (published figures only: nothing between publications)."""
    recipients = report.results.tally.recipients
    rows = []
    for publication in report.publications:
        count = publication.respondents
        rate = response_rate(count, recipients)
        rows.append(
            HistoryRow(
                tr.format_datetime(publication.published_at, zone, "short"),
                tr.format_number(count) if count is not None else tr.gettext(HIDDEN),
                rate_text(tr, rate) if rate is not None else "—",
            )
        )
    return rows


async def csv_download(request: web.Request) -> web.Response:
    report = await report_of(request, ("csv",))
    text = export_csv(report.results, report.question, report.option_labels)
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="poll-{report.poll.id}.csv"'},
    )


async def png_download(request: web.Request) -> web.Response:
    report = await report_of(request, ("png",))
    tr = await translator_for(request)
    return web.Response(
        body=await draw_report_chart(tr, report),
        content_type="image/png",
        headers={"Content-Disposition": f'inline; filename="poll-{report.poll.id}.png"'},
    )


async def close(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    poll_id = path_id(request)
    await services.polls.close(poll_id, signed_in_actor(request))
    raise web.HTTPSeeOther(f"/polls/{poll_id}")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/polls", listing),
        web.get("/polls/new", new_poll),
        web.post("/polls", create),
        web.get("/polls/{id}", results),
        web.get("/polls/{id}/results.csv", csv_download),
        web.get("/polls/{id}/chart.png", png_download),
        web.post("/polls/{id}/close", close),
    ]
