"""Done when: a staff member schedules an announcement in the sandbox for 10:00 local time of
each recipient, a second staff member approves it, and it arrives in each member's language."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta

import pytest

from bot.deployment import load_deployment
from bot.i18n import RIGHT_TO_LEFT_MARK
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.announcing import approval_request, compose
from tests.auxil.chat import ChatUser, button_labels
from tests.broadcasts.builders import add_member


def consulate_name(consulate_id: str, language: str = "en") -> str:
    """A consulate's name as the sample deployment gives it in ``language``."""
    consulate = load_deployment(SAMPLE_DEPLOYMENT).consulate(consulate_id)
    assert consulate is not None
    return consulate.name_in(language)


#: The start of a 40x30 PNG: as much as the sandbox reads of an image.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 40, 30) + b"\x08\x02"

TEXTS = {
    "en": "Passport day on Saturday",
    "fr": "Journée passeport samedi",
    "ar": "يوم الجوازات السبت",
}


async def london_editor(admin: ChatUser, client: SandboxClient) -> ChatUser:
    """A new staff member, made an editor for London by ``admin``."""
    editor = await ChatUser.create(client, "Editor", "en")
    await admin.send(f"/staff add {editor.id} editor london")
    return editor


async def test_editor_composes_admin_approves_members_receive_their_language(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    editor = await london_editor(admin, client)
    members = {language: await ChatUser.create(client, language, language) for language in TEXTS}
    for language, member in members.items():
        await add_member(
            services.database, member.id, language=language, consulate_id="london", country="GB"
        )

    (question,) = await editor.send("/announce")
    (question,) = await editor.choose(question, "v1:ann:cat:consular")
    (menu,) = await editor.send(TEXTS["en"])
    for language in ("fr", "ar"):
        (question,) = await editor.choose(menu, f"v1:ann:lang:{language}")
        (menu,) = await editor.send(TEXTS[language])
    (question,) = await editor.choose(menu, "v1:ann:done")
    (question,) = await editor.choose(question, "v1:ann:skip")
    (question,) = await editor.choose(question, "v1:ann:con:london")
    (question,) = await editor.choose(question, "v1:ann:aud")
    (question,) = await editor.choose(question, "v1:ann:when:local")
    shown = await editor.send("2027-03-28 10:00")
    preview = shown[-1]
    assert "fewer than 5" in preview["text"]  # three recipients in London
    (submitted,) = await editor.choose(preview, "v1:ann:submit")
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    assert "approval" in submitted["text"]
    notice = await admin.last_bot_message()  # the approval request
    # The author cannot approve their own broadcast, even with forged data.
    await editor.press_data(notice["message_id"], f"v1:bcapp:approve:{broadcast_id}", forge=True)
    assert (
        await services.broadcasts.get(broadcast_id, OPERATOR)
    ).status.value == "pending_approval"
    await admin.choose(notice, f"v1:bcapp:approve:{broadcast_id}")
    assert (await services.broadcasts.get(broadcast_id, OPERATOR)).status.value == "scheduled"

    started = await services.broadcasts.sweep(datetime(2027, 3, 28, 9, 0, 5, tzinfo=UTC))
    assert len(started) == 1
    for language, member in members.items():
        message = await client.wait_for_bot_message(member.id, timeout=10)
        text = message["text"]
        assert TEXTS[language] in text
        assert text.startswith(RIGHT_TO_LEFT_MARK) == (language == "ar")


async def test_announcement_filtered_on_interest_and_region_reaches_only_matching_members(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, application = running
    database = services.database
    match = await ChatUser.create(client, "Match", "en")
    others = [await ChatUser.create(client, name, "en") for name in ("Interest", "Region")]
    match_id = await add_member(
        database,
        match.id,
        consulate_id="london",
        country="GB",
        region_id="ncr",
        interests=["investment", "skills"],
    )
    await add_member(
        database,
        others[0].id,
        consulate_id="london",
        country="GB",
        region_id="ncr",
        interests=["consular"],
    )
    await add_member(
        database,
        others[1].id,
        consulate_id="london",
        country="GB",
        region_id="davao",
        interests=["investment"],
    )

    (question,) = await admin.send("/announce")
    (question,) = await admin.choose(question, "v1:ann:cat:emergency")
    (menu,) = await admin.send("Investment fair in Manila")
    (question,) = await admin.choose(menu, "v1:ann:done")
    (question,) = await admin.choose(question, "v1:ann:skip")
    (more,) = await admin.choose(question, "v1:ann:more")
    (section,) = await admin.choose(more, "v1:ann:sec:int")
    (section,) = await admin.choose(section, "v1:ann:int:investment")
    (more,) = await admin.choose(section, "v1:ann:back")
    (section,) = await admin.choose(more, "v1:ann:sec:reg")
    (section,) = await admin.choose(section, "v1:ann:reg:ncr")
    # Forged values are refused (updates run in order, so they are handled before Continue).
    for forged in ("v1:ann:reg:atlantis", "v1:ann:int:gambling", "v1:ann:ct:ZZ"):
        await admin.press_data(section["message_id"], forged, forge=True)
    (question,) = await admin.choose(section, "v1:ann:aud")
    ticked = application.user_data[admin.id]["announce"]
    assert (ticked["interests"], ticked["regions"], ticked["countries"]) == (
        ["investment"],
        ["ncr"],
        [],
    )
    shown = await admin.choose(question, "v1:ann:when:now")
    assert "Total: fewer than 5," in shown[-1]["text"]  # the preview counts the filters
    await admin.choose(shown[-1], "v1:ann:submit")

    await services.broadcasts.sweep(datetime.now(UTC))
    message = await client.wait_for_bot_message(match.id, timeout=10)
    assert "Investment fair in Manila" in message["text"]
    rows = await database.fetch_all("SELECT member_id FROM delivery_outbox")
    assert [row[0] for row in rows] == [match_id]
    for other in others:
        assert not await other.bot_messages()


def london_name(services: Services) -> str:
    office = services.deployment.consulate("london")
    assert office is not None
    return office.name_in("en")


async def london_members(
    client: SandboxClient, services: Services, languages: list[str]
) -> list[ChatUser]:
    members = []
    for index, language in enumerate(languages):
        member = await ChatUser.create(client, f"{language}{index}", language)
        await add_member(
            services.database, member.id, language=language, consulate_id="london", country="GB"
        )
        members.append(member)
    return members


@pytest.mark.parametrize(
    ("languages", "ticks"),
    [(["en", "en", "fr"], ("v1:ann:con:london",)), (["en", "fr"], ("v1:ann:al:fr",))],
    ids=["three", "one"],
)
async def test_the_preview_shows_fewer_than_k_never_the_count(
    running: tuple[ChatUser, App],
    client: SandboxClient,
    services: Services,
    languages: list[str],
    ticks: tuple[str, ...],
) -> None:
    admin, _ = running
    await london_members(client, services, languages)
    shown = await compose(admin, {"en": TEXTS["en"], "fr": TEXTS["fr"]}, *ticks)
    lines = shown[-1]["text"].splitlines()
    counts = [line for line in lines if "recipients" in line or line.startswith("Total")]
    assert counts[-1].startswith("Total: fewer than 5,"), counts
    assert all("fewer than 5" in line or ": 0 " in line for line in counts), counts
    assert not re.search(r"\b[1-4]\b", "\n".join(counts))


async def test_the_approval_request_shows_every_text_the_audience_in_words_and_a_band(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    editor = await london_editor(admin, client)
    await london_members(client, services, ["en", "fr", "ar"])
    before = len(await admin.bot_messages())
    shown = await compose(editor, TEXTS, "v1:ann:con:london", "v1:ann:mt:abroad")
    await editor.choose(shown[-1], "v1:ann:submit")
    request = (await admin.bot_messages())[before:]
    text = "\n".join(message["text"] for message in request)
    for language_text in TEXTS.values():
        assert language_text in text
    assert london_name(services) in text and "london" not in text
    assert "Living abroad" in text
    assert "fewer than 5" in text
    assert len(request) <= len(TEXTS)  # one message per language at most
    assert "v1:bcapp:approve" in str(request[-1]["inline_keyboard"])


async def test_the_preview_lays_each_language_out_in_its_own_direction(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    """Arabic sharing a message with English is laid out left to right in the client (or the
    English right to left): the Arabic text gets a message of its own, marked right to left."""
    admin, _ = running
    await london_members(client, services, ["en", "ar"])
    shown = await compose(admin, TEXTS, "v1:ann:con:london")
    (arabic,) = [m for m in shown if TEXTS["ar"] in m["text"]]
    assert arabic["text"].startswith(RIGHT_TO_LEFT_MARK)
    assert TEXTS["en"] not in arabic["text"] and TEXTS["fr"] not in arabic["text"]
    for message in shown:
        if message is not arabic:
            assert not message["text"].startswith(RIGHT_TO_LEFT_MARK)
    assert len(shown) == 2 and "v1:ann:submit" in str(shown[-1]["inline_keyboard"])


async def test_a_sensitive_announcement_warns_its_author_and_approver(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    editor = await london_editor(admin, client)
    texts = {"en": "Free legal advice on asylum claims at the embassy on Saturday."}
    before = len(await admin.bot_messages())
    shown = await compose(editor, texts, "v1:ann:con:london")
    assert "asylum or refugee status" in shown[-1]["text"]
    await editor.choose(shown[-1], "v1:ann:submit")
    request = "\n".join(m["text"] for m in (await admin.bot_messages())[before:])
    assert "⚠️" in request and "asylum or refugee status" in request


async def test_broadcasts_shows_in_full_what_waits_for_the_viewer_and_the_rest_on_request(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    editor = await london_editor(admin, client)
    shown = await compose(editor, TEXTS, "v1:ann:con:london")
    await editor.choose(shown[-1], "v1:ann:submit")
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id

    full = await admin.send("/broadcasts")
    assert TEXTS["fr"] in "\n".join(m["text"] for m in full)
    assert f"v1:bcapp:approve:{broadcast_id}" in str(full[-1]["inline_keyboard"])

    (compact,) = await editor.send("/broadcasts")
    assert TEXTS["en"] not in compact["text"] and london_name(services) in compact["text"]
    view = await editor.choose(compact, f"v1:bcview:show:{broadcast_id}")
    assert TEXTS["ar"] in "\n".join(m["text"] for m in view)
    assert "bcapp" not in str(view[-1].get("inline_keyboard"))  # the author cannot approve


def passed_east_of_madrid() -> str:
    """A wall-clock time 2 h 30 min after UTC now, as staff type it: still ahead in London and
    Madrid (UTC+0 to +2), already past in Hong Kong (UTC+8)."""
    return f"{datetime.now(UTC) + timedelta(hours=2, minutes=30):%Y-%m-%d %H:%M}"


@pytest.mark.parametrize(
    ("choice", "zones"),
    [("next_day", {"Europe/London", "Asia/Hong_Kong"}), ("skip", {"Europe/London"})],
)
async def test_local_time_already_past_in_a_zone_shows_each_zone_and_asks(
    running: tuple[ChatUser, App], services: Services, choice: str, zones: set[str]
) -> None:
    admin, _ = running
    ticks = ("v1:ann:con:london", "v1:ann:con:hong-kong")
    await compose(admin, {"en": TEXTS["en"]}, *ticks, when="local")
    (asked,) = await admin.send(passed_east_of_madrid())
    # Each zone's time, there, and which one has passed; nothing goes late without asking.
    lines = asked["text"].splitlines()
    hong_kong = next(line for line in lines if "Asia/Hong_Kong" in line)
    london = next(line for line in lines if "Europe/London" in line)
    assert "already passed" in hong_kong and "already passed" not in london
    assert consulate_name("hong-kong") in hong_kong
    shown = await admin.choose(asked, f"v1:ann:past:{choice}")
    preview = shown[-1]
    assert ("next day" in preview["text"]) == (choice == "next_day")
    await admin.choose(preview, "v1:ann:submit")
    broadcast = (await services.broadcasts.recent(OPERATOR, 1))[0]
    rows = await services.broadcasts.repository.schedules(broadcast.id)
    assert {row.zone for row in rows} == zones
    now = datetime.now(UTC)
    assert all(row.next_due_at is not None and row.next_due_at > now for row in rows)


async def test_at_a_time_for_every_consulate_asks_whose_time_and_shows_it_in_each_zone(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running  # an admin of every consulate, writing to every consulate
    (asked,) = await compose(admin, {"en": TEXTS["en"]}, when="at")
    labels = button_labels(asked)
    assert consulate_name("london") in labels and "london" not in labels
    (prompt,) = await admin.choose(asked, "v1:ann:zone:london")
    assert "Europe/London" in prompt["text"]
    shown = await admin.send("2099-03-28 10:00")
    preview = shown[-1]["text"]
    lines = preview.splitlines()
    hong_kong = next(line for line in lines if "Asia/Hong_Kong" in line)
    assert "6:00\u202fPM" in hong_kong and "Hong Kong" in hong_kong  # 10:00 BST is 18:00 there
    for zone in ("Europe/London", "Asia/Dubai", "America/Toronto", "Europe/Madrid"):
        assert zone in preview
    await admin.choose(shown[-1], "v1:ann:submit")
    broadcast = (await services.broadcasts.recent(OPERATOR, 1))[0]
    assert broadcast.schedule.zone == "Europe/London"

    # Staff limited to one consulate are not asked: their consulate's time is used, and
    # ticking no consulate means every one they may address.
    editor = await london_editor(admin, client)
    (prompt,) = await compose(editor, {"en": TEXTS["en"]}, when="at")
    assert "Europe/London" in prompt["text"]
    shown = await editor.send("2099-03-28 10:00")
    assert "Asia/Hong_Kong" not in shown[-1]["text"]
    await editor.choose(shown[-1], "v1:ann:submit")
    broadcast = (await services.broadcasts.recent(OPERATOR, 1))[0]
    assert broadcast.schedule.zone == "Europe/London"
    assert broadcast.audience.consulates == {"london"}


async def test_the_audience_pickers_name_consulates_and_languages_in_the_staff_language(
    running: tuple[ChatUser, App], client: SandboxClient
) -> None:
    admin, _ = running
    arabic = await ChatUser.create(client, "موظف", "ar")
    await admin.send(f"/staff add {arabic.id} editor")
    (question,) = await arabic.send("/announce")
    (question,) = await arabic.choose(question, "v1:ann:cat:consular")
    (menu,) = await arabic.send(TEXTS["ar"])
    await arabic.choose(menu, "v1:ann:lang:en")
    (menu,) = await arabic.send(TEXTS["en"])
    (question,) = await arabic.choose(menu, "v1:ann:done")
    (question,) = await arabic.choose(question, "v1:ann:skip")
    labels = button_labels(question)
    assert consulate_name("london", "ar") in labels and "Français" in labels
    assert not {"london", "hong-kong", "fr", "ar", "en"} & set(labels)
    (ticked,) = await arabic.choose(question, "v1:ann:con:london")
    assert f"☑️ {consulate_name('london', 'ar')}" in button_labels(ticked)


async def test_the_more_filters_headings_are_text_not_buttons(
    running: tuple[ChatUser, App],
) -> None:
    admin, application = running
    (question,) = await admin.send("/announce")
    (question,) = await admin.choose(question, "v1:ann:cat:consular")
    (menu,) = await admin.send(TEXTS["en"])
    (question,) = await admin.choose(menu, "v1:ann:done")
    (question,) = await admin.choose(question, "v1:ann:skip")
    (more,) = await admin.choose(question, "v1:ann:more")
    headings = {"ct": "Country", "int": "Interests", "occ": "Work", "reg": "Region of origin"}
    seen = [more]
    for section, heading in headings.items():
        (screen,) = await admin.choose(more, f"v1:ann:sec:{section}")
        assert heading in screen["text"]  # each section says what it is in its text
        seen.append(screen)
        (more,) = await admin.choose(screen, "v1:ann:back")
    for screen in seen:
        # A button that does nothing but redraw the screen is a heading dressed as a button.
        assert not any(label.startswith("—") for label in button_labels(screen))
        assert "v1:ann:more" not in str(screen.get("inline_keyboard", ""))
    (interests,) = await admin.choose(more, "v1:ann:sec:int")
    (interests,) = await admin.choose(interests, "v1:ann:int:investment")
    assert "☑️" in str(interests["inline_keyboard"])
    await admin.choose(interests, "v1:ann:aud")
    assert application.user_data[admin.id]["announce"]["interests"] == ["investment"]


async def test_a_refused_action_is_explained_in_the_staff_members_language(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    french = await ChatUser.create(client, "Éditrice", "fr")
    await admin.send(f"/staff add {french.id} editor london")
    # A text too long to go with a photo (Telegram's caption limit) is refused in French,
    # saying the limit.
    (question,) = await french.send("/announce")
    (question,) = await french.choose(question, "v1:ann:cat:consular")
    (menu,) = await french.send("Journée passeport. " * 60)
    await french.choose(menu, "v1:ann:done")  # asks for the English text too
    (menu,) = await french.send("Passport day. " * 80)
    (question,) = await french.choose(menu, "v1:ann:done")
    (question,) = await french.attach(PNG, "affiche.png", "image/png")
    (question,) = await french.choose(question, "v1:ann:aud")
    (refused, *_) = await french.choose(question, "v1:ann:when:now")
    assert "1\u202f024" in refused["text"] and "longer than" not in refused["text"]
    await french.send("/cancel")

    # Two approvers are asked; the French one presses Approve after the other approved.
    english = await london_editor(admin, client)
    shown = await compose(admin, {"en": TEXTS["en"]}, "v1:ann:con:london")
    await admin.choose(shown[-1], "v1:ann:submit")
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    data = f"v1:bcapp:approve:{broadcast_id}"
    await english.choose(await approval_request(english, data), data)
    request = await approval_request(french, data)
    late = await french.press_data(request["message_id"], data)
    answer = await french.callback_answer(late["callback_query"]["id"])
    assert f"n° {broadcast_id}" in answer and "approbation" in answer
    assert "not waiting" not in answer
