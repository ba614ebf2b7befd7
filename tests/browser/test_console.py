"""The staff console in a real Chromium, through the sandbox, as a newcomer runs it
(`main.py run --sandbox --demo`, what `make run` does).

Amina (the demo's admin) asks the bot for a link with /console in the web chat and signs in;
she writes an announcement in English and Arabic for one consulate, watching the live preview
and the audience size, and submits it. Bruno (the demo's approver) signs in the same way,
reads the full text and approves it. The members receive it in the web chat, in their
language; Amina watches the progress bar reach 100%. She creates a poll, Bruno approves it,
the members vote, and Amina sees the chart and downloads the CSV.

Screenshots of every page at 1280 px and 390 px are written to build/screenshots/console/.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.demo import DEMO_ADMIN_ID, DEMO_APPROVER_ID, DEMO_MEMBER_IDS
from bot.deployment import load_deployment
from bot.settings import PROJECT_ROOT, SAMPLE_DEPLOYMENT
from sandbox import SandboxClient
from tests.auxil.process import BotProcess, free_port
from tests.browser.conftest import CHROMIUM, DESK, NO_CHROMIUM, PHONE

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots" / "console"
ENGLISH = "Passport clinic on <b>Saturday</b> at the embassy"
ARABIC = "عيادة الجوازات يوم <b>السبت</b> في السفارة"
QUESTION = "Should the embassy open on Saturdays?"
ARABIC_QUESTION = "هل تفتح السفارة أيام السبت؟"
LONDON = load_deployment(SAMPLE_DEPLOYMENT).consulates[0].name_in("en")  # the demo's members
WAIT = 15_000  # ms: a loaded CI machine


@dataclass
class Running:
    chat_url: str
    console_url: str
    client: SandboxClient


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    port = free_port()
    bot = await BotProcess.start(
        {"SANDBOX_PORT": str(port), "BOT_DB_PATH": str(tmp_path / "bot.sqlite3")},
        "--sandbox",
        "--demo",
    )
    try:
        chat = (await bot.wait_for_line("Sandbox web chat:")).split()[3].rstrip("/")
        console = (await bot.wait_for_line("Staff console:")).split()[2].rstrip("/")
        await bot.wait_for_line("Receiving updates by long polling")
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            yield Running(chat, console, client)
    finally:
        code = await bot.stop()
    assert code == 0, "".join(bot.output)
    assert "Traceback" not in "".join(bot.output)


async def shoot(page: Page, name: str) -> None:
    """The page at desk width and at phone width, whole."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1280", DESK), ("390", PHONE)):
        await page.set_viewport_size(size)
        await page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    await page.set_viewport_size(DESK)


async def sign_in(browser: Browser, running: Running, telegram_user_id: int) -> Page:
    """A staff member's own browser: /console in the web chat, then the link it answers."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport=DESK)
    page = await context.new_page()
    await page.goto(f"{running.chat_url}/")
    await page.select_option("#user-select", str(telegram_user_id))
    await page.fill("#message-input", "/console")
    await page.click("#send-button")
    link = page.locator(".bubble.bot a", has_text="open the console").last
    await expect(link).to_be_visible(timeout=WAIT)
    address = await link.get_attribute("href")
    assert address is not None and address.startswith(f"{running.console_url}/login/")
    await page.goto(address)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Home")).to_be_visible(timeout=WAIT)
    return page


async def approve_what_waits(page: Page, running: Running, shot: str) -> str:
    """From the approver's home page, open what waits for approval, read it, approve it."""
    from playwright.async_api import expect

    await page.goto(f"{running.console_url}/")
    waiting = page.locator("a", has_text="waits for your approval").first
    await expect(waiting).to_be_visible(timeout=WAIT)
    await waiting.click()
    address = page.url
    await shoot(page, shot)
    await page.fill("#comment", "Approved, thank you")
    await page.get_by_role("button", name="Approve").click()
    await page.wait_for_url(address, timeout=WAIT)
    return address


async def bot_messages(client: SandboxClient, user_id: int) -> list[dict[str, Any]]:
    return [m for m in await client.chat(user_id) if m["sender"] == "bot"]


