"""README's "Try it in the sandbox", step by step, as a newcomer follows it: every step gets the
answer README says it gets, so the walk has no dead end (members, then staff: an admin made
from the command line, an announcement with a photo approved by a second staff member, a poll
to five members, its results)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.polls.chart import bars_for, results_chart
from bot.services import Services
from bot.settings import PROJECT_ROOT, Settings
from handlers.context import App
from sandbox import SandboxClient
from sandbox.state import FIRST_USER_ID
from tests.auxil.chat import ChatUser, Message, button_labels
from tests.auxil.process import main_py

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def readme_says(*quotes: str) -> None:
    """The words the test checks are the ones README tells the newcomer to expect."""
    flat = " ".join(README.split())
    for quote in quotes:
        assert quote in flat, f"README no longer says {quote!r}"


async def register_in_the_uk(client: SandboxClient, name: str) -> ChatUser:
    """Steps 1-3: Start chat, I agree, I live abroad, United Kingdom, skip, Consular news."""
    member = await ChatUser.create(client, name, "en")
    welcome, consent = await member.send("/start")  # what "Start chat" sends
    assert "Welcome!" in welcome["text"]
    assert button_labels(consent) == ["✅ I agree", "No, thanks"]
    (situation,) = await member.press(consent, "I agree")
    assert "Which describes you best?" in situation["text"]
    (country,) = await member.press(situation, "I live abroad")
    assert "In which country do you live?" in country["text"]
    (region,) = await member.send("United Kingdom")
    (work,) = await member.press(region, "Skip")
    (interests,) = await member.press(work, "Skip")
    assert "What would you like to hear about?" in interests["text"]
    (interests,) = await member.press(interests, "Consular news")
    (birth_year,) = await member.press(interests, "Done")
    (gender,) = await member.press(birth_year, "Skip")
    (summary,) = await member.press(gender, "Skip")
    registered = await member.press(summary, "Confirm")
    assert "You are registered with Embassy in London (sample)" in registered[0]["text"]
    return member


async def arrives(member: ChatUser, found: Callable[[Message], bool]) -> Message:
    """The first message from the bot to ``member`` that ``found`` accepts (waiting for it)."""
    after = 0
    while True:
        message = await member.client.wait_for_bot_message(member.id, after, timeout=10)
        if found(message):
            return message
        after = message["message_id"]


async def approve(approver: ChatUser) -> list[Message]:
    """Step 10: the approval request, and its Approve button."""
    request = await approver.last_bot_message()
    assert "A broadcast is waiting for your approval" in request["text"]
    return await approver.press(request, "Approve")


async def test_the_readme_walk_through_the_sandbox_has_no_dead_end(
    bot: App, client: SandboxClient, services: Services, settings: Settings
) -> None:
    # As a member (steps 1-5).
    readme_says("press **Start chat**", "Type `United Kingdom`", "press **✅ Confirm**")
    rosa = await register_in_the_uk(client, "Rosa")
    assert rosa.id == FIRST_USER_ID
    (topics,) = await rosa.send("/predeparture")
    assert {"📍 United Kingdom", "☑️ My checklist"} <= set(button_labels(topics))
    readme_says('"How much do you want to send?" Type `200`', "what your family receives")
    (question,) = await rosa.send("/remit")
    assert "How much do you want to send?" in question["text"]
    (ranking,) = await rosa.send("200")
    assert "Your family receives" in ranking["text"]

    # As staff: a second person, made an admin from a second terminal (steps 6-7).
    consul = await ChatUser.create(client, "Consul", "en")
    await consul.send("/start")
    assert consul.id == FIRST_USER_ID + 1
    readme_says("main.py staff add 5000002 admin` prints `saved 5000002 admin all consulates`")
    # As from a second terminal, on the running bot's database.
    saved, _ = await main_py(settings.db_path, "staff", "add", str(consul.id), "admin")
    assert saved.strip() == f"saved {consul.id} admin all consulates"

    # Step 8: the member becomes the second staff member, who approves.
    readme_says("`/staff add 5000001 editor`", '"Saved: • 5000001 editor (all consulates)"')
    (saved_reply,) = await consul.send(f"/staff add {rosa.id} editor")
    assert f"Saved:\n• {rosa.id} editor (all consulates)" in saved_reply["text"]

    # Step 9: /announce, with a photo attached at the media step.
    (category,) = await consul.send("/announce")
    (text,) = await consul.press(category, "Consular notice")
    assert "Send the text in English" in text["text"]
    (languages,) = await consul.send("Passport day on Saturday at the embassy.")
    (media,) = await consul.press(languages, "Done")
    readme_says('"Send a photo or a document to attach, or press Skip": press 📎')
    assert "Send a photo or a document to attach, or press Skip." in media["text"]
    poster = results_chart("Passport day", bars_for(["Yes", "No"], [50.0, 50.0], [5, 5]))
    (audience,) = await consul.attach(poster, "poster.png", "image/png")
    assert "Who should receive it?" in audience["text"]
    (when,) = await consul.press(audience, "Continue")
    assert "When should it go out?" in when["text"]
    preview = await consul.press(when, "Now")
    assert "fewer than 5" in preview[-1]["text"]
    (submitted,) = await consul.press(preview[-1], "Submit")
    assert "waiting for approval" in submitted["text"]
    assert "Sent for approval to 1 staff members" in submitted["text"]

    # Step 10: approved by the member, it arrives in every member's chat.
    readme_says('"A broadcast is waiting for your approval"', "Press **✅ Approve**")
    (approved,) = await approve(rosa)
    assert "scheduled" in approved["text"]
    await services.broadcasts.sweep(datetime.now(UTC))  # what the bot does every 5 seconds
    announcement = await arrives(rosa, lambda message: "photo" in message)
    assert "Passport day on Saturday" in announcement["caption"]

    # Step 11: four more members, then a poll, approved as the member, answered by all five.
    members = [rosa] + [await register_in_the_uk(client, name) for name in ("A", "B", "C", "D")]
    readme_says("`/poll Will you come to passport day? | Yes | No`")
    (stored,) = await consul.send("/poll Will you come to passport day? | Yes | No")
    assert "Poll 1 is stored and waits for another staff member's approval" in stored["text"]
    await approve(rosa)
    await services.broadcasts.sweep(datetime.now(UTC))
    for index, member in enumerate(members):
        poll = await arrives(member, lambda message: "poll" in message)
        await client.vote(member.id, poll["poll"]["id"], [0 if index < 3 else 1])

    # Step 12: the results: five answered, the small totals suppressed; a chart and a CSV.
    readme_says('any total under 5 reads "suppressed"')
    for _ in range(200):  # the bot counts the answers as their updates reach it
        if await services.polls.repository.respondents(1) == len(members):
            break
        await asyncio.sleep(0.05)
    (listing,) = await consul.send("/results")
    report = await consul.press(listing, "Will you come to passport day?", timeout=10)
    assert "Respondents: 5" in report[0]["text"]
    assert "Yes: suppressed" in report[0]["text"]
    assert any("photo" in message for message in report)
    assert any("document" in message for message in report)
