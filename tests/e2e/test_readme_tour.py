"""README's "Try it in the sandbox", step by step, as a newcomer follows it: every step gets the
answer README says it gets, so the walk has no dead end (a member registers, then the demo's
admin makes them staff, sends an announcement with a photo that the demo's editor approves, and
a poll that five members answer; its results; and an admin made from the command line)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.demo import seed_demo
from bot.services import Services
from bot.settings import PROJECT_ROOT, Settings
from handlers.context import App
from polls.chart import bars_for, results_chart
from sandbox import Sandbox, SandboxClient
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
    assert button_labels(consent) == ["✅ I agree", "No, thanks", "📄 Read the full notice"]
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
    assert (
        "Thank you! You are registered with Embassy of the Philippines in London"
        in (registered[0]["text"])
    )
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
    """Step 9: the approval request (the texts may take several messages), and its Approve
    button."""
    messages = await approver.bot_messages()
    header = max(
        index
        for index, message in enumerate(messages)
        if "A broadcast is waiting for your approval" in message.get("text", "")
    )
    request = next(m for m in messages[header:] if "Approve" in " ".join(button_labels(m)))
    return await approver.press(request, "Approve")


async def test_the_readme_walk_through_the_sandbox_has_no_dead_end(
    bot: App, client: SandboxClient, services: Services, settings: Settings, sandbox: Sandbox
) -> None:
    demo = await seed_demo(services, sandbox.state)  # what `make run` does (--demo)
    readme_says(
        "Amina (4999001) is an admin and Bruno (4999002) an editor who approves",
        f"{len(demo.members)} members are registered",
    )
    assert (demo.admin.telegram_user_id, demo.approver.telegram_user_id) == (4999001, 4999002)

    # As a member (steps 1-5).
    readme_says(
        "press **Start chat**",
        "with **✅ I agree**, **No, thanks** and **📄 Read the full notice**",
        "Type `United Kingdom`",
        'press **✅ Confirm**. "Thank you! You are registered with" the embassy in London',
    )
    rosa = await register_in_the_uk(client, "Rosa")
    assert rosa.id == FIRST_USER_ID
    (topics,) = await rosa.send("/predeparture")
    assert {"📍 United Kingdom", "☑️ My checklist"} <= set(button_labels(topics))
    readme_says('"How much do you want to send?" Type `200`', "what your family receives, in")
    (question,) = await rosa.send("/remit")
    assert "How much do you want to send?" in question["text"]
    (ranking,) = await rosa.send("200")
    assert "your family receives about ₱" in ranking["text"] and "Source:" in ranking["text"]
    assert "Details" in button_labels(ranking)

    # As staff: Amina makes the member a second approver (steps 6-7).
    amina = ChatUser(client, await client.user(demo.admin.telegram_user_id))
    bruno = ChatUser(client, await client.user(demo.approver.telegram_user_id))
    readme_says("`/staff add 5000001 editor`", '"Saved: • 5000001 editor (all consulates)"')
    (saved,) = await amina.send(f"/staff add {rosa.id} editor")
    assert f"Saved:\n• {rosa.id} editor (all consulates)" in saved["text"]

    # Step 8: /announce, with a photo attached at the media step.
    (category,) = await amina.send("/announce")
    (text,) = await amina.press(category, "Consular notice")
    assert "Send the text in English" in text["text"]
    (languages,) = await amina.send("Passport day on Saturday at the embassy.")
    (media,) = await amina.press(languages, "Done")
    readme_says('"Send a photo or a document to attach, or press Skip": press 📎')
    assert "Send a photo or a document to attach, or press Skip." in media["text"]
    poster = results_chart("Passport day", bars_for(["Yes", "No"], [50.0, 50.0], [5, 5]))
    (audience,) = await amina.attach(poster, "poster.png", "image/png")
    assert "Who should receive it?" in audience["text"]
    (when,) = await amina.press(audience, "Continue")
    assert "When should it go out?" in when["text"]
    preview = await amina.press(when, "Now")
    readme_says('as a band ("10–14")', "sent to 2 staff members")
    assert "10–14" in preview[-1]["text"]  # the demo's twelve members and Rosa
    (submitted,) = await amina.press(preview[-1], "Submit")
    assert "waiting for approval" in submitted["text"]
    assert "Sent for approval to 2 staff members" in submitted["text"]

    # Step 9: approved by Bruno, it arrives in every member's chat, Rosa's included.
    readme_says('"A broadcast is waiting for your approval"', "Press **✅ Approve**")
    (approved,) = await approve(bruno)
    assert "scheduled" in approved["text"]
    await services.broadcasts.sweep(datetime.now(UTC))  # what the bot does every 5 seconds
    announcement = await arrives(rosa, lambda message: "photo" in message)
    assert "Passport day on Saturday" in announcement["caption"]

    # Step 10: a poll, approved by Bruno, answered by five members.
    readme_says("`/poll Will you come to passport day? | Yes | No`")
    (stored,) = await amina.send("/poll Will you come to passport day? | Yes | No")
    assert "Poll 1 is stored and waits for another staff member's approval" in stored["text"]
    await approve(bruno)
    await services.broadcasts.sweep(datetime.now(UTC))
    members = [rosa] + [
        ChatUser(client, await client.user(member.telegram_user_id)) for member in demo.members[:4]
    ]
    for index, member in enumerate(members):
        poll = await arrives(member, lambda message: "poll" in message)
        await client.vote(member.id, poll["poll"]["id"], [0 if index < 3 else 1])

    # Step 11: the results: five answered, the small totals suppressed; a chart and a CSV.
    readme_says('any total under 5 reads "suppressed"')
    for _ in range(200):  # the bot counts the answers as their updates reach it
        if await services.polls.repository.respondents(1) == len(members):
            break
        await asyncio.sleep(0.05)
    (listing,) = await amina.send("/results")
    # The totals, the chart and the CSV: three messages.
    report = await amina.press(listing, "Will you come to passport day?", timeout=10, expect=3)
    assert "Respondents: 5" in report[0]["text"]
    assert "Yes: suppressed" in report[0]["text"]
    assert any("photo" in message for message in report)
    assert any("document" in message for message in report)

    # Your own user as an admin, from a second terminal while the bot runs.
    readme_says("main.py staff add 5000001 admin` in a second terminal prints `saved 5000001")
    out, _ = await main_py(settings.database, "staff", "add", str(rosa.id), "admin")
    assert out.strip() == f"saved {rosa.id} admin all consulates"
    (staff_list,) = await rosa.send("/staff")
    assert f"{rosa.id}" in staff_list["text"]
