"""Registration end to end through the sandbox: consent first, every step, in several
languages; restart mid-conversation; /mydata equals the database; /delete erases; bad input
is explained and asked again; no answer is stored before confirm (consent itself: see
test_registration_consent.py)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.i18n import RIGHT_TO_LEFT_MARK, Translator
from bot.services import Services
from bot.settings import Settings
from bot.storage.database import Database
from handlers.context import App
from handlers.registration import questions
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.running import Restarts

REG = "v1:reg"


async def read_one(settings: Settings, sql: str) -> tuple[object, ...] | None:
    """One row as committed, read by a connection of the test's own (the bot is stopped)."""
    database = await Database.open(settings.database, create=False)
    try:
        row = await database.fetch_one(sql)
    finally:
        await database.close()
    return None if row is None else tuple(row)


def tr_for(services: Services, language: str) -> Translator:
    return services.languages.translator(language)


async def member_rows(services: Services) -> list[dict[str, object]]:
    return [dict(r) for r in await services.database.fetch_all("SELECT * FROM members")]


async def start_and_consent(user: ChatUser) -> Message:
    _welcome, consent = await user.send("/start")
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    return question


# Country typed in the member's own language.
TYPED = {
    "en": "united kingdom",
    "ar": "المملكة المتحدة",
    "pt": "reino unido",
    "fil": "united kingdom",
}


