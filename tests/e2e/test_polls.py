"""Quick polls end to end in the sandbox, through the real wiring: /poll stores the poll as an
announcement (``BroadcastPublisher``), the broadcast sweep hands it to the bot's delivery engine,
twenty members in four languages vote, /results shows totals, a chart, a CSV and suppressed small
groups; an Arabic poll; two-person approval before a poll goes out; closing at the closing time;
and the poll commands refused to non-staff."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.deployment import Deployment, load_deployment
from bot.disclosure import Disclosure
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT, Settings
from broadcasts.audience import Audience
from broadcasts.compose import Started
from handlers.context import App
from handlers.polls.closing import close_due_polls
from polls.counting import Outcome
from polls.drafting import quick_draft
from sandbox import Sandbox, SandboxClient
from tests.auxil.actors import OPERATOR, as_staff
from tests.auxil.announcing import approval_request
from tests.auxil.chat import ChatUser, Message
from tests.auxil.database import settings_env
from tests.broadcasts.builders import add_member

QUESTION = "Should the consulate open on Saturdays?"
ARABIC_QUESTION = "هل يجب أن تفتح القنصلية يوم السبت؟"
# (language, consulate, country, how many): riyadh's four members are a small group.
GROUPS = [("en", "dubai", "AE", 6), ("fr", "dubai", "AE", 5), ("ar", "dubai", "AE", 5)]
GROUPS += [("fil", "riyadh", "SA", 4)]


@dataclass
class Admins:
    english: ChatUser
    arabic: ChatUser


@pytest.fixture
def approval() -> str:
    """The deployment's approval policy (a test parametrizes it to "two-person")."""
    return "none"


@pytest.fixture
def deployment(tmp_path: Path, approval: str) -> Deployment:
    """The sample deployment with approval 'none' unless a test asks otherwise, so staff polls
    are scheduled at once."""
    text = SAMPLE_DEPLOYMENT.read_text(encoding="utf-8")
    assert 'approval = "two-person"' in text
    copy = tmp_path / "deployment.toml"
    copy.write_text(text.replace('approval = "two-person"', f'approval = "{approval}"'), "utf-8")
    return load_deployment(copy)


@pytest.fixture
async def admins(client: SandboxClient) -> Admins:
    english = await ChatUser.create(client, "Staff", "en")
    arabic = await ChatUser.create(client, "موظف", "ar")
    return Admins(english, arabic)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None, admins: Admins) -> Settings:
    admin_ids = f"{admins.english.id},{admins.arabic.id}"
    return Settings.from_env({**settings_env(tmp_path, database_url), "BOT_ADMIN_IDS": admin_ids})


async def send_due(services: Services) -> list[Started]:
    """What the bot's broadcast sweep job does every few seconds, without waiting for it."""
    assert services.broadcasts.engine is not None, "the bot's delivery engine is not running"
    return await services.broadcasts.sweep(datetime.now(UTC))


async def send_poll(user: ChatUser, services: Services, text: str) -> list[Message]:
    """/poll as staff type it, then the sweep that sends what is scheduled."""
    replies = await user.send(f"/poll {text}")
    await send_due(services)
    return replies


async def make_members(client: SandboxClient, services: Services) -> list[ChatUser]:
    users = []
    for language, consulate, country, count in GROUPS:
        for index in range(count):
            user = await ChatUser.create(client, f"{language}{index}", language)
            await add_member(
                services.database,
                user.id,
                language=language,
                consulate_id=consulate,
                country=country,
            )
            users.append(user)
    return users


async def poll_message(user: ChatUser, timeout: float = 10.0) -> Message:
    """The poll the bot sent this user (waits for the engine)."""
    async with asyncio.timeout(timeout):
        while True:
            polls = [m for m in await user.bot_messages() if "poll" in m]
            if polls:
                return polls[-1]
            await asyncio.sleep(0.05)


async def wait_for_respondents(services: Services, poll_id: int, expected: int) -> None:
    """Until counting has stored ``expected`` ballots (what is stored, not what is shown:
    the published results hide figures under k and change only by k ballots at a time)."""
    for _ in range(200):
        if await services.polls.repository.respondents(poll_id) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"poll {poll_id} never had {expected} respondents")


def newest_poll_id(text: str) -> int:
    return int(text.split("Poll ", 1)[1].split(" ", 1)[0])


