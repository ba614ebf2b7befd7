"""The inbox at the desk: London's staff list their consulates' open questions oldest first
under a pseudonymous handle, open one, assign it, answer it (in their words or with a saved
reply in the member's language) and the member gets the answer through the bot with the
reference; close and reopen; every action audited as the console's; a viewer reads only;
the measures are shown under the disclosure rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.access import Actor
from bot.inbox.service import Delivery, DeliveryOutcome
from bot.services import Services
from console.app import build_console
from handlers.context import App
from handlers.inbox import deliver
from sandbox import SandboxClient
from tests.auxil.actors import as_staff
from tests.auxil.chat import ChatUser
from tests.auxil.members import add_member
from tests.console.conftest import LONDON_EDITOR, MADRID_EDITOR, VIEWER, csrf_of

QUESTION = "How do I renew my passport from here?"
ARABIC_APPOINTMENT = "يُرجى حجز موعد في القنصلية"

Desk = Callable[[int], Awaitable[TestClient]]  # type: ignore[type-arg]


@pytest.fixture
async def desk(staff: None, services: Services, bot: App) -> AsyncIterator[Desk]:
    """A browser signed in to a console whose replies go out through the running bot."""
    clients: list[TestClient] = []  # type: ignore[type-arg]

    async def through_bot(delivery: Delivery) -> DeliveryOutcome:
        return await deliver(bot.bot, services, delivery)

    async def signed_in(telegram_user_id: int) -> TestClient:  # type: ignore[type-arg]
        token = await services.signin.new_link_token(
            Actor.in_chat(telegram_user_id, await services.staff.find(telegram_user_id)),
            datetime.now(UTC),
        )
        client = TestClient(TestServer(build_console(services, through_bot)))
        await client.start_server()
        clients.append(client)
        answer = await client.post("/login", data={"token": token}, allow_redirects=False)
        assert answer.status == 303
        return client

    yield signed_in
    for client in clients:
        await client.close()


async def member_asks(
    client: SandboxClient, services: Services, language: str, consulate: str, when: datetime
) -> tuple[ChatUser, str]:
    member = await ChatUser.create(client, f"Member {language}", language)
    await add_member(services, member.id, language=language, consulate_id=consulate)
    thread = await services.inbox.ask(member.id, "documents", QUESTION, when)
    return member, thread.reference


async def test_london_staff_list_their_open_questions_oldest_first_without_identity(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    now = datetime.now(UTC)
    older, first = await member_asks(client, services, "fil", "london", now - timedelta(hours=5))
    _, second = await member_asks(client, services, "en", "london", now - timedelta(hours=1))
    _, madrids = await member_asks(client, services, "es", "madrid", now - timedelta(hours=9))
    page = await (await (await desk(LONDON_EDITOR)).get("/inbox")).text()
    assert first in page and second in page and page.index(first) < page.index(second)
    assert madrids not in page
    assert str(older.id) not in page and "Member fil" not in page
    (thread,) = [t for t in await services.inbox.threads_of(older.id)]
    assert f"Member {thread.handle_number} · London · Filipino" in page
    assert "Not assigned" in page and "Passport and documents" in page


async def test_an_answer_from_the_console_reaches_the_member_with_the_reference(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    member, reference = await member_asks(client, services, "en", "london", datetime.now(UTC))
    browser = await desk(LONDON_EDITOR)
    thread_page = await (await browser.get(f"/inbox/{reference}")).text()
    assert QUESTION in thread_page
    token = csrf_of(thread_page)
    assigned = await browser.post(f"/inbox/{reference}/assign", data={"csrf": token})
    assert "Assigned to you" in await assigned.text()
    answered = await browser.post(
        f"/inbox/{reference}/reply", data={"csrf": token, "text": "Book at the consulate."}
    )
    assert f"Your answer to {reference} was delivered." in await answered.text()
    received = str((await member.last_bot_message()).get("text"))
    assert reference in received and "Book at the consulate." in received
    log = await services.staff.audit_log(await as_staff(services, 1001), 10)
    done = {(row.actor, row.action, row.subject) for row in log}
    assert (f"console:tg:{LONDON_EDITOR}", "inbox.assign", reference) in done
    assert (f"console:tg:{LONDON_EDITOR}", "inbox.reply", reference) in done


async def test_saved_replies_are_offered_and_sent_in_the_members_language(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    member, reference = await member_asks(client, services, "ar", "london", datetime.now(UTC))
    browser = await desk(LONDON_EDITOR)
    page = await (await browser.get(f"/inbox/{reference}")).text()
    assert ARABIC_APPOINTMENT in page and "Book an appointment" in page
    answered = await browser.post(
        f"/inbox/{reference}/reply", data={"csrf": csrf_of(page), "saved": "appointment"}
    )
    assert answered.status == 200
    assert ARABIC_APPOINTMENT in str((await member.last_bot_message()).get("text"))


async def test_a_question_is_closed_and_reopened_at_the_desk(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    _, reference = await member_asks(client, services, "en", "london", datetime.now(UTC))
    browser = await desk(LONDON_EDITOR)
    token = csrf_of(await (await browser.get(f"/inbox/{reference}")).text())
    closed = await browser.post(f"/inbox/{reference}/close", data={"csrf": token})
    assert "Reopen" in await closed.text()
    assert reference not in await (await browser.get("/inbox")).text()
    reopened = await browser.post(f"/inbox/{reference}/reopen", data={"csrf": token})
    assert "Send the answer" in await reopened.text()
    assert reference in await (await browser.get("/inbox")).text()
    log = await services.staff.audit_log(await as_staff(services, 1001), 10)
    assert {"inbox.close", "inbox.reopen"} <= {row.action for row in log}


async def test_an_answer_that_is_too_long_is_refused_with_the_reason(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    _, reference = await member_asks(client, services, "en", "london", datetime.now(UTC))
    browser = await desk(LONDON_EDITOR)
    token = csrf_of(await (await browser.get(f"/inbox/{reference}")).text())
    answer = await browser.post(
        f"/inbox/{reference}/reply", data={"csrf": token, "text": "x" * 2001}
    )
    assert answer.status == 400
    assert "too long" in await answer.text()


async def test_a_viewer_reads_but_gets_no_buttons_and_madrid_sees_nothing(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    _, reference = await member_asks(client, services, "en", "london", datetime.now(UTC))
    page = await (await (await desk(VIEWER)).get(f"/inbox/{reference}")).text()
    assert QUESTION in page and "Send the answer" not in page and "Assign to me" not in page
    madrid = await desk(MADRID_EDITOR)
    assert reference not in await (await madrid.get("/inbox")).text()
    refused = await madrid.get(f"/inbox/{reference}")
    assert refused.status == 403 and QUESTION not in await refused.text()
    assert (await madrid.get("/inbox/Q-AAAAAA")).status == 404


async def test_a_call_back_number_shows_on_its_thread_page_only_and_madrid_sees_nothing(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    member, reference = await member_asks(client, services, "en", "london", datetime.now(UTC))
    phone = "+447700900123"
    await services.inbox.share_callback_phone(member.id, reference, member.id, phone)
    london = await desk(LONDON_EDITOR)
    page = await (await london.get(f"/inbox/{reference}")).text()
    assert "Call-back requested" in page and phone in page
    assert phone not in await (await london.get("/inbox")).text()
    refused = await (await desk(MADRID_EDITOR)).get(f"/inbox/{reference}")
    assert refused.status == 403 and phone not in await refused.text()
    await services.inbox.withdraw_callback_phone(member.id, reference)
    page = await (await london.get(f"/inbox/{reference}")).text()
    assert "Call-back requested" not in page and phone not in page


async def test_the_measures_show_no_time_until_k_questions_were_answered(
    desk: Desk, client: SandboxClient, services: Services
) -> None:
    staff = await as_staff(services, LONDON_EDITOR)
    asked = datetime.now(UTC) - timedelta(hours=10)
    for index in range(5):
        _, reference = await member_asks(client, services, "en", "london", asked)
        await services.inbox.reply(staff, reference, "Answer", asked + timedelta(hours=index + 1))
        if index == 3:
            page = await (await (await desk(LONDON_EDITOR)).get("/inbox")).text()
            assert "not shown (fewer than 5)" in page and "fewer than 5" in page
            assert "2 hours" not in page and "3 hours" not in page
    page = await (await (await desk(LONDON_EDITOR)).get("/inbox")).text()
    assert "3 hours" in page and "5 hours" in page  # the median and 9 in 10
    assert "Madrid" not in page  # London's editor reads London's figures only
