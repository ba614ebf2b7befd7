"""What every console request passes through: security headers, the session, the form token.

- Headers: a strict Content-Security-Policy (scripts, styles and images from the console
  itself only, no inline script, no framing, forms posted only here), no referrer (a sign-in
  link's token must not leak to another site), no MIME sniffing.
- Session: the cookie's id is looked up (bot/signin.py) on every request, which reads the staff
  record again; no session, and a page other than sign-in answers with the sign-in page.
- Form token: every POST must carry the session's CSRF token (compared in constant time);
  SameSite=Strict cookies stop cross-site sends as well, this is the second lock.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from bot.access import Actor
from bot.signin import SignedIn, SignInService

SESSION_COOKIE = "console_session"
CSRF_FIELD = "csrf"
SIGNED_IN = web.AppKey("signin_service", SignInService)
# Who is signed in, for this request (None on the public pages).
PERSON = web.RequestKey("signed_in", SignedIn)
#: Paths anyone may open: the sign-in pages and the static files.
PUBLIC_PREFIXES = ("/login", "/static/")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FormExpired(Exception):
    """A POST without this session's form token (answered with a page saying to reload)."""


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find who is signed in; send everyone else to the sign-in page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    signed_in = None
    if cookie:
        signed_in = await request.app[SIGNED_IN].signed_in(cookie, datetime.now(UTC))
    if signed_in is not None:
        request[PERSON] = signed_in
    if signed_in is None and not request.path.startswith(PUBLIC_PREFIXES):
        if request.method == "GET" and not request.path.startswith("/api/"):
            raise web.HTTPSeeOther("/login")
        raise web.HTTPUnauthorized()
    return await handler(request)


@web.middleware
async def form_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a POST without the session's form token (sign-in has its own token)."""
    if request.method == "POST" and not request.path.startswith(PUBLIC_PREFIXES):
        signed_in = signed_in_person(request)
        given = (await request.post()).get(CSRF_FIELD, "")
        if not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), signed_in.csrf_token.encode()
        ):
            raise FormExpired()
    return await handler(request)


def signed_in_person(request: web.Request) -> SignedIn:
    """Who is signed in (every page but the public ones is behind the session middleware)."""
    assert PERSON in request, "a page outside PUBLIC_PREFIXES ran without a session"
    return request[PERSON]


def signed_in_actor(request: web.Request) -> Actor:
    return signed_in_person(request).actor


def secure_cookies(request: web.Request) -> bool:
    """Cookies are Secure behind HTTPS (the reverse proxy says so in X-Forwarded-Proto)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