async def test_quick_poll_twenty_members_four_languages(
    bot: App,
    client: SandboxClient,
    sandbox: Sandbox,
    services: Services,
    admins: Admins,
) -> None:
    members = await make_members(client, services)
    confirmation = await send_poll(admins.english, services, f"{QUESTION} | Yes | No")
    poll_id = newest_poll_id(confirmation[-1]["text"])
    polls = [await poll_message(member) for member in members]
    assert all(QUESTION in m["poll"]["question"] for m in polls)
    assert all(not m["poll"]["is_anonymous"] for m in polls)
    assert polls[0]["poll"]["question"].startswith("🔒")  # the segmented-poll notice
    # 12 answer Yes and 8 No; the first changes to No, the last retracts.
    for index, (member, message) in enumerate(zip(members, polls, strict=True)):
        await client.vote(member.id, message["poll"]["id"], [0 if index < 12 else 1])
    await wait_for_respondents(services, poll_id, 20)
    await client.vote(members[0].id, polls[0]["poll"]["id"], [1])
    await client.vote(members[-1].id, polls[-1]["poll"]["id"], [])
    await wait_for_respondents(services, poll_id, 19)
    # The same answer again is no change; a redelivered update is counted once.
    again = [services.polls.record_answer(10**9, polls[5]["poll"]["id"], members[5].id, [0])]
    again.append(services.polls.record_answer(10**9, polls[5]["poll"]["id"], members[5].id, [1]))
    assert (await again[0]).outcome is Outcome.UNCHANGED
    assert (await again[1]).outcome is Outcome.DUPLICATE

    listing = await admins.english.send("/results")
    replies = await admins.english.choose(listing[-1], f"v1:pres:{poll_id}", expect=3)
    text = next(m["text"] for m in replies if "text" in m)
    # 19 of 20 recipients; 20 is shown as the band 20-24, so the rate is a range.
    assert "Respondents: 19" in text and "Response rate: 79%–95% of 20–24 recipients" in text
    assert "Yes: 11 (57.9%)" in text and "No: 8 (42.1%)" in text
    riyadh = next(line for line in text.splitlines() if "Riyadh" in line)
    assert "suppressed" in riyadh  # four members: a small group
    photo = next(m for m in replies if "photo" in m)
    png = sandbox.state.files[photo["photo"]["file_id"]].content
    assert png.startswith(b"\x89PNG")
    document = next(m for m in replies if "document" in m)
    rows = read_csv(sandbox, document)
    assert ["total", "", "", "0", "Yes", "11", "57.9"] in rows
    assert not any(str(member.id) in cell for row in rows for cell in row for member in members)


def read_csv(sandbox: Sandbox, message: dict[str, Any]) -> list[list[str]]:
    content = sandbox.state.files[message["document"]["file_id"]].content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


async def test_arabic_poll_reaches_arabic_members_in_arabic(
    bot: App,
    client: SandboxClient,
    sandbox: Sandbox,
    services: Services,
    admins: Admins,
) -> None:
    members = await make_members(client, services)
    arabic = [m for m in members if m.user["language_code"] == "ar"]
    confirmation = await send_poll(admins.arabic, services, f"{ARABIC_QUESTION} | نعم | لا")
    assert confirmation
    message = await poll_message(arabic[0])
    assert message["poll"]["question"].endswith(ARABIC_QUESTION)
    assert [option["text"] for option in message["poll"]["options"]] == ["نعم", "لا"]
    await client.vote(arabic[0].id, message["poll"]["id"], [0])
    poll_id = (await services.polls.recent(OPERATOR, 1))[0][0].id
    await wait_for_respondents(services, poll_id, 1)
    (withheld,) = await admins.arabic.send(f"/results {poll_id}")  # one answer: no figure
    tr = services.languages.translator("ar")
    assert tr.gettext("Respondents: %(count)s").split("%")[0] not in withheld["text"]
    for member in arabic[1:]:
        await client.vote(member.id, (await poll_message(member))["poll"]["id"], [1])
    await wait_for_respondents(services, poll_id, len(arabic))
    replies = await admins.arabic.send(f"/results {poll_id}", expect=3)
    assert any("photo" in m for m in replies)
    assert any("document" in m for m in replies)