@pytest.mark.slow
async def test_compose_approve_deliver_and_poll_in_the_console(
    running: Running, chromium: Browser
) -> None:
    from playwright.async_api import expect

    amina = await sign_in(chromium, running, DEMO_ADMIN_ID)
    await shoot(amina, "home")

    # Compose: two languages side by side, a live preview, the audience's size as a band.
    await amina.get_by_role("link", name="Announcements").click()
    await amina.get_by_role("link", name="New announcement").click()
    await amina.fill("#text_en", ENGLISH)
    await amina.fill("#text_ar", ARABIC)
    arabic_bubble = amina.locator("#bubble_ar")
    await expect(arabic_bubble.locator("b")).to_have_text("السبت")  # rendered as Telegram does
    assert await arabic_bubble.evaluate("el => getComputedStyle(el).direction") == "rtl"
    await expect(amina.locator("#count_en")).to_have_text(re.compile(r"^\d+ / 4096$"))
    size = amina.locator("#size")
    await expect(size).not_to_have_text("…", timeout=WAIT)
    await amina.get_by_label(LONDON).check()
    await expect(size).to_have_text("10–14", timeout=WAIT)  # twelve members: a band, never "12"
    await amina.get_by_label("Now", exact=True).check()
    await shoot(amina, "compose")
    await amina.get_by_role("button", name="Preview").click()
    await expect(amina.get_by_role("heading", name="Check before sending")).to_be_visible()
    await expect(amina.locator(".bubble[lang=ar]")).to_contain_text("السبت")
    await shoot(amina, "preview")
    await amina.get_by_role("button", name="Submit for approval").click()
    await amina.wait_for_url(re.compile(r"/broadcasts/\d+$"), timeout=WAIT)
    broadcast_address = amina.url

    # Bruno approves, having read the whole text in both languages.
    bruno = await sign_in(chromium, running, DEMO_APPROVER_ID)
    approved = await approve_what_waits(bruno, running, "approve")
    assert approved == broadcast_address

    # The members receive it in the web chat, each in their language (English the fallback).
    arabic_member = next(
        user["id"]
        for user in await running.client.users()
        if user["id"] in DEMO_MEMBER_IDS and user["language_code"] == "ar"
    )
    member_page = await (await chromium.new_context(viewport=PHONE)).new_page()
    await member_page.goto(f"{running.chat_url}/")
    await member_page.select_option("#user-select", str(arabic_member))
    received = member_page.locator(".bubble.bot", has_text="عيادة الجوازات")
    await expect(received).to_be_visible(timeout=WAIT)
    assert await received.evaluate("el => getComputedStyle(el).direction") == "rtl"
    for member in DEMO_MEMBER_IDS:
        await wait_for(running.client, member, announcement)

    # Amina watches the bar reach 100%.
    await amina.goto(broadcast_address)
    await expect(amina.locator(".progress progress")).to_have_attribute(
        "value", "100", timeout=WAIT
    )
    await expect(amina.get_by_text("Approved, thank you")).to_be_visible()
    await shoot(amina, "progress")

    # A poll: created by Amina, approved by Bruno, answered by the members.
    await amina.get_by_role("link", name="Polls").click()
    await amina.get_by_role("link", name="New poll").click()
    await amina.fill("#question_en", QUESTION)
    await amina.fill("#options_en", "Yes\nNo")
    await amina.fill("#question_ar", ARABIC_QUESTION)
    await amina.fill("#options_ar", "نعم\nلا")
    await amina.get_by_label(LONDON).check()
    await expect(amina.locator("#size")).to_have_text("10–14", timeout=WAIT)
    await shoot(amina, "poll-new")
    await amina.get_by_role("button", name="Submit for approval").click()
    await amina.wait_for_url(re.compile(r"/polls/\d+$"), timeout=WAIT)
    poll_address = amina.url
    await approve_what_waits(bruno, running, "poll-approve")

    for index, member in enumerate(DEMO_MEMBER_IDS):
        poll = (await wait_for(running.client, member, lambda m: bool(m.get("poll"))))["poll"]
        await running.client.vote(member, poll["id"], [index % 2])  # Yes, No, Yes, No…

    # Figures are published five answers at a time (ten, or all twelve if they came at once),
    # and all of them once the poll closes.
    await reload_until(amina, poll_address, re.compile(r"Respondents: 1[0-2]\b"))
    totals = amina.locator("table").first
    await shoot(amina, "poll-open")
    await amina.get_by_role("button", name="Close the poll").click()
    await expect(amina.get_by_text("Final results.")).to_be_visible(timeout=WAIT)
    await expect(totals.locator("tbody tr").first).to_contain_text("6")
    chart = amina.locator("img.chart")
    await expect(chart).to_be_visible()
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    await shoot(amina, "poll-results")
    async with amina.expect_download() as downloading:
        await amina.get_by_role("link", name="Download CSV").click()
    download = await downloading.value
    csv = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert QUESTION in csv and "Yes" in csv and "6" in csv

    for name in ("members", "admin"):
        await amina.goto(f"{running.console_url}/{name}")
        await shoot(amina, name)
    assert len(list(SCREENSHOTS.glob("*-1280.png"))) >= 10
    assert len(list(SCREENSHOTS.glob("*-390.png"))) >= 10


def announcement(message: dict[str, Any]) -> bool:
    text = message.get("text", "")
    return "Passport clinic" in text or "عيادة الجوازات" in text


async def wait_for(
    client: SandboxClient, user_id: int, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The bot's message to this member that is ``wanted`` (it may still be on its way)."""
    for _ in range(60):
        for message in await bot_messages(client, user_id):
            if wanted(message):
                return message
        await client.chat(user_id, after=10_000, wait=0.25)
    raise AssertionError(f"member {user_id} never received it")


async def reload_until(page: Page, address: str, text: re.Pattern[str]) -> None:
    """Open ``address`` again until it shows ``text`` (answers reach the bot one by one)."""
    for _ in range(40):
        await page.goto(address, wait_until="domcontentloaded")
        if await page.get_by_text(text).count():
            return
        await page.wait_for_timeout(500)
    shown = await page.locator("main").inner_text()
    raise AssertionError(f"{address} never showed {text!r}:\n{shown}")
