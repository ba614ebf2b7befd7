"""Signing in with a link from /console, signing out, and choosing the console's language.

GET /login/<token> only shows a "Sign in" button: Telegram fetches a link's preview, and a
browser may prefetch, so nothing but the staff member's own press (POST) may use the link up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.signin import SignInRefused
from console.render import LANGUAGE_COOKIE, SERVICES, render
from console.security import SESSION_COOKIE, SIGNED_IN, secure_cookies

LANGUAGE_SECONDS = 365 * 24 * 3600


async def how_to_sign_in(request: web.Request) -> web.Response:
    """Explain how to get a link (no session, or it ended)."""
    return await render(request, "signin.html", {"token": None, "refused": False})


async def confirm(request: web.Request) -> web.Response:
    """The sign-in button for the link's token."""
    return await render(request, "signin.html", {"token": request.match_info["token"]})


async def sign_in(request: web.Request) -> web.Response:
    """Use the link: start a session and go to the home page."""
    token = (await request.post()).get("token", "")
    try:
        session = await request.app[SIGNED_IN].sign_in(str(token), datetime.now(UTC))
    except SignInRefused:
        return await render(request, "signin.html", {"token": None, "refused": True}, 403)
    response = web.HTTPSeeOther("/")
    response.set_cookie(
        SESSION_COOKIE,
        session.session_id,
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        path="/",
    )
    raise response


async def sign_out(request: web.Request) -> web.Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await request.app[SIGNED_IN].sign_out(cookie)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def choose_language(request: web.Request) -> web.Response:
    code = request.query.get("code", "")
    response = web.HTTPSeeOther("/")
    if code in request.app[SERVICES].languages.enabled:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=LANGUAGE_SECONDS,
            samesite="Strict",
            secure=secure_cookies(request),
            path="/",
        )
    raise response


def routes() -> list[web.RouteDef]:
    return [
        web.get("/login", how_to_sign_in),
        web.get("/login/{token}", confirm),
        web.post("/login", sign_in),
        web.post("/logout", sign_out),
        web.get("/language", choose_language),
    ]
