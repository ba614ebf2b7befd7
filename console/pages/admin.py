"""Admins at the desk: the staff and their roles per consulate (add, change, remove: the
StaffService's rules apply, the last admin stays), and the audit log, filtered by person,
action and dates."""

from __future__ import annotations

from aiohttp import web

from bot.access import Role
from bot.services import Services
from bot.staff import PROBLEM_TEXTS, StaffError
from bot.storage.staff import AuditSearch
from console.render import SERVICES, path_id, render, translator_for
from console.security import signed_in_actor

AUDIT_ROWS = 200


async def staff_page(request: web.Request, problem: str | None = None) -> web.Response:
    services: Services = request.app[SERVICES]
    actor = signed_in_actor(request)
    search = AuditSearch(
        actor=request.query.get("who", "").strip(),
        action=request.query.get("action", "").strip(),
        since=request.query.get("since", "").strip(),
        until=request.query.get("until", "").strip(),
    )
    return await render(
        request,
        "admin.html",
        {
            "staff": await services.staff.list_members(actor),
            "audit": await services.staff.audit_log(actor, AUDIT_ROWS, search),
            "search": search,
            "roles": [role.value for role in Role],
            "problem": problem,
        },
        status=400 if problem else 200,
    )


async def admin(request: web.Request) -> web.Response:
    return await staff_page(request)


async def put_staff(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    form = await request.post()
    raw_id = str(form.get("telegram_id", "")).strip()
    consulates = [str(c) for c in form.getall("consulates", [])]
    tr = await translator_for(request)
    if not raw_id.isdigit():
        return await staff_page(request, tr.gettext("Give the person's Telegram id (digits)."))
    try:
        await services.staff.put(
            signed_in_actor(request), int(raw_id), str(form.get("role", "")), consulates
        )
    except StaffError as refused:
        return await staff_page(request, await refusal(request, refused))
    raise web.HTTPSeeOther("/admin")


async def refusal(request: web.Request, refused: StaffError) -> str:
    """Why the change was refused, in the staff member's language."""
    tr = await translator_for(request)
    reason = tr.gettext(PROBLEM_TEXTS[refused.problem]) % {"value": refused.value}
    return tr.gettext("Not changed: %(reason)s") % {"reason": reason}


async def remove_staff(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    try:
        await services.staff.remove(signed_in_actor(request), path_id(request))
    except StaffError as refused:
        return await staff_page(request, await refusal(request, refused))
    raise web.HTTPSeeOther("/admin")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/admin", admin),
        web.post("/admin/staff", put_staff),
        web.post("/admin/staff/{id}/remove", remove_staff),
    ]
