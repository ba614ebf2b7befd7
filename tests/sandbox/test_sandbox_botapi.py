"""The Bot API emulator, driven by python-telegram-bot so every answer is parsed by it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken

from sandbox import DEFAULT_TOKEN, Sandbox, SandboxClient

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == int(DEFAULT_TOKEN.split(":")[0])
    assert me.username == "diaspora_sandbox_bot"
    assert me.is_bot


async def test_wrong_token_is_unauthorized(sandbox: Sandbox, raw: Any) -> None:
    status, body = await raw("getMe", token="1000000001:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(InvalidToken):
        async with Bot("1:nope", base_url=sandbox.bot_api_base_url):
            pass


async def test_unknown_method_is_not_found(raw: Any) -> None:
    status, body = await raw("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_get_request_and_form_body(sandbox: Sandbox, user: dict[str, Any]) -> None:
    base = f"{sandbox.bot_api_base_url}{sandbox.token}"
    async with httpx.AsyncClient() as http:
        got = (await http.get(f"{base}/getMe")).json()
        form = await http.post(
            f"{base}/sendMessage",
            data={
                "chat_id": str(user["id"]),
                "text": "hi",
                "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
            },
        )
    assert got["result"]["username"] == "diaspora_sandbox_bot"
    result = form.json()["result"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_send_message_html_keyboard(bot: Bot, user: dict[str, Any]) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="yes")],
            [InlineKeyboardButton("Site", url="https://example.org/")],
        ]
    )
    first = await bot.send_message(
        user["id"],
        "<b>Hello</b> <i>world</i> &amp; <a href='https://example.org'>link</a>",
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        allow_paid_broadcast=True,
    )
    second = await bot.send_message(user["id"], "again")
    assert first.text == "Hello world & link"
    assert [e.type for e in first.entities] == ["bold", "italic", "text_link"]
    assert first.entities[2].url == "https://example.org"
    assert first.from_user is not None and first.from_user.id == bot.id
    assert first.chat.type == "private" and first.chat.id == user["id"]
    assert first.reply_markup == markup
    assert second.message_id == first.message_id + 1


async def test_markdown_v2(bot: Bot, user: dict[str, Any], raw: Any) -> None:
    sent = await bot.send_message(user["id"], "*bold* and \\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "bold and ."
    assert sent.entities[0].type == "bold"
    status, body = await raw("sendMessage", chat_id=user["id"], text="1.", parse_mode="MarkdownV2")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: Character '.'")


async def test_reply_keyboards_in_chat_view(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Share my phone", request_contact=True)], ["Help"]],
        one_time_keyboard=True,
    )
    await bot.send_message(user["id"], "Share?", reply_markup=keyboard)
    state = await client.chat_state(user["id"])
    assert state["reply_keyboard"]["keyboard"][0][0]["request_contact"] is True
    await bot.send_message(user["id"], "removed", reply_markup=ReplyKeyboardRemove())
    assert (await client.chat_state(user["id"]))["reply_keyboard"] is None


BAD_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
    ("sendMessage", {"chat_id": 42, "text": "x"}, "Bad Request: chat not found"),
    ("sendMessage", {"chat_id": "USER", "text": ""}, "Bad Request: message text is empty"),
    ("sendMessage", {"chat_id": "USER", "text": "x" * 4097}, "Bad Request: message is too long"),
    (
        "sendMessage",
        {"chat_id": "USER", "text": "<b>open", "parse_mode": "HTML"},
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    ),
    (
        "sendMessage",
        {"chat_id": "USER", "text": "<blink>x</blink>", "parse_mode": "HTML"},
        'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0',
    ),
    (
        "sendMessage",
        {
            "chat_id": "USER",
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
        },
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "sendPoll",
        {"chat_id": "USER", "question": "Q", "options": ["only"]},
        "Bad Request: poll must have at least 2 option",
    ),
    (
        "sendPoll",
        {"chat_id": "USER", "question": "Q", "options": [str(i) for i in range(13)]},
        "Bad Request: poll can't have more than 12 options",
    ),
    (
        "sendPoll",
        {"chat_id": "USER", "question": "Q", "options": ["a", "b" * 101]},
        "Bad Request: poll options length must not exceed 100",
    ),
    (
        "sendPoll",
        {"chat_id": "USER", "question": "Q" * 301, "options": ["a", "b"]},
        "Bad Request: poll question length must not exceed 300",
    ),
    (
        "editMessageText",
        {"chat_id": "USER", "message_id": 999, "text": "x"},
        "Bad Request: message to edit not found",
    ),
]


@pytest.mark.parametrize(("method", "params", "description"), BAD_REQUESTS)
async def test_bad_requests(
    raw: Any,
    sandbox: Sandbox,
    user: dict[str, Any],
    method: str,
    params: dict[str, Any],
    description: str,
) -> None:
    params = {k: user["id"] if v == "USER" else v for k, v in params.items()}
    status, body = await raw(method, **params)
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": description}
    assert sandbox.state.chats[user["id"]] == []


async def test_bad_request_raises_in_ptb(bot: Bot, user: dict[str, Any]) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(123, "x")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            user["id"],
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", callback_data="é" * 33)]]
            ),
        )


async def test_edit_and_delete(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(user["id"], "v1", reply_markup=keyboard)
    edited = await bot.edit_message_text("v2", user["id"], sent.message_id, reply_markup=keyboard)
    assert not isinstance(edited, bool)
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", user["id"], sent.message_id, reply_markup=keyboard)
    other = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="b")]])
    again = await bot.edit_message_reply_markup(user["id"], sent.message_id, reply_markup=other)
    assert not isinstance(again, bool) and again.reply_markup == other
    view = (await client.chat(user["id"]))[0]
    assert view["edited"] is True and view["text"] == "v2"
    assert view["inline_keyboard"][0][0]["callback_data"] == "b"
    assert await bot.delete_message(user["id"], sent.message_id) is True
    assert await client.chat(user["id"]) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user["id"], sent.message_id)


async def test_not_modified_wording(raw: Any, user: dict[str, Any]) -> None:
    _, sent = await raw("sendMessage", chat_id=user["id"], text="same")
    message_id = sent["result"]["message_id"]
    status, body = await raw(
        "editMessageText", chat_id=user["id"], message_id=message_id, text="same"
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)


async def test_commands_menu_and_get_chat(bot: Bot, user: dict[str, Any]) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("start", "Commencer")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="fr",
    )
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    french = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert [c.description for c in french] == ["Commencer"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands()) is True
    chat = await bot.get_chat(user["id"])
    assert chat.first_name == "Amina" and chat.type == "private"
    assert await bot.send_chat_action(user["id"], "typing") is True
    assert await bot.close() is True
    assert await bot.log_out() is True


async def test_block_gives_403_and_my_chat_member(
    bot: Bot, client: SandboxClient, user: dict[str, Any], raw: Any
) -> None:
    await client.block(user["id"])
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(user["id"], "hello?")
    status, body = await raw("sendMessage", chat_id=user["id"], text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    await client.unblock(user["id"])
    await bot.send_message(user["id"], "welcome back")
    updates = await bot.get_updates()
    kinds = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
        if u.my_chat_member
    ]
    assert kinds == [("member", "kicked"), ("kicked", "member")]
    assert updates[0].my_chat_member.from_user.id == user["id"]
    assert [m["text"] for m in await client.chat(user["id"])] == ["welcome back"]
    stats = await client.stats()
    assert stats["forbidden"] == 2


async def test_photo_and_document(
    bot: Bot, client: SandboxClient, sandbox: Sandbox, user: dict[str, Any]
) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    photo_message = await bot.send_photo(user["id"], png, caption="<b>map</b>", parse_mode="HTML")
    photo = photo_message.photo[-1]
    assert (photo.width, photo.height) == (2, 3)
    assert photo_message.caption == "map"
    doc_message = await bot.send_document(user["id"], b"%PDF-1.4 data", filename="guide.pdf")
    assert doc_message.document is not None and doc_message.document.file_name == "guide.pdf"
    telegram_file = await bot.get_file(doc_message.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 data"
    again = await bot.send_photo(user["id"], photo.file_id)
    assert again.photo[-1].file_id == photo.file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(user["id"], "no-such-file-id")
    views = await client.chat(user["id"])
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        served = await http.get(views[0]["photo"]["url"])
        doc = await http.get(views[1]["document"]["url"])
    assert served.content == png
    assert doc.content == b"%PDF-1.4 data"
    assert views[0]["raw_text"] == "<b>map</b>" and views[0]["parse_mode"] == "HTML"


async def test_many_sends_concurrently(bot: Bot, client: SandboxClient) -> None:
    users = [await client.create_user(f"U{i}", "en") for i in range(5)]
    sent = await asyncio.gather(*(bot.send_message(u["id"], "hi") for u in users))
    assert {m.chat.id for m in sent} == {u["id"] for u in users}
