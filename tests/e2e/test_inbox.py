"""/ask and /inbox end to end through the sandbox: a member asks in Arabic, sees a matching
guidance page and sends anyway; London's staff see the thread under a pseudonymous handle (no
Telegram id, no name), answer with a saved Arabic reply and by replying to the thread's
message; the member gets both with the reference; Madrid's staff can neither see nor act on
it; the member's /delete erases it. Also: emergencies, bad input and the daily limit, a photo
with the question, an answer to a member who blocked the bot, and the overdue reminder."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.inbox.service import PROBLEM_TEXTS, QUESTION_MAX, InboxProblem
from bot.services import Services
from bot.settings import Settings
from handlers.ask import due_text
from handlers.context import App
from handlers.inbox import send_reminders
from sandbox import Sandbox, SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.chat import ChatUser, Message, button_labels
from tests.auxil.crash import kill_point
from tests.auxil.members import add_member
from tests.auxil.running import Restarts

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 40, 30) + b"\x08\x02"
QUESTION = "كيف أجدد جواز السفر؟ انتهت صلاحية جواز السفر الخاص بي"
REFERENCE = re.compile(r"Q-[A-Z2-9]{6}")
REFUSAL = "This is only for consular staff."


def text_of(message: Message) -> str:
    return str(message.get("text") or message.get("caption") or "")


def with_button(messages: list[Message], data: str) -> Message:
    for message in messages:
        for row in message.get("inline_keyboard", []):
            if any(button.get("callback_data") == data for button in row):
                return message
    raise AssertionError(f"no message with a button {data!r}: {messages}")


async def member_of(
    client: SandboxClient, services: Services, name: str, language: str, consulate: str
) -> ChatUser:
    """A registered member of ``consulate`` who reads ``language``."""
    member = await ChatUser.create(client, name, language)
    await add_member(services, member.id, language=language, consulate_id=consulate)
    return member


async def ask_in_arabic(client: SandboxClient, services: Services) -> tuple[ChatUser, str]:
    """A London member asks about their passport in Arabic, is offered the guidance page on
    passports, reads it, and sends anyway; return them and the reference."""
    member = await member_of(client, services, "Layla Haddad", "ar", "london")
    topics = await member.send("/ask")
    prompt = await member.choose(
        with_button(topics, "v1:ask:topic:documents"), "v1:ask:topic:documents"
    )
    assert "/cancel" in text_of(prompt[0])
    offer = await member.send(QUESTION)
    choice = with_button(offer, "v1:ask:send")
    page_title = services.guidance_for("ar").topic("documents")
    assert page_title is not None and page_title.title in button_labels(choice)
    (page,) = await member.choose(choice, "v1:ask:page:documents")
    assert page_title.title in text_of(page)
    (sent,) = await member.choose(choice, "v1:ask:send")
    found = REFERENCE.search(text_of(sent))
    assert found, text_of(sent)
    consulate = services.deployment.consulate("london")
    assert consulate is not None and consulate.name_in("ar") in text_of(sent)
    (thread,) = await services.inbox.threads_of(member.id)
    arabic = services.languages.translator("ar")
    assert due_text(arabic, thread.due_at, consulate.zone) in text_of(sent)
    return member, found.group(0)


async def staff(client: SandboxClient, services: Services, name: str, consulate: str) -> ChatUser:
    person = await ChatUser.create(client, name, "en")
    await services.staff.put(OPERATOR, person.id, "editor", [consulate])
    return person


async def test_a_question_in_arabic_is_answered_by_london_and_hidden_from_madrid(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member, reference = await ask_in_arabic(client, services)
    london = await staff(client, services, "London editor", "london")
    madrid = await staff(client, services, "Madrid editor", "madrid")

    # London sees the thread, oldest first, and opens it: the handle, never who it is.
    listing = await london.send("/inbox")
    opened = await london.choose(
        with_button(listing, f"v1:inbox:open:{reference}"), f"v1:inbox:open:{reference}"
    )
    view = with_button(opened, f"v1:inbox:reply:{reference}")
    shown = text_of(view) + "".join(button_labels(view))
    assert QUESTION in shown and reference in shown
    assert re.search(r"Member \d{4} · London · Arabic", shown), shown
    assert str(member.id) not in shown and "Layla" not in shown and "Haddad" not in shown

    # A saved reply, in the member's language, reaches them with the reference.
    saved = await london.choose(view, f"v1:inbox:saved:{reference}")
    use = f"v1:inbox:use:{reference}:appointment"
    (told,) = await london.choose(with_button(saved, use), use)
    assert f"answer to {reference} was delivered" in text_of(told)
    answer = await member.last_bot_message()
    arabic = services.deployment.saved_reply("appointment")
    assert arabic is not None and arabic.texts["ar"] in text_of(answer)
    assert reference in text_of(answer)

    # Replying to the thread's message answers it too.
    (told,) = await london.send("نرحب بك يوم الاثنين", reply_to=view["message_id"])
    assert "delivered" in text_of(told)
    assert "نرحب بك يوم الاثنين" in text_of(await member.last_bot_message())

    # The member replies to the answer: the thread gets it.
    (added,) = await member.send("شكرا", reply_to=answer["message_id"])
    assert reference in text_of(added)

    # Madrid sees nothing and can do nothing with it.
    (listed,) = await madrid.send("/inbox")
    assert reference not in text_of(listed) + "".join(button_labels(listed))
    for data in (
        f"v1:inbox:open:{reference}",
        f"v1:inbox:use:{reference}:appointment",
        f"v1:inbox:close:{reference}",
        f"v1:inbox:mine:{reference}",
    ):
        update = await madrid.press_data(0, data, forge=True)
        assert await madrid.callback_answer(update["callback_query"]["id"]) == REFUSAL
    messages = await services.database.fetch_all("SELECT sender FROM inbox_messages")
    assert [row[0] for row in messages] == ["member", "staff", "staff", "member"]

    # /delete erases the thread and its messages.
    (confirm,) = await member.send("/delete")
    await member.choose(confirm, "v1:delete:yes")
    for table in ("inbox_threads", "inbox_messages"):
        assert await services.database.fetch_all(f"SELECT * FROM {table}") == []


async def pick_topic(member: ChatUser, topic: str) -> Message:
    """/ask, then the topic's button; return the bot's prompt."""
    topics = await member.send("/ask")
    data = f"v1:ask:topic:{topic}"
    (prompt,) = await member.choose(with_button(topics, data), data)
    return prompt


async def test_emergencies_show_the_24_hour_number_at_once(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Ana", "es", "madrid")
    prompt = await pick_topic(member, "assistance")
    consulate = services.deployment.consulate("madrid")
    assert consulate is not None and consulate.emergency_phone in text_of(prompt)


async def test_bad_input_and_the_daily_limit_get_a_short_answer(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Marie", "fr", "london")
    await pick_topic(member, "other")
    (too_long,) = await member.send("a" * (QUESTION_MAX + 1))
    french = services.languages.translator("fr")
    assert text_of(too_long) == french.gettext(PROBLEM_TEXTS[InboxProblem.TOO_LONG])
    (unsupported,) = await member.attach(b"PK\x03\x04zip", "archive.zip", "application/zip")
    assert "PDF" in text_of(unsupported)
    # Nothing was lost: the topic is kept, a question in words is taken.
    (sent,) = await member.send("Ma question 7")
    assert REFERENCE.search(text_of(sent))
    for index in range(services.deployment.policies.questions_per_day - 1):
        await pick_topic(member, "other")
        await member.send(f"Ma question {index}")
    (refused,) = await member.send("/ask")
    assert "24" in text_of(refused) and "v1:ask:topic:other" not in str(refused)


async def open_thread(person: ChatUser, reference: str) -> Message:
    listing = await person.send("/inbox")
    data = f"v1:inbox:open:{reference}"
    opened = await person.choose(with_button(listing, data), data)
    return with_button(opened, f"v1:inbox:reply:{reference}")


async def test_a_photo_comes_with_the_question_and_staff_get_it(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Jun", "fil", "london")
    await pick_topic(member, "civil-registry")
    answer = await member.attach(PNG, "birth.png", "image/png", caption="Zqx birth certificate")
    if any("v1:ask:send" in str(message) for message in answer):
        answer = await member.choose(with_button(answer, "v1:ask:send"), "v1:ask:send")
    found = REFERENCE.search(text_of(answer[-1]))
    assert found, answer
    london = await staff(client, services, "London editor", "london")
    await open_thread(london, found.group(0))
    messages = await london.bot_messages()
    assert any(message.get("photo") for message in messages), messages


async def test_an_answer_to_a_member_who_blocked_the_bot_stays_marked_undelivered(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Rosa", "es", "london")
    thread = await services.inbox.ask(member.id, "other", "¿Horario?", datetime.now(UTC))
    await client.block(member.id)
    london = await staff(client, services, "London editor", "london")
    view = await open_thread(london, thread.reference)
    (told,) = await london.send("De 9 a 17 h.", reply_to=view["message_id"])
    assert "blocked the bot" in text_of(told) and thread.reference in text_of(told)
    again = await open_thread(london, thread.reference)
    assert "De 9 a 17 h." in text_of(again) and "not delivered" in text_of(again)


async def test_an_answer_telegram_fails_to_take_is_kept_and_said_so_not_lost(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    """Telegram answers 500 to the answer (not a block): the staff member is told it was kept
    and not delivered, to send again later; no apology, nothing lost."""
    member = await member_of(client, services, "Iris", "en", "london")
    thread = await services.inbox.ask(member.id, "other", "Opening hours?", datetime.now(UTC))
    london = await staff(client, services, "London editor", "london")
    view = await open_thread(london, thread.reference)
    fault = {"method": "sendMessage", "chat_id": member.id, "status": 500, "count": 3}
    await client.set_faults(injections=[fault])
    (told,) = await london.send("9 to 5.", reply_to=view["message_id"], timeout=20)
    await client.set_faults(injections=[])
    assert thread.reference in text_of(told) and "again" in text_of(told)
    assert "blocked" not in text_of(told) and "Sorry" not in text_of(told)
    again = await open_thread(london, thread.reference)
    assert "9 to 5." in text_of(again) and "not delivered" in text_of(again)


async def test_staff_are_reminded_once_of_an_unanswered_question_past_its_time(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    _, application = running
    member = await member_of(client, services, "Paulo", "pt", "london")
    thread = await services.inbox.ask(member.id, "other", "Pergunta", datetime.now(UTC))
    london = await staff(client, services, "London editor", "london")
    madrid = await staff(client, services, "Madrid editor", "madrid")
    later = thread.due_at + timedelta(minutes=1)
    await send_reminders(application.bot, services, later)
    await send_reminders(application.bot, services, later + timedelta(hours=1))
    reminders = [m for m in await london.bot_messages() if thread.reference in text_of(m)]
    assert len(reminders) == 1 and "/inbox" in text_of(reminders[0])
    assert await madrid.bot_messages() == []


async def test_a_kill_right_after_each_step_keeps_the_member_where_they_were(
    restarts: Restarts, client: SandboxClient, sandbox: Sandbox, settings: Settings
) -> None:
    """The bot showed a step and was killed at once: after the restart the member goes on
    from that step, never to "this button is no longer valid" or "I didn't understand"."""
    database = Path(settings.db_path)
    services = await restarts.start()
    member = await member_of(client, services, "Ana", "en", "london")
    with kill_point(sandbox, database, member.id) as point:
        topics = await member.send("/ask")
    await restarts.crash(point)
    await restarts.start()
    data = "v1:ask:topic:documents"
    with kill_point(sandbox, database, member.id) as point:
        (prompt,) = await member.choose(with_button(topics, data), data)
    assert "/cancel" in text_of(prompt)
    await restarts.crash(point)
    await restarts.start()
    answered = await member.send("When does the consulate open on Saturdays?")
    assert any(
        REFERENCE.search(text_of(m)) or "v1:ask:send" in str(m.get("inline_keyboard"))
        for m in answered
    ), answered


# --- a call-back (issue 13, item 2) ------------------------------------------------------------


async def ask_for_call_back(member: ChatUser, confirmation: Message, reference: str) -> None:
    """Press "Ask for a call-back" on the confirmation: the contact button is offered."""
    (offer,) = await member.choose(confirmation, f"v1:ask:call:{reference}")
    assert reference in text_of(offer) and "only" in text_of(offer).lower()
    keyboard = await member.client.chat_state(member.id)
    buttons = [b for row in keyboard["reply_keyboard"]["keyboard"] for b in row]
    assert any(button.get("request_contact") for button in buttons), buttons


async def callback_phone(services: Services, reference: str) -> object:
    row = await services.database.fetch_one(
        "SELECT callback_phone FROM inbox_threads WHERE reference = ?", (reference,)
    )
    assert row is not None
    return row[0]


async def test_a_member_shares_a_number_for_a_call_back_in_one_thread_only(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Grace Mensah", "en", "london")
    await pick_topic(member, "other")
    (sent,) = await member.send("Zqx plugh xyzzy")
    found = REFERENCE.search(text_of(sent))
    assert found, text_of(sent)
    reference = found.group(0)
    other = await services.inbox.ask(member.id, "other", "Zqx second question", datetime.now(UTC))

    await ask_for_call_back(member, sent, reference)
    answer = await member.share_contact(phone="447700900123")
    shared = with_button(answer, f"v1:ask:nocall:{reference}")
    assert "+447700900123" in text_of(shared) and reference in text_of(shared)
    assert await callback_phone(services, reference) == "+447700900123"
    assert await callback_phone(services, other.reference) is None

    # London's editor sees it in that thread's view, never in /inbox's list; not in the other.
    london = await staff(client, services, "London editor", "london")
    listing = await london.send("/inbox")
    assert "447700900123" not in str(listing)
    view = await open_thread(london, reference)
    assert "Call-back requested: +447700900123" in text_of(view)
    assert "447700900123" not in text_of(await open_thread(london, other.reference))

    # Madrid's editor cannot open the thread at all.
    madrid = await staff(client, services, "Madrid editor", "madrid")
    assert reference not in str(await madrid.send("/inbox"))
    update = await madrid.press_data(0, f"v1:inbox:open:{reference}", forge=True)
    assert await madrid.callback_answer(update["callback_query"]["id"]) == REFUSAL
    assert "447700900123" not in str(await madrid.bot_messages())

    # /mydata holds it (the export and a button to stop sharing it).
    mine = await member.send("/mydata")
    assert any("+447700900123" in str(message) for message in mine), mine
    with_button(mine, f"v1:ask:nocall:{reference}")
    export = await services.members.export(member.id)
    assert "+447700900123" in str(export["tables"]["inbox_threads"])

    # The member withdraws it: gone from the database and from the staff's view.
    (withdrawn,) = await member.choose(shared, f"v1:ask:nocall:{reference}")
    assert "no longer shared" in text_of(withdrawn)
    assert await callback_phone(services, reference) is None
    assert "447700900123" not in str(await open_thread(london, reference))


async def test_a_contact_of_someone_else_is_refused_for_a_call_back(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    member = await member_of(client, services, "Omar", "en", "london")
    stranger = await ChatUser.create(client, "Stranger", "en")
    await pick_topic(member, "other")
    (sent,) = await member.send("Zqx plugh")
    found = REFERENCE.search(text_of(sent))
    assert found, text_of(sent)
    await ask_for_call_back(member, sent, found.group(0))
    (refused,) = await member.share_contact(of_user=stranger.id)
    english = services.languages.translator("en")
    assert text_of(refused) == english.gettext(PROBLEM_TEXTS[InboxProblem.NOT_OWN_CONTACT])
    assert await callback_phone(services, found.group(0)) is None
    # Cancel instead of the button: nothing is shared either.
    await ask_for_call_back(member, sent, found.group(0))
    (cancelled,) = await member.send("Cancel")
    assert text_of(cancelled) == "Nothing was shared."
    assert await callback_phone(services, found.group(0)) is None
