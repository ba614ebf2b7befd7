"""A crash loses no step a member has seen answered (issue 15, item 2): the bot killed right
after its reply (tests/auxil/crash.py) comes back where that reply left the member. A press
the bot cannot act on any more, after a restart, shows the current question again."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.crash import kill_point
from tests.auxil.running import Restarts
from tests.e2e.test_registration import skip_to_summary, start_and_consent

REG = "v1:reg"


async def member_at_the_region_question(
    restarts: Restarts, client: SandboxClient
) -> tuple[ChatUser, Message, Message]:
    """A member who typed their country; the country question (with its buttons) and the
    region question it led to."""
    await restarts.start()
    user = await ChatUser.create(client, "Unlucky", "en")
    question = await start_and_consent(user)
    (country_question,) = await user.choose(question, f"{REG}:type:abroad")
    (region_question,) = await user.send("portugal")
    return user, country_question, region_question


async def test_a_kill_right_after_a_pressed_answer_keeps_that_answer(
    restarts: Restarts, client: SandboxClient, sandbox: Sandbox, settings: Settings
) -> None:
    user, _country, question = await member_at_the_region_question(restarts, client)
    with kill_point(sandbox, Path(settings.db_path), user.id) as point:
        (occupation_question,) = await user.choose(question, f"{REG}:region:bicol")
    await restarts.crash(point)
    await restarts.start()
    (question,) = await user.choose(occupation_question, f"{REG}:occ:students")
    assert "What would you like to hear about?" in question["text"]
    summary = await skip_to_summary(user, question)
    assert "Bicol" in summary["text"] and "Students" in summary["text"]


async def test_a_kill_right_after_a_typed_answer_keeps_that_answer(
    restarts: Restarts, client: SandboxClient, sandbox: Sandbox, settings: Settings
) -> None:
    await restarts.start()
    user = await ChatUser.create(client, "Typist", "en")
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    with kill_point(sandbox, Path(settings.db_path), user.id) as point:
        (region_question,) = await user.send("portugal")
    await restarts.crash(point)
    await restarts.start()
    (question,) = await user.choose(region_question, f"{REG}:region:bicol")
    summary = await skip_to_summary(user, question)
    assert "Portugal" in summary["text"] and "Bicol" in summary["text"]


async def test_a_kill_right_after_confirming_leaves_the_registration_finished(
    restarts: Restarts, client: SandboxClient, sandbox: Sandbox, settings: Settings
) -> None:
    user, _country, question = await member_at_the_region_question(restarts, client)
    summary = await skip_to_summary(user, question)
    with kill_point(sandbox, Path(settings.db_path), user.id) as point:
        await user.choose(summary, f"{REG}:confirm")
    await restarts.crash(point)
    await restarts.start()
    (hint,) = await user.send("hello")
    assert "Please choose one of the buttons" not in hint["text"]
    assert "Please check your answers" not in hint["text"]


async def test_a_press_on_an_earlier_question_after_a_restart_shows_the_current_one(
    restarts: Restarts, client: SandboxClient
) -> None:
    user, country_question, question = await member_at_the_region_question(restarts, client)
    (occupation_question,) = await user.choose(question, f"{REG}:region:bicol")
    await restarts.stop()
    await restarts.start()
    (again,) = await user.choose(country_question, f"{REG}:country:ES")
    assert again["text"].endswith(occupation_question["text"])
    (question,) = await user.choose(again, f"{REG}:occ:students")
    assert "What would you like to hear about?" in question["text"]
