"""The country typed at registration, as members really type it (issue 15, item 4): with
invisible marks a keyboard or a copy-paste put in, as an abbreviation or a common name, or the
home country by mistake."""

from __future__ import annotations

import pytest

from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.e2e.test_registration import start_and_consent

REG = "v1:reg"
REGION_QUESTION = "Which region are you originally from?"


async def at_the_country_question(client: SandboxClient, situation: str) -> ChatUser:
    user = await ChatUser.create(client, "Typist", "en")
    question = await start_and_consent(user)
    await user.choose(question, f"{REG}:type:{situation}")
    return user


def buttons(message: Message) -> list[str]:
    return [b["callback_data"] for row in message.get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize("typed", ["\u200fSpain", "Spa\u200bin\u200e", "\u2068Spain\u2069"])
async def test_a_country_typed_with_invisible_marks_is_found(
    bot: App, client: SandboxClient, typed: str
) -> None:
    user = await at_the_country_question(client, "abroad")
    (question,) = await user.send(typed)
    assert REGION_QUESTION in question["text"], question["text"]


@pytest.mark.parametrize("typed", ["UK", "England", "Scotland", "Wales", "Great Britain"])
async def test_common_names_of_the_united_kingdom_go_straight_on(
    bot: App, client: SandboxClient, typed: str
) -> None:
    user = await at_the_country_question(client, "abroad")
    (question,) = await user.send(typed)
    assert REGION_QUESTION in question["text"], question["text"]
    assert f"{REG}:country:UA" not in buttons(question)


@pytest.mark.parametrize(
    ("situation", "expected"),
    [("abroad", "I have returned home"), ("leaving", "the country you are going to")],
)
async def test_the_home_country_is_explained_not_said_missing(
    bot: App, client: SandboxClient, services: Services, situation: str, expected: str
) -> None:
    user = await at_the_country_question(client, situation)
    (answer,) = await user.send("Philippines")
    assert "I could not find" not in answer["text"]
    assert "Philippines" in answer["text"] and expected in answer["text"]
    assert f"{REG}:back" in buttons(answer)  # the question is asked again, with its buttons
