"""The web chat in a real headless Chromium: a new user registers on a phone-sized screen in
every enabled language; switching to Arabic lays the replies out right to left, with commands
such as /mydata still drawn "/mydata" (not "mydata/")."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services import Services
from handlers.context import App
from sandbox import Sandbox

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="BROWSER TEST SKIPPED: Chromium is not installed (apt-get install chromium)",
    ),
]


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
async def page(tmp_path: Path) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        yield await context.new_page()
        await browser.close()


async def open_chat(page: Any, sandbox: Sandbox, name: str, language: str) -> None:
    """Open the web chat and create a user with ``name`` speaking ``language``."""
    await page.goto(f"{sandbox.url}/")
    await page.fill("#new-user-name", name)
    await page.select_option("#new-user-language", language)
    await page.click("#create-user")


async def send(page: Any, text: str) -> None:
    await page.fill("#message-input", text)
    await page.click("#send-button")


async def test_arabic_reply_is_right_to_left(
    bot: App, sandbox: Sandbox, page: object, tmp_path: Path
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await open_chat(page, sandbox, "Layla", "en")
    await send(page, "/start")
    await expect(page.locator(".bubble.bot").first).to_contain_text("Welcome!", timeout=5000)

    await send(page, "/language")
    await page.locator(".inline-keyboard button", has_text="العربية").click()
    reply = page.locator(".bubble.bot", has_text="سأجيبك")
    await expect(reply).to_be_visible(timeout=5000)
    assert await reply.evaluate("el => getComputedStyle(el).direction") == "rtl"

    await send(page, "/help")
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
    await open_chat(page, sandbox, "Rosa", language)

    async def tap(msgid: str) -> None:
        button = page.locator(".inline-keyboard button", has_text=tr.gettext(msgid)).last
        await expect(button).to_be_visible(timeout=5000)
        await button.click()

    async def asked(msgid: str) -> None:
        question = tr.gettext(msgid).split("?")[0]
        await expect(page.locator(".bubble.bot").last).to_contain_text(question, timeout=5000)

    await send(page, "/start")
    await tap("✅ I agree")
    await tap("I live abroad")
    await asked("In which country do you live? Type its name, or part of it, or choose below.")
    await send(page, Locale.parse(language).territories["ES"])
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
    await expect(page.locator(".bubble.bot", has_text=madrid).last).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 60
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the chat overflows a phone-sized window"
    registered = await services.database.fetch_one(
        "SELECT language, country, consulate_id FROM members WHERE status = 'registered'"
    )
    assert registered is not None and tuple(registered) == (language, "ES", "madrid")
    await page.screenshot(path=str(tmp_path / f"webchat-registered-{language}.png"), full_page=True)
