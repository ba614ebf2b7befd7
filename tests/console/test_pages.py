"""Every console page, as staff use it: compose an announcement in two languages (one Arabic)
with its live audience size, preview it with the send time in each zone, submit it; another
staff member reads it in full and approves it with a comment; a poll is created, its results
shown under the disclosure rule and downloaded as CSV and PNG; members' numbers; staff and the
audit log. Each page in English and in Arabic (right to left)."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from bot.services import Services
from tests.auxil.actors import OPERATOR
from tests.broadcasts.builders import add_member
from tests.console.conftest import SignIn, csrf_of

ADMIN, LONDON_EDITOR = 2001, 2002


@pytest.fixture
async def london(services: Services) -> None:
    await services.staff.put(OPERATOR, ADMIN, "admin")
    await services.staff.put(OPERATOR, LONDON_EDITOR, "editor", ["london"])
    for index in range(12):
        await add_member(
            services.database,
            3_000_000 + index,
            language="ar" if index % 3 == 0 else "en",
            consulate_id="london",
            country="GB",
        )


async def test_compose_preview_submit_and_approve(
    london: None, services: Services, sign_in: SignIn
) -> None:
    editor = await sign_in(LONDON_EDITOR)
    form = await (await editor.get("/broadcasts/new")).text()
    assert "Embassy" in form or "London" in form  # consulates by name, not id
    size = await (await editor.get("/api/audience?consulates=london")).json()
    assert size == {"size": "10–14"}  # a band, never the count
    fields = {
        "csrf": csrf_of(form),
        "category": "consular",
        "text_en": "Passport day on <b>Saturday</b>",
        "text_ar": "يوم الجوازات يوم <b>السبت</b>",
        "consulates": "london",
        "when": "at",
        "date": "2099-03-28",
        "time": "10:00",
        "zone_consulate": "london",
    }
    preview = await editor.post("/broadcasts/preview", data=fields)
    text = await preview.text()
    assert preview.status == 200, text
    assert "<b>Saturday</b>" in text and "السبت" in text  # Telegram formatting, rendered
    assert "10–14" in text and "2099" in text
    submitted = await editor.post("/broadcasts", data=fields, allow_redirects=False)
    assert submitted.status == 303
    address = submitted.headers["Location"]

    admin = await sign_in(ADMIN)
    home = await (await admin.get("/")).text()
    assert address in home  # waiting for their approval
    page = await (await admin.get(address)).text()
    assert "Passport day" in page and "يوم الجوازات" in page and 'dir="rtl"' in page
    approved = await admin.post(
        f"{address}/approve",
        data={"csrf": csrf_of(page), "comment": "Thank you"},
        allow_redirects=False,
    )
    assert approved.status == 303
    author_view = await (await editor.get(address)).text()
    assert "Thank you" in author_view


async def test_a_poll_is_created_and_its_results_shown_and_downloaded(
    london: None, services: Services, sign_in: SignIn
) -> None:
    editor = await sign_in(LONDON_EDITOR)
    form = await (await editor.get("/polls/new")).text()
    created = await editor.post(
        "/polls",
        data={
            "csrf": csrf_of(form),
            "mode": "segmented",
            "base_language": "en",
            "question_en": "Should the consulate open on Saturdays?",
            "options_en": "Yes\nNo",
            "consulates": "london",
            "closing": "3d",
        },
        allow_redirects=False,
    )
    assert created.status == 303, await created.text()
    address = created.headers["Location"]
    page = await (await editor.get(address)).text()
    assert "Fewer than 5 people have answered" in page  # nobody yet: no figure at all
    csv = await editor.get(f"{address}/results.csv")
    assert csv.status == 200 and "withheld" in await csv.text()
    reads = [e for e in await services.staff.audit_log(OPERATOR) if e.action == "poll.results"]
    assert {tuple(e.details["formats"]) for e in reads} >= {("html",), ("csv",)}


async def test_a_poll_for_too_few_members_is_refused_with_the_reason(
    london: None, sign_in: SignIn
) -> None:
    editor = await sign_in(LONDON_EDITOR)
    form = await (await editor.get("/polls/new")).text()
    refused = await editor.post(
        "/polls",
        data={
            "csrf": csrf_of(form),
            "base_language": "en",
            "question_en": "Q?",
            "options_en": "A\nB",
            "consulates": "london",
            "member_types": "returned",
        },
    )
    assert refused.status == 400 and "Fewer than 5 members would receive" in await refused.text()


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_every_page_opens(
    london: None, services: Services, sign_in: SignIn, language: str
) -> None:
    admin = await sign_in(ADMIN)
    await admin.get(f"/language?code={language}")
    for address in (
        "/",
        "/broadcasts",
        "/broadcasts/new",
        "/polls",
        "/polls/new",
        "/members",
        "/admin",
        "/admin?who=tg&action=staff",
    ):
        answer = await admin.get(address)
        page = await answer.text()
        assert answer.status == 200, (address, page[:500])
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in page


async def test_a_refused_staff_change_says_why_in_the_staff_members_language(
    london: None, services: Services, sign_in: SignIn
) -> None:
    admin = await sign_in(ADMIN)
    await admin.get("/language?code=es")
    page = await (await admin.get("/admin")).text()
    refused = await admin.post(f"/admin/staff/{ADMIN}/remove", data={"csrf": csrf_of(page)})
    text = await refused.text()
    assert "Sin cambios" in text and "último" in text  # the last admin stays
    assert (await services.staff.find(ADMIN)) is not None


async def test_a_photo_uploaded_at_compose_is_kept_privately_and_shown_attached(
    london: None, services: Services, sign_in: SignIn
) -> None:
    editor = await sign_in(LONDON_EDITOR)
    form = FormData(
        {
            "csrf": csrf_of(await (await editor.get("/broadcasts/new")).text()),
            "category": "consular",
            "text_en": "Our new opening hours",
            "consulates": "london",
            "when": "now",
        }
    )
    form.add_field("media", b"\x89PNG poster", filename="hours.png", content_type="image/png")
    preview = await editor.post("/broadcasts/preview", data=form)
    text = await preview.text()
    assert preview.status == 200, text
    (kept,) = services.settings.media_dir.iterdir()
    assert kept.read_bytes() == b"\x89PNG poster" and kept.stat().st_mode & 0o777 == 0o600
    assert f"Attached: {kept.name}" in text
