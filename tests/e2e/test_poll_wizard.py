"""The /poll staff wizard end to end in the sandbox: an admin builds a segmented,
multiple-choice poll in English with a French translation, closing in 3 days; members in
English and French get their language's poll and a vote is counted. Problems are refused with
the field named and asked again; Cancel stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.deployment import Deployment, load_deployment
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT, Settings
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.chat import ChatUser, Message
from tests.auxil.database import settings_env
from tests.broadcasts.builders import add_member
from tests.e2e.test_polls import poll_message, send_due, wait_for_respondents

QUESTION = "Which services should open on Saturdays?"
OPTIONS = ["Passports", "Civil registry", "Legal aid"]
FR_QUESTION = "Quels services devraient ouvrir le samedi ?"
FR_OPTIONS = ["Passeports", "État civil", "Aide juridique"]


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    """The sample deployment with approval 'none', so the poll is scheduled at once."""
    text = SAMPLE_DEPLOYMENT.read_text(encoding="utf-8")
    copy = tmp_path / "deployment.toml"
    copy.write_text(text.replace('approval = "two-person"', 'approval = "none"'), "utf-8")
    return load_deployment(copy)


@pytest.fixture
async def admin(client: SandboxClient) -> ChatUser:
    return await ChatUser.create(client, "Staff", "en")


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None, admin: ChatUser) -> Settings:
    return Settings.from_env(
        {**settings_env(tmp_path, database_url), "BOT_ADMIN_IDS": str(admin.id)}
    )


async def member(client: SandboxClient, services: Services, language: str) -> ChatUser:
    user = await ChatUser.create(client, f"Member {language}", language)
    await add_member(
        services.database, user.id, language=language, consulate_id="dubai", country="AE"
    )
    return user


async def start_wizard(admin: ChatUser) -> Message:
    """/poll, segmented, multiple choice: the question prompt."""
    (question,) = await admin.send("/poll")
    (question,) = await admin.choose(question, "v1:pw:mode:segmented")
    (question,) = await admin.choose(question, "v1:pw:choice:multiple")
    return question


async def test_admin_builds_a_translated_poll_members_vote_in_their_language(
    bot: App, client: SandboxClient, services: Services, admin: ChatUser
) -> None:
    english, french = await member(client, services, "en"), await member(client, services, "fr")
    for _ in range(4):  # a poll needs at least k = 5 recipients
        await member(client, services, "en")
    await start_wizard(admin)
    await admin.send(QUESTION)
    await admin.send("\n".join(OPTIONS[:2]))
    refused, again = await admin.send("x" * 101)
    assert "options[3].en" in refused["text"] and "101" in refused["text"]
    assert "100" in refused["text"]
    assert "v1:pw:done" in str(again["inline_keyboard"])  # asked again, two options kept
    (prompt,) = await admin.send(OPTIONS[2])
    (languages,) = await admin.choose(prompt, "v1:pw:done")

    (question,) = await admin.choose(languages, "v1:pw:lang:fr")
    assert "Français" in question["text"]
    await admin.send(FR_QUESTION)
    refused, _ = await admin.send("\n".join([*FR_OPTIONS, "Autre"]))
    assert "options.fr" in refused["text"] and "4" in refused["text"]
    (languages,) = await admin.send("\n".join(FR_OPTIONS))
    (audience,) = await admin.choose(languages, "v1:pw:langs")
    (closing,) = await admin.choose(audience, "v1:pw:aud:all")
    (summary,) = await admin.choose(closing, "v1:pw:close:3d")
    assert "[fr]" in summary["text"] and FR_OPTIONS[2] in summary["text"]
    assert "English: 5–9 recipients" in summary["text"]  # five members: a band, never "5"
    assert "Français: fewer than 5 recipients" in summary["text"]  # one member: never "1"

    # The bot's sweep may start the poll at once, and its progress message come with the reply.
    replies = await admin.choose(summary, "v1:pw:submit")
    assert any("being sent now" in reply.get("text", "") for reply in replies)
    poll, _ = (await services.polls.recent(OPERATOR, 1))[0]
    assert poll.mode == "segmented" and poll.allows_multiple
    expected_close = datetime.now(UTC) + timedelta(days=3)
    assert poll.closes_at is not None
    closes_at = datetime.fromisoformat(poll.closes_at)
    assert abs((closes_at - expected_close).total_seconds()) < 60
    await send_due(services)

    sent_en, sent_fr = await poll_message(english), await poll_message(french)
    assert sent_en["poll"]["question"].startswith("🔒")  # the segmented notice
    assert sent_en["poll"]["question"].endswith(QUESTION)
    assert sent_fr["poll"]["question"].startswith("🔒")
    assert sent_fr["poll"]["question"].endswith(FR_QUESTION)
    assert [o["text"] for o in sent_fr["poll"]["options"]] == FR_OPTIONS
    assert [o["text"] for o in sent_en["poll"]["options"]] == OPTIONS
    assert sent_fr["poll"]["allows_multiple_answers"]
    await client.vote(french.id, sent_fr["poll"]["id"], [0, 2])
    await wait_for_respondents(services, poll.id, 1)
    assert await services.polls.repository.vote_totals(poll.id) == {0: 1, 2: 1}


async def test_cancel_leaves_no_poll(
    bot: App, client: SandboxClient, services: Services, admin: ChatUser
) -> None:
    for _ in range(5):
        await member(client, services, "en")
    await start_wizard(admin)
    await admin.send(QUESTION)
    (prompt,) = await admin.send("\n".join(OPTIONS))
    (discarded,) = await admin.choose(prompt, "v1:pw:quit")
    assert "discarded" in discarded["text"]
    assert await services.polls.recent(OPERATOR) == []
    replies = await admin.send("/poll Q? | A | B")  # the quick form still works
    assert "Poll " in replies[-1]["text"]


@pytest.mark.parametrize("count", [1, 3])
async def test_the_summary_shows_fewer_than_k_never_the_count(
    bot: App, client: SandboxClient, services: Services, admin: ChatUser, count: int
) -> None:
    for _ in range(count):
        await member(client, services, "en")
    await start_wizard(admin)
    await admin.send(QUESTION)
    (prompt,) = await admin.send("\n".join(OPTIONS))
    (languages,) = await admin.choose(prompt, "v1:pw:done")
    (audience,) = await admin.choose(languages, "v1:pw:langs")
    (closing,) = await admin.choose(audience, "v1:pw:aud:all")
    (summary,) = await admin.choose(closing, "v1:pw:close:24h")
    lines = summary["text"].splitlines()
    assert "English: fewer than 5 recipients" in lines
    assert "Total: fewer than 5, of whom 0 get the English text as a fallback" in lines
    assert not any(f": {count} recipients" in line or f"Total: {count}" in line for line in lines)


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Do you currently hold a valid residence permit?"),
        ("es", "¿Tiene usted papeles?"),
        ("fr", "Avez-vous un titre de séjour ?"),
    ],
)
async def test_a_question_about_a_sensitive_topic_is_refused_in_the_wizard(
    bot: App, client: SandboxClient, services: Services, language: str, question: str
) -> None:
    staff = await ChatUser.create(client, "Staff member", language)
    await services.staff.ensure_admins({staff.id})
    (prompt,) = await staff.send("/poll")
    (prompt,) = await staff.choose(prompt, "v1:pw:mode:anonymous")
    (prompt,) = await staff.choose(prompt, "v1:pw:choice:single")
    refused, again = await staff.send(question, expect=2)
    topic = {
        "en": "immigration or residence status",
        "es": "falta de documentos o papeles",
        "fr": "statut migratoire ou de séjour",
    }
    assert topic[language] in refused["text"]
    assert "v1:pw:back" in str(again["inline_keyboard"])  # asked for the question again
    assert await services.polls.recent(OPERATOR) == []
