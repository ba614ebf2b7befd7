"""/profile and the other features: a command that starts another feature leaves the profile,
so what the member types next reaches that feature (issue 15, item 1). Unsaved changes are
kept as a draft, the member is told so, and /profile brings them back."""

from __future__ import annotations

from bot.services import Services
from handlers.context import App
from handlers.registration import SESSION
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.members import add_member

REG = "v1:reg"
ATTRIBUTION = "Source: World Bank, Remittance Prices Worldwide"


async def registered(client: SandboxClient, services: Services, name: str) -> ChatUser:
    user = await ChatUser.create(client, name, "en")
    await add_member(services, user.id, country="GB", consulate_id="london")
    return user


def joined(messages: list[dict[str, object]]) -> str:
    return "\n\n".join(str(m["text"]) for m in messages)


async def test_remit_after_an_untouched_profile_answers_the_amount(
    bot: App, client: SandboxClient, services: Services
) -> None:
    tr = services.languages.translator("en")
    user = await registered(client, services, "Curious")
    await user.send("/profile")
    (ask,) = await user.send("/remit")
    assert ask["text"].startswith("How much do you want to send?")
    text = joined(await user.send("150"))
    assert tr.gettext("Please choose one of the buttons.") not in text
    assert ATTRIBUTION in text and "MoneyGram" in text
    assert SESSION not in bot.user_data.get(user.id, {})  # nothing changed: nothing kept


async def test_unsaved_profile_changes_are_kept_and_offered_again(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await registered(client, services, "Changer")
    (summary,) = await user.send("/profile")
    (question,) = await user.choose(summary, f"{REG}:edit:12")  # gender
    await user.choose(question, f"{REG}:gender:female")
    notice, ask = await user.send("/remit", expect=2)
    assert "not saved" in notice["text"] and "/profile" in notice["text"]
    assert ask["text"].startswith("How much do you want to send?")
    assert "MoneyGram" in joined(await user.send("150"))

    (summary,) = await user.send("/profile")
    assert "not saved" in summary["text"] and "Gender: Woman" in summary["text"]
    saved, _menu = await user.choose(summary, f"{REG}:confirm")
    assert saved["text"] == "Your changes are saved."
    row = await services.database.fetch_one(
        "SELECT gender FROM members WHERE telegram_user_id = ?", (user.id,)
    )
    assert row is not None and row["gender"] == "female"


async def test_other_commands_leave_the_profile_and_typing_is_no_longer_its_answer(
    bot: App, client: SandboxClient, services: Services
) -> None:
    tr = services.languages.translator("en")
    user = await registered(client, services, "Wanderer")
    await user.send("/profile")
    (help_,) = await user.send("/help")
    assert "What you can do here" in help_["text"]
    (hint,) = await user.send("hello")
    assert tr.gettext("Please choose one of the buttons.") not in hint["text"]


async def test_a_registration_in_progress_keeps_its_question_across_other_commands(
    bot: App, client: SandboxClient, services: Services
) -> None:
    """Before confirming, the conversation stays: what the member types next still answers
    the question they were at."""
    user = await ChatUser.create(client, "Newcomer", "en")
    _welcome, consent = await user.send("/start")
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    await user.send("/help")
    (question,) = await user.send("canada")
    assert "Which region are you originally from?" in question["text"]


async def test_a_button_of_the_left_summary_shows_the_kept_changes(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await registered(client, services, "Returning")
    (summary,) = await user.send("/profile")
    (question,) = await user.choose(summary, f"{REG}:edit:12")
    (summary,) = await user.choose(question, f"{REG}:gender:male")
    await user.send("/consulate")
    (again,) = await user.choose(summary, f"{REG}:confirm")  # on the summary left behind
    assert "not saved" in again["text"] and "Gender: Man" in again["text"]
