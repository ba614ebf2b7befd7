"""/predeparture and departure reminders end to end through the sandbox: topics in the
member's language (Arabic right to left), sources and review dates formatted by babel, the
destination note, the checklist whose ticks persist, the offer after registering as leaving,
and reminders driven by a fake clock (30/7/1 days, a new date, /stop, a restart, a block)."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from babel import dates
from telegram.error import Forbidden

from bot.deployment import Deployment
from bot.guidance import GuidanceContent
from bot.i18n import LEFT_TO_RIGHT_ISOLATE, POP_DIRECTIONAL_ISOLATE, RIGHT_TO_LEFT_MARK
from bot.services import Services
from bot.settings import Settings
from bot.storage.guidance import ReminderRow
from handlers.context import App
from handlers.reminders import send_due_reminders
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message, button_labels
from tests.auxil.ecb import OfflineEcb
from tests.auxil.members import add_member
from tests.auxil.running import RunningBot, start_bot

PD = "v1:pd"
REG = "v1:reg"


@pytest.fixture
async def services(settings: Settings, deployment: Deployment) -> AsyncIterator[Services]:
    opened = await Services.open(settings, deployment, http_client=OfflineEcb().client())
    yield opened
    await opened.close()


def plain(body: str) -> str:
    """A content body as the member reads it (tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def keyboard_rows(message: Message) -> list[list[dict[str, Any]]]:
    return list(message.get("inline_keyboard", []))


def datas(message: Message) -> list[str]:
    return [b["callback_data"] for row in keyboard_rows(message) for b in row]


async def ticks(services: Services, member_id: int) -> set[str]:
    rows = await services.database.fetch_all(
        "SELECT item_id FROM checklist_ticks WHERE member_id = ?", (member_id,)
    )
    return {row["item_id"] for row in rows}


async def alerts(user: ChatUser, wanted: int) -> list[dict[str, Any]]:
    """The alerts the bot answered button presses with, once ``wanted`` have arrived."""
    for _ in range(100):
        answers = (await user.state())["callback_answers"]
        found = [a for a in answers.values() if a.get("show_alert")]
        if len(found) >= wanted:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {wanted} alerts, got {len(found)}")


# --- topics ------------------------------------------------------------------------------------


async def test_topic_menu_in_arabic_reads_right_to_left(
    bot: App, client: SandboxClient, services: Services
) -> None:
    content: GuidanceContent = services.guidance["ar"]
    user = await ChatUser.create(client, "زائر", "ar")  # a visitor: anyone may read
    (menu,) = await user.send("/predeparture")
    assert menu["text"].startswith(RIGHT_TO_LEFT_MARK)
    titles = [topic.title for topic in content.topics]
    labels = button_labels(menu)
    assert labels[: len(titles)] == titles  # Arabic titles, in the content's order
    assert all(len(row) <= 2 for row in keyboard_rows(menu))
    assert len(keyboard_rows(menu)[0]) == 2

    topic = content.topics[0]
    (page,) = await user.choose(menu, f"{PD}:t:{topic.id}")
    assert page["message_id"] == menu["message_id"]  # the menu is replaced in place
    assert page["text"].startswith(RIGHT_TO_LEFT_MARK)
    assert topic.title in page["text"]
    assert plain(topic.body)[:80] in page["text"]
    assert topic.source in page["text"]
    assert dates.format_date(topic.last_reviewed, "long", locale="ar") in page["text"]
    (back,) = await user.choose(page, PD)
    assert button_labels(back)[: len(titles)] == titles


async def test_review_date_is_formatted_for_the_members_locale(
    bot: App, client: SandboxClient, services: Services
) -> None:
    for language, expected_month in (("fr", "novembre"), ("pt", "novembro"), ("es", "noviembre")):
        topic = services.guidance[language].topics[1]
        user = await ChatUser.create(client, f"Reader {language}", language)
        (menu,) = await user.send("/predeparture")
        (page,) = await user.choose(menu, f"{PD}:t:{topic.id}")
        shown = dates.format_date(topic.last_reviewed, "long", locale=language)
        assert shown in page["text"] and expected_month in shown


async def test_destination_note_is_offered_for_the_members_country(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Going to Dubai", "en")
    await add_member(services, user.id, country="AE", member_type="leaving")
    (menu,) = await user.send("/predeparture")
    note = services.guidance["en"].destination("AE")
    assert note is not None
    assert f"📍 {note.title}" in button_labels(menu)
    (page,) = await user.choose(menu, f"{PD}:d")
    assert plain(note.body)[:80] in page["text"]
    assert dates.format_date(note.last_reviewed, "long", locale="en") in page["text"]

    visitor = await ChatUser.create(client, "Visitor", "en")
    (menu,) = await visitor.send("/predeparture")
    assert f"{PD}:d" not in datas(menu)  # no country known: no note


# --- checklist ---------------------------------------------------------------------------------


async def test_checklist_ticks_persist_per_member(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Ticker", "pt")
    member_id = await add_member(services, user.id, language="pt", member_type="leaving")
    items = services.guidance["pt"].checklist
    (menu,) = await user.send("/predeparture")
    (checklist,) = await user.choose(menu, f"{PD}:c")
    numbers = [str(n) for n in range(1, len(items) + 1)]
    assert [label.split(" ", 1)[1] for label in button_labels(checklist)[:-1]] == numbers
    assert all(label.startswith("▫️") for label in button_labels(checklist)[:-1])
    assert str(len(items)) in checklist["text"]  # "0 of 13 done", in the member's words
    (checklist,) = await user.choose(checklist, f"{PD}:x:{items[0].id}")
    (checklist,) = await user.choose(checklist, f"{PD}:x:{items[2].id}")
    assert button_labels(checklist)[:2] == ["✅ 1", "▫️ 2"]
    assert f"✅ 1. {items[0].text}" in checklist["text"]
    assert f"▫️ 2. {items[1].text}" in checklist["text"]
    assert await ticks(services, member_id) == {items[0].id, items[2].id}
    (checklist,) = await user.choose(checklist, f"{PD}:x:{items[2].id}")  # untick
    assert await ticks(services, member_id) == {items[0].id}
    # A new /predeparture later shows the same ticks.
    (menu,) = await user.send("/predeparture")
    (checklist,) = await user.choose(menu, f"{PD}:c")
    assert button_labels(checklist)[0].startswith("✅")
    assert sum(label.startswith("✅") for label in button_labels(checklist)) == 1


#: Characters a checklist button may hold: several share a row on a phone's narrow screen.
BUTTON_FITS = 8


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_checklist_buttons_are_short_and_the_message_has_every_item(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await ChatUser.create(client, "Reader", language)
    await add_member(services, user.id, language=language, member_type="leaving")
    items = services.guidance[language].checklist
    (menu,) = await user.send("/predeparture")
    (checklist,) = await user.choose(menu, f"{PD}:c")
    item_buttons = [
        b["text"] for row in keyboard_rows(checklist) for b in row if ":x:" in b["callback_data"]
    ]
    assert len(item_buttons) == len(items)
    assert all(len(label) <= BUTTON_FITS for label in item_buttons), item_buttons
    for item in items:
        assert plain(item.text) in checklist["text"], item.id


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_visitors_can_read_the_checklist_but_not_tick(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await ChatUser.create(client, "Visitor", language)
    (menu,) = await user.send("/predeparture")
    (checklist,) = await user.choose(menu, f"{PD}:c")
    assert "/start" in checklist["text"]
    first = services.guidance[language].checklist[0].id
    await user.press_data(checklist["message_id"], f"{PD}:x:{first}")
    (alert,) = await alerts(user, 1)
    assert "/start" in alert["text"]
    if language == "ar":  # the alert is laid out right to left, its command upright
        assert alert["text"].startswith(RIGHT_TO_LEFT_MARK)
        assert f"{LEFT_TO_RIGHT_ISOLATE}/start{POP_DIRECTIONAL_ISOLATE}" in alert["text"]
    assert await services.database.fetch_all("SELECT * FROM checklist_ticks") == []


async def test_forged_guidance_buttons_are_refused(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Mallory", "en")
    member_id = await add_member(services, user.id, country="PH", member_type="returned")
    (menu,) = await user.send("/predeparture")
    for data in (
        f"{PD}:x:no-such-item",
        f"{PD}:t:../../etc",
        f"{PD}:d",  # no note for the home country
        f"{PD}:x",
        f"{PD}:c:extra",
    ):
        await user.press_data(menu["message_id"], data, forge=True)
    refused = await alerts(user, 5)
    assert len(refused) == 5
    assert all("no longer valid" in a["text"] for a in refused)
    assert await ticks(services, member_id) == set()


# --- offered to members preparing to leave -----------------------------------------------------


async def register_as_leaving(user: ChatUser, departure: date) -> list[Message]:
    """Drive registration: leaving for the UAE on ``departure``; return the confirm's replies."""
    _welcome, consent = await user.send("/start")
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:leaving")
    (question,) = await user.send("united arab emirates")
    (question,) = await user.send(departure.isoformat())
    while f"{REG}:confirm" not in str(question.get("inline_keyboard", [])):
        if (await user.state())["reply_keyboard"]:
            *_, question = await user.send("Skip")
        else:
            (question,) = await user.choose(question, f"{REG}:skip")
    return await user.choose(question, f"{REG}:confirm")


async def test_guidance_is_offered_after_registering_as_leaving(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Leaver", "en")
    departure = datetime.now(UTC).date() + timedelta(days=45)
    _saved, offer, main_menu = await register_as_leaving(user, departure)
    assert "/predeparture" in offer["text"]
    first_topic = services.guidance["en"].topics[0]
    assert f"{PD}:t:{first_topic.id}" in datas(offer)
    assert f"{PD}:d" in datas(offer)  # the note on the UAE
    assert PD in datas(main_menu)  # and a button in the main menu
    member = await services.members.find(user.id)
    assert member is not None
    pending = await services.reminders.pending(member.id)
    assert [r.days_before for r in pending] == [30, 7, 1]
    assert {r.departure_date for r in pending} == {departure}
    (menu,) = await user.send("/start")
    assert PD in datas(menu)


async def test_members_living_abroad_get_no_guidance_button(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Abroad", "en")
    await add_member(services, user.id, country="GB", consulate_id="london")
    (menu,) = await user.send("/start")
    assert PD not in datas(menu)


# --- reminders with a fake clock ---------------------------------------------------------------


async def leaving_member(
    client: SandboxClient, services: Services, language: str, days_ahead: int
) -> tuple[ChatUser, int, date]:
    """A registered member leaving ``days_ahead`` days from today, reminders planned."""
    user = await ChatUser.create(client, f"Leaving {language}", language)
    departure = datetime.now(UTC).date() + timedelta(days=days_ahead)
    member_id = await add_member(
        services,
        user.id,
        language=language,
        country="AE",
        member_type="leaving",
        departure_date=departure,
        consulate_id="dubai",
    )
    await services.departures.plan(user.id, datetime.now(UTC))
    return user, member_id, departure


async def due_times(services: Services, member_id: int) -> dict[int, datetime]:
    rows: list[ReminderRow] = await services.reminders.pending(member_id)
    return {row.days_before: row.due_at for row in rows}


async def new_messages(user: ChatUser, before: int) -> list[Message]:
    return (await user.bot_messages())[before:]


async def test_reminders_fire_at_30_7_and_1_days_in_the_members_language(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, departure = await leaving_member(client, services, "fr", 60)
    due = await due_times(services, member_id)
    assert sorted(due) == [1, 7, 30]
    tr = services.languages.translator("fr")
    for days in (30, 7, 1):
        seen = len(await user.bot_messages())
        assert await send_due_reminders(bot.bot, services, due[days] - timedelta(minutes=1)) == 0
        assert await send_due_reminders(bot.bot, services, due[days] + timedelta(minutes=1)) == 1
        (reminder,) = await new_messages(user, seen)
        expected = tr.ngettext(
            "Your departure is in %(days)s day, on %(date)s.",
            "Your departure is in %(days)s days, on %(date)s.",
            days,
        ) % {"days": days, "date": dates.format_date(departure, "long", locale="fr")}
        assert reminder["text"].startswith(expected)
        assert {f"{PD}", f"{PD}:c"} <= set(datas(reminder))
        assert "/predeparture" in reminder["text"]
        # Sent once: the same clock again sends nothing.
        assert await send_due_reminders(bot.bot, services, due[days] + timedelta(hours=1)) == 0
    assert all(row.sent_at for row in await services.reminders.pending(member_id))


async def test_reminder_reports_checklist_progress_and_opens_it(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, _ = await leaving_member(client, services, "en", 40)
    item = services.guidance["en"].checklist[0]
    await services.checklist.toggle(member_id, item.id, datetime.now(UTC))
    due = await due_times(services, member_id)
    await send_due_reminders(bot.bot, services, due[30] + timedelta(seconds=1))
    reminder = await user.last_bot_message()
    total = len(services.guidance["en"].checklist)
    assert f"1 of {total}" in reminder["text"]
    (checklist,) = await user.choose(reminder, f"{PD}:c")
    assert button_labels(checklist)[0] == "✅ 1" and f"✅ 1. {item.text}" in checklist["text"]


async def test_a_new_departure_date_moves_the_reminders(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, _ = await leaving_member(client, services, "en", 40)
    old = await due_times(services, member_id)
    await send_due_reminders(bot.bot, services, old[30] + timedelta(minutes=1))
    # The member changes the date through /profile.
    new_departure = datetime.now(UTC).date() + timedelta(days=90)
    (summary,) = await user.send("/profile")
    await user.choose(summary, f"{REG}:edit:4")  # the departure date question
    (summary,) = await user.send(new_departure.isoformat())
    await user.choose(summary, f"{REG}:confirm")
    new = await due_times(services, member_id)
    assert all(new[days] > old[days] for days in (30, 7, 1))
    assert not any(row.sent_at for row in await services.reminders.pending(member_id))
    seen = len(await user.bot_messages())
    assert await send_due_reminders(bot.bot, services, old[7] + timedelta(minutes=1)) == 0
    assert await send_due_reminders(bot.bot, services, new[30] + timedelta(minutes=1)) == 1
    (reminder,) = await new_messages(user, seen)
    assert dates.format_date(new_departure, "long", locale="en") in reminder["text"]


async def test_stop_cancels_reminders_and_resume_plans_them_again(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, _ = await leaving_member(client, services, "en", 40)
    due = await due_times(services, member_id)
    await user.send("/stop")
    assert await services.reminders.pending(member_id) == []
    seen = len(await user.bot_messages())
    assert await send_due_reminders(bot.bot, services, due[1] + timedelta(minutes=1)) == 0
    assert await new_messages(user, seen) == []
    await user.send("/resume")
    assert await due_times(services, member_id) == due
    assert await send_due_reminders(bot.bot, services, due[30] + timedelta(minutes=1)) == 1


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, _ = await leaving_member(client, services, "en", 40)
    due = await due_times(services, member_id)
    await client.block(user.id)
    assert await send_due_reminders(bot.bot, services, due[30] + timedelta(minutes=1)) == 1
    member = await services.members.find(user.id)
    assert member is not None and not member.reachable
    sent = {r.days_before: r.sent_at for r in await services.reminders.pending(member_id)}
    assert sent[30] is not None and sent[7] is None


class ForbiddenBot:
    """A bot the member has blocked: every send raises Forbidden."""

    def __init__(self) -> None:
        self.calls = 0

    async def send_message(self, chat_id: int | str, text: str, **kwargs: object) -> object:
        self.calls += 1
        raise Forbidden("Forbidden: bot was blocked by the user")


async def test_forbidden_send_marks_sent_and_unreachable_without_the_sandbox(
    services: Services,
) -> None:
    member_id = await add_member(
        services,
        4242,
        country="AE",
        member_type="leaving",
        departure_date=datetime.now(UTC).date() + timedelta(days=40),
    )
    await services.departures.plan(4242, datetime.now(UTC))
    due = await due_times(services, member_id)
    sender = ForbiddenBot()
    assert await send_due_reminders(sender, services, due[30] + timedelta(seconds=1)) == 1
    assert await send_due_reminders(sender, services, due[30] + timedelta(seconds=2)) == 0
    assert sender.calls == 1
    member = await services.members.find(4242)
    assert member is not None and not member.reachable


@pytest.fixture
async def restartable(
    sandbox: Sandbox, settings: Settings, deployment: Deployment
) -> AsyncIterator[tuple[Callable[[], Awaitable[RunningBot]], Callable[[], Awaitable[None]]]]:
    """Start the bot, stop it (closing its services), start it again on the same database."""
    running: list[tuple[RunningBot, Services]] = []

    async def start() -> RunningBot:
        opened = await Services.open(settings, deployment, http_client=OfflineEcb().client())
        running.append((await start_bot(opened, sandbox, settings), opened))
        return running[-1][0]

    async def stop() -> None:
        bot, opened = running.pop()
        await bot.stop()
        await opened.close()

    yield start, stop
    while running:
        await stop()


async def test_reminders_survive_a_restart(
    restartable: tuple[Callable[[], Awaitable[RunningBot]], Callable[[], Awaitable[None]]],
    client: SandboxClient,
) -> None:
    start, stop = restartable
    running = await start()
    services = running.application.bot_data.services
    user, member_id, departure = await leaving_member(client, services, "pt", 40)
    due = await due_times(services, member_id)
    await send_due_reminders(running.application.bot, services, due[30] + timedelta(minutes=1))
    await stop()

    running = await start()
    services = running.application.bot_data.services
    app_bot = running.application.bot
    seen = len(await user.bot_messages())
    assert await send_due_reminders(app_bot, services, due[30] + timedelta(hours=2)) == 0
    assert await send_due_reminders(app_bot, services, due[7] + timedelta(minutes=1)) == 1
    (reminder,) = await new_messages(user, seen)
    assert reminder["text"].startswith(
        services.languages.translator("pt").ngettext(
            "Your departure is in %(days)s day, on %(date)s.",
            "Your departure is in %(days)s days, on %(date)s.",
            7,
        )
        % {"days": 7, "date": dates.format_date(departure, "long", locale="pt")}
    )


async def test_the_minute_job_sends_what_is_due_by_the_real_clock(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user, member_id, departure = await leaving_member(client, services, "en", 10)
    # A 30-day reminder that fell due an hour ago, while the bot was down.
    overdue = datetime.now(UTC) - timedelta(hours=1)
    await services.reminders.repository.replace_reminders(member_id, departure, [(30, overdue)])
    assert bot.job_queue is not None
    (job,) = bot.job_queue.get_jobs_by_name("departure-reminders")
    seen = len(await user.bot_messages())
    await job.run(bot)
    (reminder,) = await new_messages(user, seen)
    days_left = (departure - datetime.now(services.departures.zone).date()).days  # 9 or 10
    expected = services.languages.translator("en").ngettext(
        "Your departure is in %(days)s day, on %(date)s.",
        "Your departure is in %(days)s days, on %(date)s.",
        days_left,
    ) % {"days": days_left, "date": dates.format_date(departure, "long", locale="en")}
    assert reminder["text"].startswith(expected)  # the days actually left, not 30
    assert all(row.sent_at for row in await services.reminders.pending(member_id))