async def test_answers_after_closing_are_ignored(
    bot: App,
    client: SandboxClient,
    services: Services,
    admins: Admins,
) -> None:
    members = (await make_members(client, services))[:2]
    await send_poll(admins.english, services, f"{QUESTION} | Yes | No")
    polls = [await poll_message(member) for member in members]
    poll_id = (await services.polls.recent(OPERATOR, 1))[0][0].id
    await client.vote(members[0].id, polls[0]["poll"]["id"], [0])
    await wait_for_respondents(services, poll_id, 1)
    await admins.english.send(f"/closepoll {poll_id}")
    # The poll itself may reach the admin first: wait for the answer to /closepoll.
    await admins.english.wait_for_text(f"Poll {poll_id} is closed")
    late = await services.polls.record_answer(10**9 + 1, polls[1]["poll"]["id"], members[1].id, [1])
    # Closing erased every link to the recipients' Telegram polls: the answer is traced to
    # nothing, and nothing is counted.
    assert late.outcome is Outcome.UNKNOWN_POLL


@pytest.mark.parametrize("approval", ["two-person"])
async def test_two_person_approval_holds_a_poll_until_an_admin_approves(
    bot: App, client: SandboxClient, services: Services, admins: Admins
) -> None:
    editor = await ChatUser.create(client, "Editor", "en")
    await admins.english.send(f"/staff add {editor.id} editor dubai")
    members = await make_members(client, services)
    dubai = [m for m in members if m.user["language_code"] != "fil"]  # riyadh's are fil
    before = len(await admins.english.bot_messages())

    (confirmation,) = await send_poll(editor, services, f"{QUESTION} | Yes | No")
    assert "approval" in confirmation["text"]
    poll_id = newest_poll_id(confirmation["text"])
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    broadcast = await services.broadcasts.get(broadcast_id, OPERATOR)
    assert broadcast.status.value == "pending_approval" and broadcast.kind == "poll"
    assert await send_due(services) == []  # nothing goes out before approval
    assert not any("poll" in m for m in await dubai[0].bot_messages())

    data = f"v1:bcapp:approve:{broadcast_id}"
    request = await approval_request(admins.english, data)
    # The view takes a message per direction (English, then Arabic), the buttons on the last.
    shown = "\n".join(m["text"] for m in (await admins.english.bot_messages())[before:])
    assert QUESTION in shown and "• Yes" in shown  # what is approved
    dubai_office = services.deployment.consulate("dubai")
    assert dubai_office is not None and dubai_office.name_in("en") in shown
    await admins.english.choose(request, data)
    assert (await services.broadcasts.get(broadcast_id, OPERATOR)).status.value == "scheduled"
    assert len(await send_due(services)) == 1
    polls = [await poll_message(member) for member in dubai]
    assert all(QUESTION in m["poll"]["question"] for m in polls)
    for member, message in zip(dubai[:3], polls, strict=False):
        await client.vote(member.id, message["poll"]["id"], [0])
    await wait_for_respondents(services, poll_id, 3)
    report = await services.polls.report(poll_id, "en", OPERATOR)
    # Riyadh was outside the remit; the recipients are shown as a band.
    assert report.results.tally.recipients == Disclosure(5).band(len(dubai))
    assert not any("poll" in m for m in await members[-1].bot_messages())


@pytest.mark.parametrize("approval", ["two-person"])
async def test_a_quick_poll_closes_24_hours_after_it_is_approved_and_sent(
    bot: App, client: SandboxClient, sandbox: Sandbox, services: Services, admins: Admins
) -> None:
    editor = await ChatUser.create(client, "Editor", "en")
    await admins.english.send(f"/staff add {editor.id} editor dubai")
    member = (await make_members(client, services))[0]
    written = datetime.now(UTC)
    (confirmation,) = await editor.send(f"/poll {QUESTION} | Yes | No")
    assert "24 hours after it is sent" in confirmation["text"]
    poll_id = newest_poll_id(confirmation["text"])
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    data = f"v1:bcapp:approve:{broadcast_id}"
    await admins.english.choose(await approval_request(admins.english, data), data)
    # Approved, and so sent, three hours after it was written.
    sent = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    assert len(await services.broadcasts.sweep(sent)) == 1
    closes = sent + timedelta(hours=24)
    stored = await services.polls.repository.get(poll_id)
    assert stored is not None and stored.closes_at is not None
    assert datetime.fromisoformat(stored.closes_at) == closes
    message = await poll_message(member)
    assert sandbox.state.polls[message["poll"]["id"]].close_date == int(closes.timestamp())
    # A day after it was written it is still open: the day counts from sending.
    assert await close_due_polls(bot.bot, services, written + timedelta(hours=24, minutes=1)) == []


