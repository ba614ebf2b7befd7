"""Signing in to the console with a /console link, and every refusal around it: an expired or
reused link, a missing form token, a viewer opening compose, staff of another consulate
opening a broadcast's address, a removed staff member's session. Plus the headers and cookie
flags that keep a session where it belongs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.access import Actor
from bot.services import Services
from bot.signin import LINK_MINUTES, SignInRefused
from tests.auxil.actors import OPERATOR
from tests.console.conftest import (
    ADMIN,
    LONDON_EDITOR,
    MADRID_EDITOR,
    REFUSAL,
    VIEWER,
    SignIn,
    csrf_of,
    london_broadcast,
)


async def test_a_link_signs_in_once_with_a_private_cookie_and_strict_headers(
    staff: None,
    services: Services,
    console: Callable[[], Awaitable[TestClient]],  # type: ignore[type-arg]
) -> None:
    token = await services.signin.new_link_token(
        Actor.in_chat(ADMIN, await services.staff.find(ADMIN)), datetime.now(UTC)
    )
    browser = await console()
    shown = await browser.get(f"/login/{token}")  # a preview fetch must not use the link
    assert shown.status == 200 and 'name="token"' in await shown.text()
    answer = await browser.post("/login", data={"token": token}, allow_redirects=False)
    assert answer.status == 303
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    home = await browser.get("/")
    assert home.status == 200
    policy = home.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert home.headers["Referrer-Policy"] == "no-referrer"
    again = await (await console()).post("/login", data={"token": token})
    assert again.status == 403  # a reused link


async def test_an_expired_link_signs_nobody_in(staff: None, services: Services) -> None:
    then = datetime.now(UTC) - timedelta(minutes=LINK_MINUTES + 1)
    token = await services.signin.new_link_token(
        Actor.in_chat(ADMIN, await services.staff.find(ADMIN)), then
    )
    with pytest.raises(SignInRefused):
        await services.signin.sign_in(token, datetime.now(UTC))


async def test_pages_need_a_session(console: Callable[[], Awaitable[TestClient]]) -> None:  # type: ignore[type-arg]
    browser = await console()
    answer = await browser.get("/broadcasts", allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    assert (await browser.get("/api/audience")).status == 401


async def test_a_form_without_its_token_changes_nothing(
    staff: None, services: Services, sign_in: SignIn
) -> None:
    broadcast_id = await london_broadcast(services)
    admin = await sign_in(ADMIN)
    answer = await admin.post(f"/broadcasts/{broadcast_id}/approve", data={"comment": "ok"})
    assert answer.status == 403 and "out of date" in await answer.text()
    broadcast = await services.broadcasts.get(broadcast_id, OPERATOR)
    assert broadcast.status.value == "pending_approval"
    page = await (await admin.get(f"/broadcasts/{broadcast_id}")).text()
    approved = await admin.post(
        f"/broadcasts/{broadcast_id}/approve",
        data={"csrf": csrf_of(page), "comment": "Good to go"},
        allow_redirects=False,
    )
    assert approved.status == 303
    broadcast = await services.broadcasts.get(broadcast_id, OPERATOR)
    assert broadcast.status.value == "scheduled" and broadcast.review_comment == "Good to go"
    assert broadcast.approver == f"console:tg:{ADMIN}"  # audited as the console


async def test_a_viewer_cannot_open_compose(staff: None, sign_in: SignIn) -> None:
    viewer = await sign_in(VIEWER)
    answer = await viewer.get("/broadcasts/new")
    assert answer.status == 403 and REFUSAL in await answer.text()
    page = await (await viewer.get("/")).text()
    refused = await viewer.post(
        "/broadcasts/preview", data={"csrf": csrf_of(page), "text_en": "Hello"}
    )
    assert refused.status == 403


async def test_staff_of_another_consulate_cannot_open_a_broadcast(
    staff: None, services: Services, sign_in: SignIn
) -> None:
    broadcast_id = await london_broadcast(services)
    madrid = await sign_in(MADRID_EDITOR)
    answer = await madrid.get(f"/broadcasts/{broadcast_id}")
    assert answer.status == 403 and "Passport day" not in await answer.text()
    listing = await (await madrid.get("/broadcasts")).text()
    assert f"/broadcasts/{broadcast_id}" not in listing
    page = await (await madrid.get("/")).text()
    approve = await madrid.post(f"/broadcasts/{broadcast_id}/approve", data={"csrf": csrf_of(page)})
    assert approve.status == 403
    assert (await services.broadcasts.get(broadcast_id, OPERATOR)).status.value == (
        "pending_approval"
    )


async def test_removing_a_staff_member_ends_their_sessions_at_once(
    staff: None, services: Services, sign_in: SignIn
) -> None:
    editor = await sign_in(LONDON_EDITOR)
    assert (await editor.get("/")).status == 200
    await services.staff.remove(OPERATOR, LONDON_EDITOR)
    answer = await editor.get("/", allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    rows = await services.database.fetch_all("SELECT * FROM console_sessions")
    assert rows == []
