"""Rendering console pages in the staff member's language and text direction.

Templates (console/templates/, Jinja2, autoescaped) get ``_``/``ngettext`` bound to the
staff member's catalogue, the translator ``tr`` for numbers, bands, dates and names, the
signed-in ``actor``, the form token and ``dir`` ("rtl" for Arabic). Strings in templates are
written as ``_("...")`` and extracted into the catalogues with the rest (make messages).
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.access import Permission, allows
from bot.i18n import Translator
from bot.services import Services
from bot.signin import SignedIn
from console.security import PERSON

SERVICES = web.AppKey("services", Services)
LANGUAGE_COOKIE = "console_language"


def path_id(request: web.Request) -> int:
    """The number in the route's ``{id}``; anything else is a page that does not exist (the
    app answers LookupError with "not found")."""
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise LookupError(raw)
    return int(raw)


async def translator_for(request: web.Request) -> Translator:
    """The signed-in staff member's language (their own choice here, else the language they
    use with the bot, else the deployment's default)."""
    services = request.app[SERVICES]
    languages = services.languages
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages.enabled:
        return languages.translator(chosen)
    signed_in: SignedIn | None = request.get(PERSON)
    member = None
    if signed_in is not None and signed_in.actor.telegram_user_id is not None:
        member = await services.members.find(signed_in.actor.telegram_user_id)
    return languages.translator(services.members.language_for(member, None))


async def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """Render ``template`` for this request's staff member."""
    tr = await translator_for(request)
    signed_in: SignedIn | None = request.get(PERSON)
    page = {
        "_": tr.gettext,
        "ngettext": tr.ngettext,
        "tr": tr,
        "dir": "rtl" if tr.is_rtl else "ltr",
        "lang": tr.language,
        "actor": signed_in.actor if signed_in else None,
        "csrf": signed_in.csrf_token if signed_in else "",
        "services": request.app[SERVICES],
        "can": lambda permission: (
            signed_in is not None and allows(signed_in.actor, Permission(permission))
        ),
        "path": request.path,
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, page, status=status)
    response.content_type = "text/html"
    response.charset = "utf-8"
    return response
