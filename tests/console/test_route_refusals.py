"""Every console route, read from the console's own router, tried by everyone who should be
refused: nobody signed in, a form without its token, staff of another consulate on London's
announcement and poll, and a viewer on every action. Each is refused and changes nothing; a
route added later is tried too, or the test says which route it cannot place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import FormData, web

from bot.services import Services
from broadcasts.audience import Audience
from console.app import build_console
from polls.drafting import quick_draft
from tests.auxil.actors import as_staff
from tests.auxil.world import database_snapshot
from tests.broadcasts.builders import add_member
from tests.console.conftest import (
    ADMIN,
    LONDON_EDITOR,
    MADRID_EDITOR,
    VIEWER,
    SignIn,
    csrf_of,
    london_broadcast,
)

LONDON_QUESTION = "LONDON-POLL-QUESTION?"
LONDON_ASKED = "LONDON-INBOX-QUESTION about my passport"
PUBLIC = ("/login", "/static/")
#: Routes anyone signed in may use whatever their role: their own session and language.
OWN = {"/logout", "/language"}
#: How the router's {placeholders} are filled; {action} is tried with every action.
ACTIONS = ("approve", "reject", "cancel", "pause", "resume")
#: Console tables a signed-in request touches (the session's last activity) are not "data".
SESSION_TABLES = {"console_sessions", "console_links"}


@dataclass(frozen=True)
class Route:
    method: str
    address: str


@dataclass(frozen=True)
class London:
    broadcast_id: int
    poll_id: int
    thread_reference: str


@pytest.fixture
async def london(staff: None, services: Services) -> London:
    for index in range(8):
        await add_member(services.database, 700_000 + index, consulate_id="london", country="GB")
    broadcast_id = await london_broadcast(services)
    editor = await as_staff(services, LONDON_EDITOR)
    poll = await services.polls.create(
        quick_draft(
            f"{LONDON_QUESTION} | Yes | No",
            "en",
            Audience.of(consulates=["london"]),
            LONDON_EDITOR,
            datetime.now(UTC),
        ),
        editor,
    )
    asked = await services.inbox.ask(700_000, "documents", LONDON_ASKED, datetime.now(UTC))
    return London(broadcast_id, poll.poll_id, asked.reference)


def console_routes(services: Services, london: London) -> list[Route]:
    """Every route the console serves but the public ones, with London's ids filled in."""
    found: set[Route] = set()
    for route in build_console(services).router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path") or info.get("prefix") or ""
        if route.method == "HEAD" or template.startswith(PUBLIC):
            continue
        for address in fill(template, london):
            found.add(Route(route.method, address))
    return sorted(found, key=lambda r: (r.address, r.method))


def fill(template: str, london: London) -> list[str]:
    if "{action}" in template:
        return [a for action in ACTIONS for a in fill(template.replace("{action}", action), london)]
    if "{id}" not in template:
        return [template]
    value: object
    for prefix, value in (
        ("/inbox/", london.thread_reference),
        ("/broadcasts/", london.broadcast_id),
        ("/api/broadcasts/", london.broadcast_id),
        ("/polls/", london.poll_id),
        ("/admin/staff/", ADMIN),
    ):
        if template.startswith(prefix):
            return [template.replace("{id}", str(value))]
    raise AssertionError(f"the test does not know what {template} is about: add it to fill()")


def has_london_id(address: str) -> bool:
    return bool(re.search(r"/(broadcasts|polls)/\d+|/inbox/Q-", address))


async def data(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    snapshot = await database_snapshot(services.database)
    return {table: rows for table, rows in snapshot.items() if table not in SESSION_TABLES}


async def test_nobody_signed_in_reaches_any_route(
    london: London, services: Services, console: Any
) -> None:
    browser = await console()
    before = await data(services)
    for route in console_routes(services, london):
        answer = await browser.request(route.method, route.address, allow_redirects=False)
        if route.method == "GET" and not route.address.startswith("/api/"):
            assert answer.status == web.HTTPSeeOther.status_code, route
            assert answer.headers["Location"] == "/login", route
        else:
            assert answer.status == web.HTTPUnauthorized.status_code, route
        body = await answer.text()
        assert LONDON_QUESTION not in body and LONDON_ASKED not in body
    assert await data(services) == before


async def test_no_form_is_accepted_without_its_token(
    london: London, services: Services, sign_in: SignIn
) -> None:
    admin = await sign_in(ADMIN)
    before = await data(services)
    posts = [r for r in console_routes(services, london) if r.method == "POST"]
    assert len(posts) >= 10
    for route in posts:
        answer = await admin.post(route.address, data={"text_en": "x", "comment": "x"})
        assert answer.status == web.HTTPForbidden.status_code, route
        assert "out of date" in await answer.text(), route
    assert await data(services) == before


async def test_staff_of_another_consulate_reach_nothing_of_londons(
    london: London, services: Services, sign_in: SignIn
) -> None:
    madrid = await sign_in(MADRID_EDITOR)
    token = csrf_of(await (await madrid.get("/")).text())
    before = await data(services)
    routes = [r for r in console_routes(services, london) if has_london_id(r.address)]
    assert len(routes) >= 14 and any(r.address.startswith("/inbox/Q-") for r in routes)
    for route in routes:
        answer = await madrid.request(
            route.method, route.address, data={"csrf": token}, allow_redirects=False
        )
        assert answer.status in (403, 404), route
        body = await answer.text()
        assert LONDON_QUESTION not in body and "Passport day" not in body, route
        assert LONDON_ASKED not in body, route
    assert await data(services) == before


async def test_a_viewer_changes_nothing(
    london: London, services: Services, sign_in: SignIn
) -> None:
    viewer = await sign_in(VIEWER)
    token = csrf_of(await (await viewer.get("/")).text())
    before = await data(services)
    actions = [
        r for r in console_routes(services, london) if r.method == "POST" and r.address not in OWN
    ]
    for route in actions:
        answer = await viewer.post(
            route.address,
            data={
                "csrf": token,
                "telegram_user_id": str(VIEWER),
                "role": "admin",
                "text_en": "Hello",
                "question_en": "Q?",
                "options_en": "A\nB",
                "consulates": "london",
            },
            allow_redirects=False,
        )
        assert answer.status == web.HTTPForbidden.status_code, route
    assert await data(services) == before
    viewer_now = await services.staff.find(VIEWER)
    assert viewer_now is not None and viewer_now.role.value == "viewer"


async def test_a_viewer_cannot_upload_a_file(
    london: London, services: Services, sign_in: SignIn
) -> None:
    viewer = await sign_in(VIEWER)
    token = csrf_of(await (await viewer.get("/")).text())
    form = FormData({"csrf": token, "text_en": "Hello"})
    form.add_field("media", b"\x89PNG...", filename="poster.png", content_type="image/png")
    answer = await viewer.post("/broadcasts/preview", data=form)
    assert answer.status == web.HTTPForbidden.status_code
    folder = services.settings.media_dir
    assert not folder.exists() or list(folder.iterdir()) == []