@pytest.mark.parametrize("language", ["en", "ar", "pt", "fil"])
async def test_full_registration_in_the_members_language(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    tr = tr_for(services, language)
    user = await ChatUser.create(client, f"Member {language}", language)
    _welcome, consent = await user.send("/start")
    expected, _ = questions.consent(tr, services.deployment)
    assert consent["raw_text"] == tr.direction(expected)
    if language == "ar":
        assert consent["text"].startswith(RIGHT_TO_LEFT_MARK)
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    assert question["text"].endswith(tr.gettext("Which describes you best?"))
    (consented,) = await member_rows(services)  # the consent, and no answer yet
    assert consented["status"] == "visitor" and consented["member_type"] is None

    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send(TYPED[language])  # typed in the member's language: one match
    assert (
        tr.gettext("Which region are you originally from? You can skip this.") in question["text"]
    )
    (question,) = await user.choose(question, f"{REG}:region:ncr")
    (question,) = await user.choose(question, f"{REG}:occ:professionals")
    (question,) = await user.choose(question, f"{REG}:int:investment")
    (question,) = await user.choose(question, f"{REG}:int:consular")
    ticked = [
        b["text"] for row in question.get("inline_keyboard", []) for b in row if "✅" in b["text"]
    ]
    assert len(ticked) == 2, question
    (question,) = await user.choose(question, f"{REG}:done")
    (question,) = await user.send("1988")
    (summary,) = await user.choose(question, f"{REG}:gender:undisclosed")
    assert tr.country("GB") in summary["text"]
    assert (
        tr.gettext("<b>Please check your answers</b>").replace("<b>", "").replace("</b>", "")
        in summary["text"]
    )
    assert await member_rows(services) == [consented]  # no answer stored until confirm

    done = await user.choose(summary, f"{REG}:confirm")
    office = services.deployment.consulate("london")
    assert office is not None and any(office.name_in(language) in m["text"] for m in done)
    assert any("v1:reg:profile" in json.dumps(m.get("inline_keyboard", [])) for m in done)
    (row,) = await member_rows(services)
    assert row["status"] == "registered" and row["language"] == language
    assert (row["member_type"], row["country"], row["consulate_id"]) == ("abroad", "GB", "london")
    assert (row["region_id"], row["occupation_group"]) == ("ncr", "professionals")
    assert (row["birth_year"], row["gender"]) == (1988, "undisclosed")
    assert row["consent_version"] == consented["consent_version"] and row["consent_at"]
    interests = await services.database.fetch_all(
        "SELECT interest FROM member_interests WHERE member_id = ? ORDER BY interest", (row["id"],)
    )
    assert [r[0] for r in interests] == ["consular", "investment"]
    # The conversation is over and its draft gone.
    assert await services.database.fetch_all("SELECT * FROM conversation_user_data") == []


async def register_quickly(user: ChatUser, country: str = "spain") -> Message:
    """Consent, member type, a typed country, then Skip through every optional step."""
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send(country)
    return await skip_to_summary(user, question)


async def skip_to_summary(user: ChatUser, question: Message) -> Message:
    while f"{REG}:confirm" not in json.dumps(question.get("inline_keyboard", [])):
        (question,) = await user.choose(question, f"{REG}:skip")
    return question


async def test_mydata_equals_the_database_and_delete_erases(
    bot: App, client: SandboxClient, services: Services, sandbox: Sandbox
) -> None:
    user = await ChatUser.create(client, "Rights", "es")
    summary = await register_quickly(user)
    await user.choose(summary, f"{REG}:confirm")
    (document,) = await user.send("/mydata")
    async with httpx.AsyncClient() as http:
        exported = (await http.get(sandbox.url + document["document"]["url"])).json()
    (row,) = await member_rows(services)
    assert exported["tables"]["members"] == [row]
    assert exported["tables"]["member_interests"] == []
    assert row["country"] == "ES" and row["consulate_id"] == "madrid"

    (confirm,) = await user.send("/delete")
    (done,) = await user.choose(confirm, "v1:delete:yes")
    assert done["text"] == tr_for(services, "es").gettext(
        "Your data has been deleted. If you want to register again, send /start."
    )
    for table in ("members", "member_interests", "conversation_user_data", "conversation_states"):
        assert await services.database.fetch_all(f"SELECT * FROM {table}") == [], table
    (nothing,) = await user.send("/mydata")
    assert nothing["text"] == tr_for(services, "es").gettext("We hold no data about you.")


async def test_several_consulates_offer_a_choice_and_none_serving_offers_all(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Gulf", "en")
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send("saudi")
    datas = [b["callback_data"] for row in question["inline_keyboard"] for b in row]
    assert f"{REG}:consulate:riyadh" in datas and f"{REG}:consulate:jeddah" in datas
    assert f"{REG}:consulate:london" not in datas
    forged = await user.press_data(question["message_id"], f"{REG}:consulate:london", forge=True)
    assert forged
    await asyncio.sleep(0.2)
    (question,) = await user.choose(question, f"{REG}:consulate:jeddah")
    assert (
        tr_for(services, "en").gettext("Which region are you originally from? You can skip this.")
        in question["text"]
    )

    other = await ChatUser.create(client, "Far", "en")
    question = await start_and_consent(other)
    (question,) = await other.choose(question, f"{REG}:type:abroad")
    (question,) = await other.send("japan")
    datas = [b["callback_data"] for row in question["inline_keyboard"] for b in row]
    assert {f"{REG}:consulate:{c.id}" for c in services.deployment.consulates} <= set(datas)


async def test_preparing_to_leave_asks_the_destination_and_date(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Leaving", "fr")
    tr = tr_for(services, "fr")
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:leaving")
    assert question["text"].startswith(
        tr.gettext("Which country are you going to? Type its name, or part of it, or choose below.")
    )
    (question,) = await user.send("émirats")
    (question,) = await user.send("31/02/2027")  # no such day
    assert question["text"].startswith(
        tr.gettext("I could not read that date. Please type it like %(example)s.").split("%")[0]
    )
    (question,) = await user.send("01/01/2020")
    assert question["text"].startswith(
        tr.gettext("That date has already passed. Please type a future date, or press Skip.")
    )
    (question,) = await user.send("15/03/2027")
    assert (
        tr.gettext("Which region are you originally from? You can skip this.") in question["text"]
    )
    question = await skip_to_summary(user, question)
    assert "15 mars 2027" in question["text"]
    await user.choose(question, f"{REG}:confirm")
    (row,) = await member_rows(services)
    assert (row["member_type"], row["country"], row["departure_date"], row["consulate_id"]) == (
        "leaving",
        "AE",
        "2027-03-15",
        "dubai",
    )


async def test_profile_changes_one_answer(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Changer", "en")
    summary = await register_quickly(user, "canada")
    await user.choose(summary, f"{REG}:confirm")
    (summary,) = await user.send("/profile")
    (question,) = await user.choose(summary, f"{REG}:edit:12")  # gender
    (summary,) = await user.choose(question, f"{REG}:gender:female")
    saved, _menu = await user.choose(summary, f"{REG}:confirm")
    assert saved["text"] == "Your changes are saved."
    (row,) = await member_rows(services)
    assert (row["gender"], row["country"], row["consulate_id"]) == ("female", "CA", "toronto")


BAD_INPUTS = [
    "\u200b\u200b",
    "x" * 4096,
    "https://evil.example/phish",
    "<script>alert(1)</script>",
    "'; DROP TABLE members; --",
    "\u202eevil\u202c",
    "🙂🙂🙂",
    "12345",
    "@someone",
]


async def test_bad_typed_answers_are_explained_and_asked_again(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Typist", "en")
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:leaving")
    for text in ["zzzzqqq", "x" * 300]:
        (answer,) = await user.send(text)
        assert "I could not find a country" in answer["text"]
    (question,) = await user.send("canada")
    for text in ["tomorrow-ish", "2020-01-01", "2099-01-01", *BAD_INPUTS[:3]]:
        (answer,) = await user.send(text)
        assert answer["text"].endswith(question["text"]) and answer["text"] != question["text"], (
            text
        )
    (question,) = await user.choose(question, f"{REG}:skip")  # departure
    for text in BAD_INPUTS:  # a question with buttons: typing is explained, then asked again
        (answer,) = await user.send(text)
        assert answer["text"].endswith(question["text"]) and answer["text"] != question["text"], (
            text
        )
    (question,) = await user.choose(question, f"{REG}:skip")  # region
    (question,) = await user.choose(question, f"{REG}:skip")  # occupation
    (question,) = await user.choose(question, f"{REG}:done")  # interests
    for text in ["1850", "2025", "nineteen ninety", "19900", "99"]:
        (answer,) = await user.send(text)
        assert answer["text"].endswith(question["text"]) and answer["text"] != question["text"], (
            text
        )
    (consented,) = await member_rows(services)
    assert consented["status"] == "visitor" and consented["birth_year"] is None


async def first_run(restarts: Restarts, client: SandboxClient, language: str) -> ChatUser:
    """Start the bot for the first time and make a user to talk to it."""
    await restarts.start()
    return await ChatUser.create(client, "Patient", language)


async def test_restart_mid_conversation_resumes_where_the_member_was(
    restarts: Restarts, client: SandboxClient, settings: Settings
) -> None:
    user = await first_run(restarts, client, "pt")
    question = await start_and_consent(user)
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (question,) = await user.send("portugal")
    (region_question,) = await user.choose(question, f"{REG}:region:bicol")
    await restarts.stop()
    await restarts.start()
    # The member presses a button on the question they had before the restart.
    (question,) = await user.choose(region_question, f"{REG}:occ:students")
    (question,) = await user.choose(question, f"{REG}:done")
    summary = await skip_to_summary(user, question)
    assert "Bicol" in summary["text"]
    await user.choose(summary, f"{REG}:confirm")
    await restarts.stop()
    row = await read_one(
        settings, "SELECT country, region_id, occupation_group, consulate_id, status FROM members"
    )
    assert row == ("PT", "bicol", "students", "madrid", "registered")


async def test_before_consent_a_restart_forgets_the_person_and_the_consent_still_works(
    restarts: Restarts, client: SandboxClient, settings: Settings
) -> None:
    user = await first_run(restarts, client, "en")
    (menu,) = await user.send("/language")
    await user.press(menu, "Français")
    _welcome, consent = await user.send("/start")
    await restarts.stop()
    assert await read_one(settings, "SELECT count(*) FROM members") == (0,)
    await restarts.start()
    # The consent screen holds no state: "I agree" on it works after the restart. The
    # language chosen before was in memory only: the person's Telegram language is used.
    (question,) = await user.choose(consent, f"{REG}:consent:yes")
    assert question["text"].endswith("Which describes you best?")
