"""The web chat in a real headless Chromium: a new user registers on a phone-sized screen in
every enabled language; switching to Arabic lays the replies out right to left; "Start chat"
sends /start; the chat follows new messages and says when some arrive below; every touch
target is a finger wide; the user selector reads whole; a file attached reaches the bot; and a
restarted sandbox is said so, with a new user starting afresh (never an old member's id).
In Arabic, commands such as /mydata are still drawn "/mydata" (not "mydata/")."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from telegram import ReplyKeyboardMarkup

from bot.services import Services
from handlers.context import App
from polls.chart import bars_for, results_chart
from sandbox import Sandbox
from sandbox.state import FIRST_USER_ID
from tests.auxil.process import BotProcess, free_port
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PHONE

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]


# Where the browser drew the "/" and the "m" of the first "/mydata" in an element: in an Arabic
# line a bare "/mydata" is drawn "mydata/", the slash on the right.
SLASH_AND_M = """el => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf("/mydata");
    if (at < 0) continue;
    const box = (offset) => { const r = document.createRange();
      r.setStart(node, offset); r.setEnd(node, offset + 1); return r.getBoundingClientRect(); };
    return { text: node.data, slash: box(at).left, m: box(at + 1).left };
  }
  return null;
}"""


@pytest.fixture
async def page(chromium: Browser) -> AsyncIterator[object]:
    """A page on a phone-sized window."""
    context = await chromium.new_context(viewport=PHONE)
    yield await context.new_page()
    await context.close()


async def test_arabic_reply_is_right_to_left(
    bot: App, sandbox: Sandbox, page: object, tmp_path: Path
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await page.fill("#new-user-name", "Layla")
    await page.select_option("#new-user-language", "en")
    await page.click("#create-user")  # sends /start, as Telegram's Start button does
    await expect(page.locator(".bubble.bot").first).to_contain_text("Welcome!", timeout=5000)

    await page.fill("#message-input", "/language")
    await page.click("#send-button")
    await page.locator(".inline-keyboard button", has_text="العربية").click()
    reply = page.locator(".bubble.bot", has_text="سأجيبك")
    await expect(reply).to_be_visible(timeout=5000)
    assert await reply.evaluate("el => getComputedStyle(el).direction") == "rtl"

    await page.fill("#message-input", "/help")
    await page.click("#send-button")
    greeting = page.locator(".bubble.bot", has_text="ما يمكنك فعله هنا")
    await expect(greeting).to_be_visible(timeout=5000)
    assert await greeting.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Right to left means the text starts at the right edge of the bubble.
    box = await greeting.bounding_box()
    first_line = await greeting.evaluate(
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   const rects = [...r.getClientRects()]; return rects[0].right; }"""
    )
    assert box is not None and first_line > box["x"] + box["width"] * 0.6
    # The help lists the commands: each still reads "/mydata" inside the Arabic.
    assert await greeting.get_attribute("dir") in ("auto", "rtl")
    drawn = await greeting.evaluate(SLASH_AND_M)
    assert drawn is not None
    assert drawn["slash"] < drawn["m"], drawn  # drawn "/mydata", the slash on the left
    assert "\u2066/mydata\u2069" in drawn["text"]  # a left-to-right isolate in the DOM
    await page.screenshot(path=str(tmp_path / "webchat-arabic.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "fil", "ar", "es", "fr", "pt"])
async def test_registration_in_the_web_chat_on_a_phone(
    bot: App, sandbox: Sandbox, services: Services, page: object, tmp_path: Path, language: str
) -> None:
    """A new user registers by tapping, in under a minute, in a 390 px wide window, in any
    enabled language: every label and question below comes from that language's catalogue."""
    import time

    from babel import Locale
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    assert language in services.languages.enabled
    tr = services.languages.translator(language)
    started = time.monotonic()
    await page.goto(f"{sandbox.url}/")
    await page.fill("#new-user-name", "Rosa")
    await page.select_option("#new-user-language", language)
    await page.click("#create-user")

    async def send(text: str) -> None:
        await page.fill("#message-input", text)
        await page.click("#send-button")

    async def tap(msgid: str) -> None:
        button = page.locator(".inline-keyboard button", has_text=tr.gettext(msgid)).last
        await expect(button).to_be_visible(timeout=5000)
        await button.click()

    async def asked(msgid: str) -> None:
        question = tr.gettext(msgid).split("?")[0]
        await expect(page.locator(".bubble.bot").last).to_contain_text(question, timeout=5000)

    await tap("✅ I agree")  # "Start chat" sent /start
    await tap("I live abroad")
    await asked("In which country do you live? Type its name, or part of it, or choose below.")
    await send(Locale.parse(language).territories["ES"])
    await asked("Which region are you originally from? You can skip this.")
    for _ in range(2):  # region, work
        await tap("Skip")
    await tap("Consular news")
    await tap("Done")
    for _ in range(2):  # birth year, gender
        await tap("Skip")
    await tap("✅ Confirm")
    office = services.deployment.consulate("madrid")
    assert office is not None
    madrid = office.name_in(language)
    # The thank-you, not the summary before it (which names the consulate too).
    template = tr.gettext(
        "Thank you! You are registered with %(consulate)s. You can see or change your "
        "answers at any time with /profile."
    )
    # Its longest run of plain words (commands are drawn in isolates in right-to-left text).
    thanks = max(re.split(r"%\(consulate\)s|/\w+", template), key=len).strip()
    registered_reply = page.locator(".bubble.bot", has_text=thanks).filter(has_text=madrid)
    await expect(registered_reply).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 60
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the chat overflows a phone-sized window"
    registered = await services.database.fetch_one(
        "SELECT language, country, consulate_id FROM members WHERE status = 'registered'"
    )
    assert registered is not None and tuple(registered) == (language, "ES", "madrid")
    await page.screenshot(path=str(tmp_path / f"webchat-registered-{language}.png"), full_page=True)


async def start_chat(page: Any, name: str, language: str = "en") -> None:
    await page.fill("#new-user-name", name)
    await page.select_option("#new-user-language", language)
    await page.click("#create-user")


async def send(page: Any, text: str) -> None:
    await page.fill("#message-input", text)
    await page.click("#send-button")


async def tap(page: Any, label: str) -> None:
    from playwright.async_api import expect

    button = page.locator(".inline-keyboard button", has_text=label).last
    await expect(button).to_be_visible(timeout=5000)
    await button.click()


def poster_png() -> bytes:
    return results_chart("Passport day", bars_for(["Saturday", "Sunday"], [60.0, 40.0], [6, 4]))


async def test_start_chat_sends_start(bot: App, sandbox: Sandbox, page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await start_chat(page, "Amira")
    await expect(page.locator(".bubble.user").first).to_contain_text("/start", timeout=5000)
    await expect(page.locator(".bubble.bot").first).to_contain_text("Welcome!", timeout=5000)
    (user_id,) = sandbox.state.users
    assert sandbox.state.chats[user_id][0].data["text"] == "/start"


async def test_the_chat_follows_new_messages_and_cues_those_below_when_scrolled_up(
    bot: App, sandbox: Sandbox, page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await start_chat(page, "Noor")
    await expect(page.locator(".bubble.bot").first).to_contain_text("Welcome!", timeout=5000)
    (user_id,) = sandbox.state.users
    # Photos load after their bubble is drawn and grow it: the chat must still end at the
    # bottom, with the newest message in view.
    for number in range(4):
        await bot.bot.send_photo(user_id, poster_png(), caption=f"Chart {number}")
        await bot.bot.send_message(user_id, f"Notice {number}\n" + "More details.\n" * 4)
        newest = page.locator(".bubble.bot", has_text=f"Notice {number}")
        await expect(newest).to_be_in_viewport(timeout=5000)
    chat = page.locator("#chat")
    await page.wait_for_function(
        "() => { const c = document.querySelector('#chat');"
        " return c.scrollHeight - c.scrollTop - c.clientHeight < 2; }"
    )
    cue = page.locator("#new-messages")
    await expect(cue).to_be_hidden()
    # Every photo drawn first (under load one can arrive late and move the chat again).
    await page.wait_for_function("() => [...document.images].every(image => image.complete)")

    # Scrolled up to read, the reader stays where they are; a cue says more arrived below.
    # (The scroll event is sent at once, as a reader's own scrolling would be before anything
    # else; a browser under load may otherwise deliver it after the next message.)
    await chat.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
    await bot.bot.send_message(user_id, "The consulate is closed on Monday.")
    await expect(cue).to_be_visible(timeout=5000)
    assert await chat.evaluate("el => el.scrollTop") == 0
    closed = page.locator(".bubble.bot", has_text="closed on Monday")
    await expect(closed).not_to_be_in_viewport()
    await cue.click()
    await expect(closed).to_be_in_viewport(timeout=5000)
    await expect(cue).to_be_hidden()

    # Sending a message always brings the reader down to it and its answer.
    await chat.evaluate("el => { el.scrollTop = 0; }")
    await send(page, "/help")
    await expect(page.locator(".bubble.user", has_text="/help")).to_be_in_viewport(timeout=5000)


async def test_every_touch_target_is_at_least_44_px(
    bot: App, sandbox: Sandbox, page: object
) -> None:
    """Buttons, inline and reply keyboards, poll options, the selector, the composer and a
    document's link: each at least 44 by 44 CSS pixels (a fingertip), on a 390 px phone."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await start_chat(page, "Rosa")
    await expect(page.locator(".inline-keyboard button").first).to_be_visible(timeout=5000)
    (user_id,) = sandbox.state.users
    await bot.bot.send_poll(user_id, "Which day suits you?", ["Saturday", "Sunday"])
    await bot.bot.send_document(user_id, b"option,count\nSaturday,6\n", filename="results.csv")
    keyboard = ReplyKeyboardMarkup([["Yes", "No"]], one_time_keyboard=True)
    await bot.bot.send_message(user_id, "Shall we remind you?", reply_markup=keyboard)
    await page.locator(".poll-option", has_text="Saturday").click()
    await expect(page.locator(".poll-footer button")).to_be_visible(timeout=5000)  # Retract
    await expect(page.locator(".reply-keyboard button").first).to_be_visible()
    await expect(page.locator(".bubble a[download]")).to_be_visible()
    too_small = await page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, a, [role=button]')]
            .filter(el => el.getClientRects().length > 0)
            .map(el => { const r = el.getBoundingClientRect();
                         return {what: el.outerHTML.slice(0, 90), width: r.width,
                                 height: r.height}; })
            .filter(target => target.width < 44 || target.height < 44)"""
    )
    assert too_small == []


async def test_the_user_selector_reads_whole_at_390_px(
    bot: App, sandbox: Sandbox, page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await start_chat(page, "Layla", "ar")
    await start_chat(page, "Maria Fernanda", "pt")
    await expect(page.locator("#user-select")).to_have_value(str(FIRST_USER_ID + 1))
    shown = await page.locator("#user-select").evaluate(
        """el => { const style = getComputedStyle(el);
                   const context = document.createElement('canvas').getContext('2d');
                   context.font = `${style.fontSize} ${style.fontFamily}`;
                   const text = el.options[el.selectedIndex].text;
                   const arrow = 24;
                   return {text, needed: context.measureText(text).width,
                           room: el.clientWidth - parseFloat(style.paddingLeft)
                                 - parseFloat(style.paddingRight) - arrow,
                           right: el.getBoundingClientRect().right,
                           size: parseFloat(style.fontSize)}; }"""
    )
    assert shown["text"] == f"Maria Fernanda (pt) · {FIRST_USER_ID + 1}"  # staff need the id
    assert shown["needed"] <= shown["room"], shown
    assert shown["right"] <= 390 and shown["size"] >= 14, shown
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390


async def test_a_photo_attached_in_the_web_chat_reaches_the_bot(
    bot: App, sandbox: Sandbox, services: Services, page: object, tmp_path: Path
) -> None:
    """A staff member attaches a poster at /announce's media step, as README walks through."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await services.staff.ensure_admins(frozenset({FIRST_USER_ID}))
    tr = services.languages.translator("en")
    await page.goto(f"{sandbox.url}/")
    await start_chat(page, "Consul")
    await expect(page.locator(".bubble.bot").first).to_contain_text("Welcome!", timeout=5000)
    await send(page, "/announce")
    await tap(page, tr.gettext("Consular notice"))
    await send(page, "Passport day on Saturday")
    await tap(page, tr.gettext("Done"))
    media_step = tr.gettext("Send a photo or a document to attach, or press Skip.")
    await expect(page.locator(".bubble.bot").last).to_contain_text(media_step, timeout=5000)
    poster = tmp_path / "poster.png"
    poster.write_bytes(poster_png())
    await page.set_input_files("#attach-input", str(poster))
    await expect(page.locator(".bubble.user img")).to_be_visible(timeout=5000)
    audience = tr.gettext("Who should receive it?")
    await expect(page.locator(".bubble.bot").last).to_contain_text(audience, timeout=5000)
    await tap(page, tr.gettext("Continue"))
    await tap(page, tr.gettext("Now"))
    attached = page.locator(".bubble.bot", has_text=tr.gettext("📎 A photo is attached."))
    await expect(attached).to_be_visible(timeout=5000)
    assert bot.user_data[FIRST_USER_ID]["announce"]["media"][0] == "photo"


async def test_a_restarted_sandbox_says_so_and_a_new_user_starts_afresh(
    page: object, tmp_path: Path
) -> None:
    """`make run` stopped and started again under an open page: the page says the sandbox
    restarted and reloads its (now empty) users; a user created then gets a new id and the
    consent of a first /start in their own language, never an old member's profile."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    port = free_port()
    database = tmp_path / "bot.sqlite3"
    env = {"SANDBOX_PORT": str(port), "BOT_DB_PATH": str(database)}
    first_run = await BotProcess.start(env, "--sandbox")
    try:
        await first_run.wait_for_line("Receiving updates by long polling")
        await page.goto(f"http://127.0.0.1:{port}/")
        await start_chat(page, "First")
        await tap(page, "✅ I agree")
        await send(page, "/language")
        await tap(page, "Español")
        answer = page.locator(".bubble.bot").last
        await expect(answer).to_contain_text("le responderé", timeout=5000)
    finally:
        assert await first_run.stop() == 0, "".join(first_run.output)
    notice = page.locator("#server-notice")
    await expect(notice).to_contain_text("Lost contact with the sandbox", timeout=10000)
    second_run = await BotProcess.start(env, "--sandbox")
    try:
        await second_run.wait_for_line("Receiving updates by long polling")
        await expect(notice).to_contain_text("restarted", timeout=15000)
        await expect(page.locator("#user-select option")).to_have_count(1)  # "choose a user"
        await expect(page.locator("#chat .bubble")).to_have_count(0)
        await start_chat(page, "Second")
        welcome = page.locator(".bubble.bot").first
        await expect(welcome).to_contain_text("Welcome!", timeout=5000)
        await expect(page.locator(".inline-keyboard button", has_text="I agree")).to_be_visible()
        await expect(notice).to_be_hidden()
    finally:
        assert await second_run.stop() == 0, "".join(second_run.output)
    with sqlite3.connect(database) as db:
        members = db.execute("SELECT telegram_user_id, language FROM members").fetchall()
    assert members == [(FIRST_USER_ID, "es")]  # the second person: nothing before consent
