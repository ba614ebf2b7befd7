"""Update delivery: long polling, allowed_updates, webhooks, and the user side's actions."""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from sandbox import Sandbox, SandboxClient, SandboxClientError


async def test_long_polling_offset_and_timeout(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9
    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await client.send(user["id"], "/start@diaspora_sandbox_bot hello")
    updates = await waiting
    assert time.monotonic() - started < 1.0
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start@diaspora_sandbox_bot hello"
    assert message.entities[0].type == "bot_command"
    assert CommandHandler("start", lambda u, c: None).check_update(updates[0])
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    await client.send(user["id"], "second")
    newer = await bot.get_updates(offset=updates[0].update_id + 1, limit=10, timeout=0)
    assert [u.message.text for u in newer if u.message] == ["second"]
    assert await bot.get_updates(offset=newer[-1].update_id + 1, timeout=0) == ()


async def test_allowed_updates_filter_and_are_remembered(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await bot.send_message(user["id"], "Press", reply_markup=keyboard)
    assert await bot.get_updates(allowed_updates=["callback_query"], timeout=0) == ()
    await client.send(user["id"], "ignored")
    await client.press(user["id"], sent.message_id, "go")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1 and updates[0].callback_query is not None
    query = updates[0].callback_query
    assert query.data == "go" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Thanks") is True
    state = await client.chat_state(user["id"])
    assert next(iter(state["callback_answers"].values()))["text"] == "Thanks"
    with pytest.raises(BadRequest):
        await query.answer("twice")


async def test_press_real_and_forged(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="ok")]])
    sent = await bot.send_message(user["id"], "Press", reply_markup=keyboard)
    with pytest.raises(SandboxClientError) as refused:
        await client.press(user["id"], sent.message_id, "admin:delete_all")
    assert refused.value.status_code == 400
    forged = await client.press(user["id"], sent.message_id, "admin:delete_all", forge=True)
    assert forged["callback_query"]["data"] == "admin:delete_all"
    real = await client.press(user["id"], sent.message_id, "ok")
    updates = await bot.get_updates(timeout=0)
    assert [u.callback_query.data for u in updates if u.callback_query] == [
        "admin:delete_all",
        "ok",
    ]
    assert real["update_id"] == updates[-1].update_id


