"""Every language through the sandbox, as the member's client receives it: the deployment's
names (government, regions, consulates) in the member's language, falling back to the default
name without a word about it; and Arabic laid out right to left, with commands, numbers, dates
and Latin names kept upright by Unicode isolates, dates and times written by babel, and the
Back arrow pointing the way the language reads."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import pytest
from babel import dates

from bot.deployment import Deployment, load_deployment
from bot.i18n import (
    FIRST_STRONG_ISOLATE,
    LEFT_TO_RIGHT_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
    RIGHT_TO_LEFT_MARK,
)
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT, Settings
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message, button_labels
from tests.auxil.ecb import OfflineEcb
from tests.auxil.members import add_member
from tests.auxil.running import start_bot

REG = "v1:reg"
COMMAND = re.compile(r"(?<![\w/<])/[a-z]+")


def commands_in(text: str) -> list[str]:
    return COMMAND.findall(text)


def upright(command: str) -> str:
    return f"{LEFT_TO_RIGHT_ISOLATE}{command}{POP_DIRECTIONAL_ISOLATE}"


async def register_to_summary(
    user: ChatUser, country: str, region: str
) -> tuple[Message, Message, Message]:
    """/start, consent, living abroad in ``country`` (typed), ``region``, then Skip to the
    summary; return the welcome, the consent text and the summary as first shown."""
    welcome, consent = await user.send("/start", expect=2)
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send(country)
    (question,) = await user.choose(question, f"{REG}:region:{region}")
    while f"{REG}:confirm" not in str(question.get("inline_keyboard", [])):
        (question,) = await user.choose(question, f"{REG}:skip")
    return welcome, consent, question


# --- right to left ------------------------------------------------------------------------------


async def test_commands_in_arabic_reach_the_member_as_left_to_right_isolates(
    bot: App, client: SandboxClient
) -> None:
    """ "/mydata" inside Arabic read "mydata/": every command the member receives is wrapped."""
    user = await ChatUser.create(client, "ليلى", "ar")
    (help_,) = await user.send("/help")
    welcome, consent = await user.send("/start", expect=2)
    for message in (help_, welcome, consent):
        assert message["text"].startswith(RIGHT_TO_LEFT_MARK)
    assert upright("/mydata") in help_["text"] and upright("/delete") in consent["text"]
    for message in (help_, consent):
        shown = commands_in(message["text"])
        assert len(shown) >= 3, message["text"]
        for command in shown:
            assert upright(command) in message["text"], command


async def test_the_back_button_points_the_way_the_language_reads(
    bot: App, client: SandboxClient, services: Services
) -> None:
    for language, arrow in (("ar", "➡️"), ("en", "⬅️"), ("fr", "⬅️")):
        user = await ChatUser.create(client, f"Reader {language}", language)
        (menu,) = await user.send("/predeparture")
        topic = services.guidance[language].topics[0]
        (page,) = await user.choose(menu, f"{PD}:t:{topic.id}")
        (back,) = [label for label in button_labels(page) if label.endswith(back_word(language))]
        assert back.startswith(arrow), back
        (checklist,) = await user.choose(page, PD)
        (checklist,) = await user.choose(checklist, f"{PD}:c")
        assert button_labels(checklist)[-1].startswith(arrow)
        _welcome, consent = await user.send("/start", expect=2)
        (question,) = await user.choose(consent, f"{REG}:consent:yes")
        (question,) = await user.choose(question, f"{REG}:type:abroad")
        assert button_labels(question)[-2].startswith(arrow)  # Back, then Cancel


PD = "v1:pd"


def back_word(language: str) -> str:
    return {"ar": "رجوع", "en": "Back", "fr": "Retour"}[language]


async def test_an_arabic_consulate_card_writes_hours_by_babel_and_keeps_numbers_upright(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "سلمى", "ar")
    await add_member(services, user.id, language="ar", country="AE", consulate_id="dubai")
    (card,) = await user.send("/consulate")
    office = services.deployment.consulate("dubai")
    assert office is not None
    text = card["text"]
    assert office.name_in("ar") in text and office.name not in text
    assert "08:00" not in text  # babel's Arabic times ("8:00 ص"), not strftime's
    hours = dates.format_interval(time(8), time(16), "hm", locale="ar")
    assert f"{FIRST_STRONG_ISOLATE}{hours}{POP_DIRECTIONAL_ISOLATE}" in text
    for value in (office.phone, office.emergency_phone, office.address):
        assert f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}" in text, value


async def test_an_arabic_summary_isolates_every_answer(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "مريم", "ar")
    *_, summary = await register_to_summary(user, "المملكة المتحدة", "ncr")
    office, region = services.deployment.consulate("london"), services.deployment.region("ncr")
    assert office is not None and region is not None
    for name in (office.name_in("ar"), region.name_in("ar")):
        assert f"{FIRST_STRONG_ISOLATE}{name}{POP_DIRECTIONAL_ISOLATE}" in summary["text"]


# --- the deployment's names -------------------------------------------------------------------


async def test_a_french_member_reads_every_name_of_the_deployment_in_french(
    bot: App, client: SandboxClient, services: Services
) -> None:
    deployment = services.deployment
    user = await ChatUser.create(client, "Amélie", "fr")
    welcome, consent, summary = await register_to_summary(user, "royaume-uni", "ncr")
    office, region = deployment.consulate("london"), deployment.region("ncr")
    assert office is not None and region is not None
    english = {deployment.government, office.name, region.name}
    chat = "\n".join(m["text"] for m in (welcome, consent, summary))
    assert not [name for name in english if name in chat], chat
    assert deployment.government_in("fr") in welcome["text"]
    assert deployment.government_in("fr") in consent["text"]
    assert office.name_in("fr") in summary["text"] and region.name_in("fr") in summary["text"]


@pytest.fixture
async def french_missing(tmp_path: Path, settings: Settings) -> AsyncIterator[Services]:
    """The sample without French names for the government and the first two regions."""
    text = re.sub(r'fr = "[^"]*", ', "", SAMPLE_DEPLOYMENT.read_text(), count=3)
    path = tmp_path / "deployment.toml"
    path.write_text(text)
    deployment: Deployment = load_deployment(path)
    opened = await Services.open(settings, deployment, http_client=OfflineEcb().client())
    yield opened
    await opened.close()


async def test_a_name_missing_in_the_members_language_falls_back_without_a_word(
    sandbox: Sandbox, client: SandboxClient, settings: Settings, french_missing: Services
) -> None:
    running = await start_bot(french_missing, sandbox, settings)
    try:
        deployment = french_missing.deployment
        user = await ChatUser.create(client, "Amélie", "fr")
        welcome, consent, summary = await register_to_summary(user, "royaume-uni", "ncr")
    finally:
        await running.stop()
    region = deployment.region("ncr")
    assert region is not None and region.name_in("fr") == region.name
    tr = french_missing.languages.translator("fr")
    assert f"{tr.gettext('Region of origin')}: {region.name}" in summary["text"]
    assert deployment.government in welcome["text"] and deployment.government in consent["text"]
    office = deployment.consulate("london")
    assert office is not None and office.name_in("fr") in summary["text"]  # still French
    for message in (welcome, consent, summary):
        words = set(re.findall(r"\w+", message["text"].lower()))
        assert not words & {"names", "fr", "missing", "translation", "traduction"}, message
