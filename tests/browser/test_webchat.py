"""The web chat in a real headless Chromium: create a user, /start, switch to Arabic, and see
the Arabic reply laid out right to left."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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


async def test_arabic_reply_is_right_to_left(
    bot: App, sandbox: Sandbox, page: object, tmp_path: Path
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(f"{sandbox.url}/")
    await page.fill("#new-user-name", "Layla")
    await page.select_option("#new-user-language", "en")
    await page.click("#create-user")
    await page.fill("#message-input", "/start")
    await page.click("#send-button")
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
    await page.screenshot(path=str(tmp_path / "webchat-arabic.png"), full_page=True)


async def test_registration_in_the_web_chat_on_a_phone(
    bot: App, sandbox: Sandbox, page: object, tmp_path: Path
) -> None:
    """A new user registers by tapping, in under a minute, in a 390 px wide window."""
    import time

    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    started = time.monotonic()
    await page.goto(f"{sandbox.url}/")
    await page.fill("#new-user-name", "Rosa")
    await page.select_option("#new-user-language", "es")
    await page.click("#create-user")

    async def send(text: str) -> None:
        await page.fill("#message-input", text)
        await page.click("#send-button")

    async def tap(label: str) -> None:
        button = page.locator(".inline-keyboard button", has_text=label).last
        await expect(button).to_be_visible(timeout=5000)
        await button.click()

    await send("/start")
    await tap("Acepto")
    await tap("Vivo en el extranjero")
    await expect(page.locator(".bubble.bot").last).to_contain_text("país", timeout=5000)
    await send("españa")
    await expect(page.locator(".bubble.bot").last).to_contain_text("ciudad", timeout=5000)
    await send("Madrid")
    for _ in range(3):  # region, work, skills
        await tap("Omitir")
    await tap("Noticias consulares")
    await tap("Listo")
    for _ in range(3):  # birth year, gender, plans
        await tap("Omitir")
    skip = page.locator("#reply-keyboard button", has_text="Omitir")
    await expect(skip).to_be_visible(timeout=5000)
    await skip.click()
    await tap("Confirmar")
    done = page.locator(".bubble.bot", has_text="Embajada en Madrid")
    await expect(done.last).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 60
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the chat overflows a phone-sized window"
    await page.screenshot(path=str(tmp_path / "webchat-registered.png"), full_page=True)
