"""Nothing before consent: until a person presses "I agree", no row anywhere in the database
names them (their Telegram id is in no table, no column, no JSON key), whatever they do:
/start, "No, thanks", choosing a language. "I agree" records the consent; from then on their
registration is kept (and resumes after a restart); withdrawing leaves nothing again."""

from __future__ import annotations

import html
import re

from bot.registration.consent import CONSENT_VERSION, KEPT
from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.members import rows_naming

REG = "v1:reg"


def plain(text: str) -> str:
    """A translated text as the member reads it (tags gone, entities decoded, without the
    invisible direction marks laid around commands and values)."""
    return re.sub("[\u200e\u200f\u2066-\u2069]", "", html.unescape(re.sub(r"<[^>]+>", "", text)))


async def settled(user: ChatUser) -> None:
    """Wait until the bot has finished everything the user's earlier updates started (their
    updates are handled in order, writes included): ask for /help and wait for it."""
    await user.send("/help")


async def consent_screen(user: ChatUser) -> Message:
    _welcome, consent = await user.send("/start")
    return consent


async def test_start_alone_leaves_nothing_that_names_the_person(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Stranger", "en")
    await consent_screen(user)
    await settled(user)
    assert await rows_naming(services.database, user.id) == []


async def test_no_thanks_leaves_nothing_in_the_database_or_in_memory(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Careful", "fr")
    (menu,) = await user.send("/language")
    await user.press(menu, "Español")
    (answer,) = await user.choose(await consent_screen(user), f"{REG}:consent:no")
    assert answer["text"] == services.languages.translator("es").gettext(
        "Understood. Nothing about you has been kept. If you change your mind, send /start."
    )
    await settled(user)
    assert await rows_naming(services.database, user.id) == []
    assert not bot.user_data.get(user.id)  # the language chosen before is forgotten too


async def test_a_language_chosen_before_registering_is_used_but_not_stored(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Polyglot", "en")
    (menu,) = await user.send("/language")
    (done,) = await user.press(menu, "Français")
    assert done["text"] == "Je vous répondrai désormais en Français."
    greeting, _consent = await user.send("/start")
    assert "Bienvenue\u202f!" in greeting["text"]
    await settled(user)
    assert await rows_naming(services.database, user.id) == []


async def test_i_agree_records_the_consent_and_the_language(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Willing", "en")
    (menu,) = await user.send("/language")
    await user.press(menu, "Português")
    (question,) = await user.choose(await consent_screen(user), f"{REG}:consent:yes")
    await user.choose(question, f"{REG}:type:abroad")
    row = await services.database.fetch_one(
        "SELECT * FROM members WHERE telegram_user_id = ?", (user.id,)
    )
    assert row is not None
    assert (row["status"], row["language"], row["consent_version"]) == (
        "visitor",
        "pt",
        CONSENT_VERSION,
    )
    assert row["consent_at"] and row["registered_at"] is None
    tables = {table for table, _column in await rows_naming(services.database, user.id)}
    assert tables == {"members", "conversation_states", "conversation_user_data"}


async def test_cancelling_after_agreeing_leaves_nothing(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Second thoughts", "en")
    (question,) = await user.choose(await consent_screen(user), f"{REG}:consent:yes")
    (question,) = await user.choose(question, f"{REG}:type:abroad")
    (answer,) = await user.choose(question, f"{REG}:cancel")
    assert answer["text"] == (
        "Registration cancelled. Nothing was saved. Send /start if you change your mind."
    )
    await settled(user)
    assert await rows_naming(services.database, user.id) == []


#: The consent screen a newcomer reads first, in characters: about what a phone shows at once
#: (the full notice is some 2,300 in English, 3,000 in Filipino).
SHORT_NOTICE = 800


async def test_the_first_screen_is_short_and_the_full_notice_is_one_tap_away(
    bot: App, client: SandboxClient, services: Services
) -> None:
    for language in services.languages.enabled:
        tr = services.languages.translator(language)
        user = await ChatUser.create(client, f"Newcomer {language}", language)
        _welcome, consent = await user.send("/start")
        assert len(consent["text"]) <= SHORT_NOTICE, (language, len(consent["text"]))
        # Short, and still honest: nothing kept before agreeing, never for immigration
        # control, the member's rights.
        for promise in ("/mydata", "/delete", "/profile"):
            assert promise in consent["text"], (language, promise)
        immigration = tr.gettext(
            "<b>Never for immigration enforcement:</b> we never ask about your immigration or "
            "legal status, and nothing you share here is used for immigration control."
        )
        assert immigration.split("</b>")[1].strip() in consent["text"], language

        (full,) = await user.choose(consent, f"{REG}:consent:full")
        for kept in KEPT:
            assert plain(tr.gettext(kept.notice)) in plain(full["text"]), language
        (question,) = await user.choose(full, f"{REG}:consent:yes")  # agree from the notice
        assert question["text"].endswith(tr.gettext("Which describes you best?")), language
    consented = await services.database.fetch_all("SELECT status FROM members")
    assert [row[0] for row in consented] == ["visitor"] * len(services.languages.enabled)
