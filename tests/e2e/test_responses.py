"""Members answer announcements in the chat: the button under the announcement answers with an
alert in the member's language; for a programme announcement they may share their name and a
contact after a screen saying what goes to whom; a forged press is refused; a place freed on a
full event goes to the first waiting, who is told."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.services import Services
from broadcasts import Audience, Payload
from broadcasts.compose import BroadcastRequest, Category
from broadcasts.payload import DeliveryKind
from broadcasts.response_store import ResponseKind, ResponseOffer
from broadcasts.schedule import Schedule
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.announcing import compose
from tests.auxil.broadcasting import APPROVER
from tests.auxil.chat import ChatUser, Message, button_data, button_labels
from tests.broadcasts.builders import add_member

TEXT = {"en": "Diaspora bond fair", "fr": "Salon des obligations", "es": "Feria de bonos"}


async def member(
    client: SandboxClient,
    services: Services,
    name: str,
    language: str,
    consulate: str = "london",
    username: str | None = None,
) -> ChatUser:
    user = ChatUser(client, await client.create_user(name, language, username=username))
    country = "GB" if consulate == "london" else "ES"
    await add_member(
        services.database, user.id, language=language, consulate_id=consulate, country=country
    )
    return user


async def announce(services: Services, offer: ResponseOffer, category: Category) -> int:
    request = BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=category,
        payloads=[Payload(code, text=text) for code, text in TEXT.items()],
        audience=Audience.of(consulates=["london"]),
        schedule=Schedule.now(),
        author=OPERATOR,
        response=offer,
    )
    broadcast_id = (await services.broadcasts.create(request, datetime.now(UTC))).broadcast.id
    await services.broadcasts.approve(broadcast_id, APPROVER)
    return broadcast_id


async def received(user: ChatUser, text: str) -> Message:
    """The announcement once the bot's sweep has sent it."""
    for _ in range(400):
        for message in await user.bot_messages():
            if text in (message.get("text") or ""):
                return message
        await asyncio.sleep(0.025)
    raise TimeoutError(f"user {user.id} never received {text!r}")


async def press(user: ChatUser, message: Message, data: str) -> str:
    pressed = await user.press_data(message["message_id"], data)
    return await user.callback_answer(pressed["callback_query"]["id"])


