"""First contact through the sandbox: /start, /help, /language, block and unblock, in several
languages, and the answers to things the bot does not understand."""

from __future__ import annotations

import asyncio

from bot.i18n import RIGHT_TO_LEFT_MARK
from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser, button_labels
from tests.auxil.members import add_member


async def test_start_greets_in_the_users_telegram_language(
    bot: App, client: SandboxClient, services: Services
) -> None:
    expectations = {
        "en": "Welcome!",
        "fr": "Bienvenue\u202f!",
        "pt-BR": "Bem-vindo!",
        "es": "¡Bienvenido!",
        "fil": "Maligayang pagdating!",
        "ar": "مرحبًا بك!",
        "de": "Welcome!",  # not enabled: the deployment's default
    }
    users = {lang: await ChatUser.create(client, f"User {lang}", lang) for lang in expectations}
    # Seven people at once: the replies keep to the bot's rate, so wait for both messages.
    replies = await asyncio.gather(*(users[lang].send("/start", expect=2) for lang in expectations))
    for lang, reply in zip(expectations, replies, strict=True):
        greeting, consent = reply  # a visitor: the greeting, then what registering means
        assert expectations[lang] in greeting["text"], lang
        government = services.deployment.government_in(services.languages.negotiate(lang))
        assert government in greeting["text"], lang
        assert len(button_labels(consent)) == 3  # I agree, No thanks, Read the full notice
    arabic = replies[list(expectations).index("ar")]
    assert all(message["text"].startswith(RIGHT_TO_LEFT_MARK) for message in arabic)


async def test_start_stores_nothing_about_a_visitor(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Visitor", "en")
    await user.send("/start")
    await user.send("/help")
    assert await services.database.fetch_all("SELECT * FROM members") == []


async def test_help_lists_the_commands_in_the_users_language(
    bot: App, client: SandboxClient
) -> None:
    user = await ChatUser.create(client, "Amélie", "fr")
    (reply,) = await user.send("/help")
    assert "Ce que vous pouvez faire ici" in reply["text"]
    assert "/language - Changer de langue" in reply["text"]
    assert "statut migratoire" in reply["text"]


async def test_language_switch_is_remembered(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Maria", "pt-BR")
    await add_member(services, user.id, language="pt")  # a member: stored in their row
    (menu,) = await user.send("/language")
    assert menu["text"] == "Escolha seu idioma:"
    assert {"English", "Français", "Español", "Português", "العربية", "Filipino"} <= set(
        button_labels(menu)
    )
    (confirmation,) = await user.press(menu, "العربية")
    assert confirmation["message_id"] == menu["message_id"]  # the menu is replaced, not repeated
    assert confirmation["text"] == RIGHT_TO_LEFT_MARK + "سأجيبك من الآن فصاعدًا باللغة العربية."
    (greeting,) = await user.send("/start")
    assert "مرحبًا بك!" in greeting["text"]
    row = await services.database.fetch_one(
        "SELECT language FROM members WHERE telegram_user_id = ?", (user.id,)
    )
    assert row is not None and row["language"] == "ar"


async def test_language_reached_from_the_main_menu(bot: App, client: SandboxClient) -> None:
    user = await ChatUser.create(client, "Ana", "es")
    (greeting,) = await user.send("hola")  # free text: a hint and the main menu
    (menu,) = await user.press(greeting, "Idioma")
    assert menu["text"] == "Elija su idioma:"
    (done,) = await user.press(menu, "Français")
    assert done["text"] == "Je vous répondrai désormais en Français."


async def test_block_and_unblock_are_recorded(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Jo", "en")
    await add_member(services, user.id)

    async def reachable() -> bool:
        row = await services.database.fetch_one(
            "SELECT reachable FROM members WHERE telegram_user_id = ?", (user.id,)
        )
        assert row is not None
        return bool(row["reachable"])

    async def wait_until(expected: bool) -> None:
        for _ in range(200):
            if await reachable() is expected:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"reachable never became {expected}")

    await client.block(user.id)
    await wait_until(False)
    await client.unblock(user.id)
    await wait_until(True)


async def test_stranger_blocking_the_bot_leaves_no_row(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Stranger", "en")
    await user.send("/start")
    await client.block(user.id)
    await client.unblock(user.id)
    await user.send("/start")  # processed after the two my_chat_member updates
    assert await services.database.fetch_all("SELECT * FROM members") == []


async def test_unknown_command_and_text_get_a_hint(bot: App, client: SandboxClient) -> None:
    user = await ChatUser.create(client, "Juan", "es")
    (reply,) = await user.send("/frobnicate")
    assert reply["text"] == "No conozco ese comando. Envíe /help para ver lo que puedo hacer."
    (reply,) = await user.send("hola")
    assert reply["text"].startswith("No lo he entendido.")


async def test_forged_and_stale_buttons_are_refused(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await ChatUser.create(client, "Mallory", "en")
    (menu,) = await user.send("/language")
    for data in ("v1:lang:xx", "v1:lang:en:extra", "v0:lang:en", "garbage", "v1:menu:../../etc"):
        await user.press_data(menu["message_id"], data, forge=True)
    await asyncio.sleep(0.3)
    answers = (await user.state())["callback_answers"]
    alerts = [a for a in answers.values() if a.get("show_alert")]
    assert len(alerts) >= 4
    assert all("no longer valid" in a["text"] for a in alerts)
    assert await services.database.fetch_all("SELECT * FROM members") == []