async def test_votes_non_anonymous(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    other = await client.create_user("Omar", "ar")
    message = await bot.send_poll(
        user["id"], "Which consulate?", ["Paris", "Lyon", "Nice"], is_anonymous=False
    )
    assert message.poll is not None
    assert message.poll.options[0].persistent_id
    poll_id = message.poll.id
    with pytest.raises(SandboxClientError):
        await client.vote(other["id"], poll_id, [0])
    await client.vote(user["id"], poll_id, [1])
    await client.vote(user["id"], poll_id, [2])
    await client.vote(user["id"], poll_id, [])
    with pytest.raises(SandboxClientError):
        await client.vote(user["id"], poll_id, [0, 1])
    updates = await bot.get_updates(timeout=0)
    answers = [u.poll_answer for u in updates if u.poll_answer]
    assert [a.option_ids for a in answers] == [(1,), (2,), ()]
    assert answers[0].user is not None and answers[0].user.id == user["id"]
    assert answers[0].option_persistent_ids == (message.poll.options[1].persistent_id,)
    polls = [u.poll for u in updates if u.poll]
    assert [p.options[1].voter_count for p in polls] == [1, 0, 0]
    assert polls[1].total_voter_count == 1 and polls[2].total_voter_count == 0
    stopped = await bot.stop_poll(user["id"], message.message_id)
    assert stopped.is_closed
    with pytest.raises(SandboxClientError, match="closed"):
        await client.vote(user["id"], poll_id, [0])
    with pytest.raises(BadRequest):
        await bot.stop_poll(user["id"], message.message_id)


async def test_votes_anonymous_yield_only_poll_updates(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    message = await bot.send_poll(
        user["id"], "Pick", ["a", "b", "c"], allows_multiple_answers=True, open_period=60
    )
    assert message.poll is not None and message.poll.is_anonymous
    await client.vote(user["id"], message.poll.id, [0, 2])
    updates = await bot.get_updates(timeout=0)
    assert all(u.poll_answer is None for u in updates)
    assert updates[-1].poll is not None
    assert [o.voter_count for o in updates[-1].poll.options] == [1, 0, 1]
    view = (await client.chat(user["id"]))[0]
    assert view["poll"]["my_option_ids"] == [0, 2]


async def test_contact(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    await client.contact(user["id"], "+33123456789")
    await client.contact(user["id"])
    updates = await bot.get_updates(timeout=0)
    contacts = [u.message.contact for u in updates if u.message and u.message.contact]
    assert contacts[0].phone_number == "+33123456789"
    assert contacts[0].user_id == user["id"]
    assert contacts[1].phone_number == user["phone_number"]


async def test_wait_for_bot_message(bot: Bot, client: SandboxClient, user: dict[str, Any]) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(user["id"], "<b>later</b>", parse_mode="HTML")

    task = asyncio.create_task(reply_later())
    message = await client.wait_for_bot_message(user["id"], 0, timeout=5)
    await task
    assert message["text"] == "later" and message["sender"] == "bot"
    assert message["raw_text"] == "<b>later</b>"
    with pytest.raises(TimeoutError):
        await client.wait_for_bot_message(user["id"], message["message_id"], timeout=0.3)


class Receiver:
    """A local webhook endpoint that fails the first ``failures`` deliveries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.attempts = 0
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, await request.json()))
        if len(self.received) >= 2:
            self.arrived.set()
        return web.Response(text="ok")


async def test_webhook_delivery_and_conflict(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    receiver = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await client.send(user["id"], "before")
        assert await bot.set_webhook(
            f"http://127.0.0.1:{port}/hook", secret_token="s3cret", drop_pending_updates=True
        )
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        await client.send(user["id"], "one")
        await client.send(user["id"], "two")
        await asyncio.wait_for(receiver.arrived.wait(), 5)
        assert [secret for secret, _ in receiver.received] == ["s3cret", "s3cret"]
        texts = [Update.de_json(body, bot).message.text for _, body in receiver.received]  # type: ignore[union-attr]
        assert texts == ["one", "two"]
        assert receiver.attempts == 4
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None
        assert await bot.delete_webhook()
        await client.send(user["id"], "polled")
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["polled"]
    finally:
        await runner.cleanup()


async def test_application_long_polling(sandbox: Sandbox, client: SandboxClient) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Welcome {update.effective_user.first_name}")  # type: ignore[union-attr]

    application = (
        Application.builder().token(sandbox.token).base_url(sandbox.bot_api_base_url).build()
    )
    application.add_handler(CommandHandler("start", start))
    person = await client.create_user("Maria", "pt")
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        sent = await client.send(person["id"], "/start")
        reply = await client.wait_for_bot_message(person["id"], sent["message_id"], timeout=5)
        await application.updater.stop()
        await application.stop()
    assert reply["text"] == "Welcome Maria"


async def test_chat_version_long_poll_and_rtl_user(
    bot: Bot, client: SandboxClient, sandbox: Sandbox
) -> None:
    person = await client.create_user("ليلى", "ar", username="layla")
    assert person["language_code"] == "ar" and person["username"] == "layla"
    sent = await bot.send_message(person["id"], "مرحبا <b>Layla</b>", parse_mode="HTML")
    state = await client.chat_state(person["id"])
    version = state["version"]

    async def edit_later() -> None:
        await asyncio.sleep(0.2)
        await bot.edit_message_text("تم", person["id"], sent.message_id)

    task = asyncio.create_task(edit_later())
    started = time.monotonic()
    response = await client._http.get(
        f"/sandbox/api/users/{person['id']}/chat", params={"version": version, "wait": 5}
    )
    await task
    assert time.monotonic() - started < 2
    body = response.json()
    assert body["version"] > version
    assert body["messages"][0]["text"] == "تم" and body["messages"][0]["edited"]
    assert sandbox.state.users[person["id"]].language_code == "ar"


async def test_an_image_attached_is_a_photo_and_a_file_a_document_the_bot_downloads(
    bot: Bot, client: SandboxClient, user: dict[str, Any]
) -> None:
    # The start of a 40x30 PNG: as much as the sandbox reads of an image.
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 40, 30) + b"\x08\x02"
    await client.attach(user["id"], png, "poster.png", "image/png", caption="Our poster")
    await client.attach(user["id"], b"name,count\nYes,5\n", "results.csv", "text/csv")
    photo_update, document_update = await bot.get_updates(timeout=0)
    assert photo_update.message is not None and document_update.message is not None
    photo = photo_update.message.photo[-1]
    assert (photo.width, photo.height) == (40, 30)
    assert photo_update.message.caption == "Our poster"
    assert bytes(await (await bot.get_file(photo.file_id)).download_as_bytearray()) == png
    document = document_update.message.document
    assert document is not None
    assert (document.file_name, document.mime_type) == ("results.csv", "text/csv")
    downloaded = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"name,count\nYes,5\n"
    with pytest.raises(SandboxClientError, match="the file is empty"):
        await client.attach(user["id"], b"", "empty.txt", "text/plain")
    await client.block(user["id"])
    with pytest.raises(SandboxClientError, match="blocked"):
        await client.attach(user["id"], png, "poster.png", "image/png")


async def test_a_reset_gives_the_world_a_new_id(sandbox: Sandbox, client: SandboxClient) -> None:
    """The web chat compares it to the one it loaded with, to notice a reset or a restart."""
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        before = (await http.get("/sandbox/api/info")).json()["world_id"]
        assert (await http.get("/sandbox/api/info")).json()["world_id"] == before
        await client.reset()
        assert (await http.get("/sandbox/api/info")).json()["world_id"] != before