async def test_a_member_answers_and_shares_a_phone_number_then_withdraws(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    french = await member(client, services, "Aline", "fr")
    stranger = await member(client, services, "Pablo", "es", consulate="madrid")
    broadcast_id = await announce(
        services, ResponseOffer(ResponseKind.INTERESTED), Category.INVESTMENT
    )
    message = await received(french, TEXT["fr"])
    data = button_data(message, "Ça m’intéresse")
    assert data == f"v1:resp:press:{broadcast_id}"

    # Someone it was not sent to presses with the same data: refused, nothing counted.
    refused = await stranger.press_data(message["message_id"], data, forge=True)
    answer = await stranger.callback_answer(refused["callback_query"]["id"])
    assert "ya no es válido" in answer
    assert (await services.responses.repository.counts(broadcast_id)).confirmed == 0

    (offer,) = await french.press(message, "Ça m’intéresse")
    assert "bureau de programme" in offer["text"]
    (terms,) = await french.press(offer, "Oui")
    assert "Aline" in terms["text"] and "Londres" in terms["text"]
    asked = await french.press(terms, "numéro de téléphone")
    assert any("téléphone" in m["text"] for m in asked)
    shared = await french.share_contact()
    assert any("Partagé" in m["text"] for m in shared)
    (entry,) = await services.responses.repository.contacts(broadcast_id)
    assert entry.name == "Aline" and entry.contact_kind.value == "phone"

    # /mydata lists it with a button to stop sharing; sharing again is as explicit.
    listed = await french.send("/mydata", expect=2)
    (mine,) = [m for m in listed if m.get("inline_keyboard")]
    (removed,) = await french.press(mine, "Ne plus partager")
    assert "n’est plus partagé" in removed["text"]
    assert await services.responses.repository.contacts(broadcast_id) == []
    await french.press(terms, "numéro de téléphone")  # the screen saying what is shared
    await french.share_contact()
    assert len(await services.responses.repository.contacts(broadcast_id)) == 1

    answer = await press(french, message, data)  # pressing again withdraws, contact and all
    assert "retirée" in answer
    assert await services.responses.repository.contacts(broadcast_id) == []


async def test_a_freed_place_goes_to_the_first_waiting_who_is_told(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    first = await member(client, services, "Ana", "es")
    second = await member(client, services, "Ben", "en")
    broadcast_id = await announce(
        services, ResponseOffer(ResponseKind.ATTEND, capacity=1), Category.EVENT
    )
    data = f"v1:resp:press:{broadcast_id}"
    first_message = await received(first, TEXT["es"])
    second_message = await received(second, TEXT["en"])
    assert "plaza" in await press(first, first_message, data)
    assert "you are on the waiting list" in await press(second, second_message, data)
    await press(first, first_message, data)  # withdraws: Ben gets the place
    for _ in range(200):
        told = [m for m in await second.bot_messages() if "place has freed up" in m["text"]]
        if told:
            break
        await asyncio.sleep(0.025)
    assert told
    assert told[0]["message"]["reply_to_message"]["message_id"] == second_message["message_id"]


# --- staff ------------------------------------------------------------------------------------


async def staff_member(admin: ChatUser, client: SandboxClient, consulate: str) -> ChatUser:
    editor = await ChatUser.create(client, f"Editor {consulate}", "en")
    await admin.send(f"/staff add {editor.id} editor {consulate}")
    return editor


async def test_staff_add_the_button_and_see_answers_and_only_their_contacts(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    london = await staff_member(admin, client, "london")
    madrid = await staff_member(admin, client, "madrid")
    aline = await member(client, services, "Aline", "fr", username="aline_k")
    preview = await compose(admin, {"en": TEXT["en"]}, "v1:ann:con:london", category="investment")
    (question,) = await admin.choose(preview[-1], "v1:ann:resp:attend")
    assert "How many places" in question["text"]
    preview = await admin.send("20", expect=1)
    assert "Places: 20" in preview[-1]["text"]
    (done,) = await admin.choose(preview[-1], "v1:ann:submit")
    broadcast_id = int(done["text"].split("#")[1].split("<")[0].split()[0].rstrip(":"))
    await services.broadcasts.approve(broadcast_id, APPROVER)

    message = await received(aline, TEXT["en"])
    (offer,) = await aline.press(message, "I'll attend")  # English: no French text
    (terms,) = await aline.press(offer, "Oui")
    (shared,) = await aline.press(terms, "@aline_k")
    assert "@aline_k" in shared["text"]

    view = await london.send("/broadcasts")
    shown = await london.press(view[-1], "Show")
    assert "Answers: fewer than 5" in shown[0]["text"]
    sent = await london.press(shown[-1], "Shared contacts")
    assert any(m.get("document") for m in sent)

    forged = f"v1:bccon:csv:{broadcast_id}"
    await madrid.press_data(view[-1]["message_id"], forged, forge=True)
    log = await services.staff.audit_log(OPERATOR)
    exports = [e.actor for e in log if e.action == "broadcast.contacts.export"]
    assert exports == [f"tg:{london.id}"]


async def ask(user: ChatUser, question: str) -> Message:
    """Send the question, and send it anyway if guidance pages are offered first."""
    (sent,) = await user.send(question)
    if "Send anyway" in " ".join(button_labels(sent)):
        (sent,) = await user.press(sent, "Send anyway")
    return sent


async def test_tell_me_more_opens_a_question_about_the_announcement_for_london_staff(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    english = await member(client, services, "Grace", "en")
    stranger = await member(client, services, "Pablo", "es", consulate="madrid")
    preview = await compose(admin, {"en": TEXT["en"]}, "v1:ann:con:london", category="programme")
    assert '+ "Tell me more" button' in button_labels(preview[-1])
    (preview,) = await admin.choose(preview[-1], "v1:ann:resp:tell_me_more")
    assert "Tell me more" in preview["text"]
    (done,) = await admin.choose(preview, "v1:ann:submit")
    broadcast_id = int(done["text"].split("#")[1].split("<")[0].split()[0].rstrip(":"))
    await services.broadcasts.approve(broadcast_id, APPROVER)
    message = await received(english, TEXT["en"])
    data = button_data(message, "Tell me more")
    assert data == f"v1:ask:about:{broadcast_id}"

    # Someone it was not sent to presses with the same data: refused, no prompt, no count.
    refused = await stranger.press_data(message["message_id"], data, forge=True)
    assert "ya no es válido" in await stranger.callback_answer(refused["callback_query"]["id"])
    assert (await services.responses.repository.counts(broadcast_id)).confirmed == 0
    assert not [m for m in await stranger.bot_messages() if "/cancel" in (m.get("text") or "")]

    # Pressed, then cancelled: a question asked next with /ask is not about the announcement.
    await english.press(message, "Tell me more")
    await english.send("/cancel")
    topics = await english.send("/ask")
    await english.press(topics[-1], "Investment and programmes")
    await ask(english, "Where is the embassy?")
    (unrelated,) = await services.inbox.threads_of(english.id)
    first = await services.inbox.view(OPERATOR, unrelated.reference)
    assert first.messages[0].text == "Where is the embassy?"

    # The member goes straight to writing, under the investment topic (no topic buttons).
    (prompt,) = await english.press(message, "Tell me more")
    assert "Investment and programmes" in prompt["text"] and "/cancel" in prompt["text"]
    assert not prompt.get("inline_keyboard")
    assert (await services.responses.repository.counts(broadcast_id)).confirmed == 1
    sent = await ask(english, "Can I join from abroad?")
    assert "Q-" in sent["text"]
    thread, _ = await services.inbox.threads_of(english.id)
    assert thread.topic == "investment"

    # A London editor sees which announcement it is about, and still not who asked.
    editor = ChatUser(client, await client.create_user("London editor", "en"))
    await services.staff.put(OPERATOR, editor.id, "editor", ["london"])
    listing = await editor.send("/inbox")
    opened = await editor.press(listing[-1], thread.reference)
    shown = "".join(m.get("text") or "" for m in opened)
    assert f"About announcement #{broadcast_id}: Diaspora bond fair" in shown
    assert "Can I join from abroad?" in shown
    assert "Grace" not in shown and str(english.id) not in shown

    # A question asked later with /ask is not taken to be about it.
    topics = await english.send("/ask")
    await english.press(topics[-1], "Investment and programmes")
    await ask(english, "Another question")
    latest, *_ = await services.inbox.threads_of(english.id)
    view = await services.inbox.view(OPERATOR, latest.reference)
    assert view.messages[0].text == "Another question"


async def test_tell_me_more_keeps_to_the_daily_question_limit(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    english = await member(client, services, "Grace", "en")
    broadcast_id = await announce(
        services, ResponseOffer(ResponseKind.TELL_ME_MORE), Category.EVENT
    )
    message = await received(english, TEXT["en"])
    limit = services.deployment.policies.questions_per_day
    for number in range(limit):
        await services.inbox.ask(english.id, "other", f"Question {number}", datetime.now(UTC))
    (refused,) = await english.press(message, "Tell me more")
    assert "the most we accept" in refused["text"] and "/cancel" not in refused["text"]
    assert len(await services.inbox.threads_of(english.id)) == limit
    # A press that could not lead to a question is not counted as interest.
    assert (await services.responses.repository.counts(broadcast_id)).confirmed == 0