async def wait_for_sent_polls(services: Services, count: int) -> None:
    for _ in range(250):
        row = await services.database.fetch_one(
            "SELECT COUNT(*) FROM delivery_outbox WHERE poll_id IS NOT NULL AND status = 'sent'"
        )
        if row is not None and row[0] >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} polls were recorded as sent")


async def test_a_poll_closes_at_its_closing_time_and_shares_the_results(
    bot: App, client: SandboxClient, sandbox: Sandbox, services: Services, admins: Admins
) -> None:
    members = (await make_members(client, services))[:3]  # English speakers in Dubai
    now = datetime.now(UTC)
    draft = quick_draft(f"{QUESTION} | Yes | No", "en", Audience.of(), admins.english.id, now)
    author = await as_staff(services, admins.english.id)
    created = await services.polls.create(replace(draft, share_results=True), author, now)
    await send_due(services)
    polls = [await poll_message(member) for member in members]
    for member, message in zip(members[:2], polls, strict=False):
        await client.vote(member.id, message["poll"]["id"], [1])
    await wait_for_respondents(services, created.poll_id, 2)
    # The engine writes sent messages back in batches; closing stops the polls it recorded.
    await wait_for_sent_polls(services, len(members))

    assert await close_due_polls(bot.bot, services, now + timedelta(hours=23)) == []
    sent = await services.polls.repository.get(created.poll_id)
    assert sent is not None and sent.closes_at is not None  # fixed when it was sent
    closes_at = datetime.fromisoformat(sent.closes_at) + timedelta(seconds=1)
    assert await close_due_polls(bot.bot, services, closes_at) == [created.poll_id]
    stored = await services.polls.repository.get(created.poll_id)
    assert stored is not None and stored.status == "closed"
    assert all(sandbox.state.polls[m["poll"]["id"]].is_closed for m in polls)
    # Two answered: each could read the other's answer from the totals, so none are shown.
    for member in members[:2]:
        thanks = (await member.bot_messages())[-1]
        assert "Thank you for answering" in thanks["text"] and "No:" not in thanks["text"]
        assert "Fewer than 5 people have answered" in thanks["text"]
    links = await services.database.fetch_all(
        "SELECT * FROM poll_votes WHERE poll_id = ?", (created.poll_id,)
    )
    assert links == []  # closing unlinked every answer
    assert "poll" in (await members[2].bot_messages())[-1]  # did not answer: no results
    assert await close_due_polls(bot.bot, services, closes_at) == []  # once only
    late = await services.polls.record_answer(10**9 + 2, polls[2]["poll"]["id"], members[2].id, [0])
    assert late.outcome is Outcome.UNKNOWN_POLL


@pytest.mark.parametrize("command", ["/poll Q? | A | B", "/results", "/closepoll 1"])
async def test_poll_commands_refused_to_non_staff(
    bot: App, client: SandboxClient, services: Services, command: str
) -> None:
    outsider = await ChatUser.create(client, "Someone", "en")
    replies = await outsider.send(command)
    assert replies[-1]["text"] == "This is only for consular staff."
    assert await services.polls.recent(OPERATOR) == []


@pytest.mark.parametrize(
    ("admin", "question", "topic"),
    [
        ("english", "Do you currently hold a valid residence permit?", "immigration or residence"),
        ("arabic", "هل لديك إقامة سارية؟", "وضع الهجرة أو الإقامة"),
    ],
)
async def test_a_quick_poll_about_a_sensitive_topic_is_refused(
    bot: App, services: Services, admins: Admins, admin: str, question: str, topic: str
) -> None:
    staff = getattr(admins, admin)
    (refusal,) = await staff.send(f"/poll {question} | Yes | No")
    assert topic in refusal["text"]
    assert await services.polls.recent(OPERATOR) == []
    assert await services.broadcasts.recent(OPERATOR) == []
