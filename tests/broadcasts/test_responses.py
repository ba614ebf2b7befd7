"""Members answer announcements (broadcasts/responses.py): the button goes out with the
announcement, answers are counted in bands, places fill and free up in order, contacts are
shared by consent and seen only by staff of the announcement's consulates, and each reading of
them is audited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.access import AccessDenied, Role, StaffMember
from bot.disclosure import Band
from bot.services import Services
from broadcasts import Audience, DeliveryEngine, EngineConfig, Payload
from broadcasts.compose import BroadcastError, BroadcastRequest, Category
from broadcasts.deliveries import DeliveryRepository
from broadcasts.payload import DeliveryKind
from broadcasts.response_store import (
    ContactKind,
    ResponseKind,
    ResponseOffer,
    ResponseStatus,
)
from broadcasts.responses import ResponseRefused
from broadcasts.schedule import Schedule
from broadcasts.telegram_transport import TelegramTransport
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR, in_chat
from tests.auxil.broadcasting import APPROVER, Recorder, running_engine
from tests.auxil.chat import button_data
from tests.broadcasts.builders import add_member

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LONDON_EDITOR = StaffMember(3, Role.EDITOR, frozenset({"london"}))
MADRID_EDITOR = StaffMember(4, Role.EDITOR, frozenset({"madrid"}))
LONDON_VIEWER = StaffMember(5, Role.VIEWER, frozenset({"london"}))
LONDON_USERS = range(5000, 5010)
MADRID_USER = 6000


def announcement(
    offer: ResponseOffer, category: Category = Category.INVESTMENT
) -> BroadcastRequest:
    return BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=category,
        payloads=[Payload("en", text="Diaspora bond fair"), Payload("fr", text="Salon")],
        audience=Audience.of(consulates=["london"]),
        schedule=Schedule.now(),
        author=OPERATOR,
        response=offer,
    )


async def send(services: Services, request: BroadcastRequest) -> int:
    """Create, approve and send the announcement to the London members; return its id."""
    broadcast_id = (await services.broadcasts.create(request, NOW)).broadcast.id
    await services.broadcasts.approve(broadcast_id, APPROVER)
    (started,) = await services.broadcasts.sweep(NOW)
    assert services.broadcasts.engine is not None
    await services.broadcasts.engine.wait_finished(started.delivery_id)
    return broadcast_id


@pytest.fixture
async def sent(services: Services) -> AsyncIterator[Recorder]:
    for user in LONDON_USERS:
        await add_member(services.database, user, consulate_id="london", country="GB")
    await add_member(services.database, MADRID_USER, consulate_id="madrid", country="ES")
    async with running_engine(services) as (_, recorder):
        yield recorder


async def test_places_fill_in_order_and_a_freed_place_lets_the_first_waiting_in(
    services: Services, sent: Recorder
) -> None:
    broadcast_id = await send(services, announcement(ResponseOffer(ResponseKind.ATTEND, 2)))
    responses = services.responses
    answers = [await responses.press(broadcast_id, user) for user in LONDON_USERS[:4]]
    assert [a.answer.status for a in answers if a.answer] == [
        ResponseStatus.CONFIRMED,
        ResponseStatus.CONFIRMED,
        ResponseStatus.WAITING,
        ResponseStatus.WAITING,
    ]
    assert [a.answer.position for a in answers if a.answer] == [0, 0, 1, 2]
    withdrawn = await responses.press(broadcast_id, LONDON_USERS[0])
    assert withdrawn.answer is None and withdrawn.promoted is not None
    assert withdrawn.promoted.telegram_user_id == LONDON_USERS[2]
    assert withdrawn.promoted.message_id is not None  # the announcement, to reply to
    counts = await responses.repository.counts(broadcast_id)
    assert (counts.confirmed, counts.waiting) == (2, 1)
    # A waiting member who leaves frees no place and lets no one in.
    assert (await responses.press(broadcast_id, LONDON_USERS[3])).promoted is None


async def test_the_button_goes_out_in_each_language_under_the_announcement(
    services: Services, sent: Recorder
) -> None:
    broadcast_id = await send(services, announcement(ResponseOffer(ResponseKind.INTERESTED)))
    (delivery_id,) = await services.broadcasts.repository.delivery_ids(broadcast_id)
    deliveries = DeliveryRepository(services.database)
    delivery = await deliveries.get(delivery_id)
    assert delivery is not None
    payloads = await deliveries.payloads(delivery)
    labels = {code: [(b.text, b.callback_data) for b in p.buttons] for code, p in payloads.items()}
    data = f"v1:resp:press:{broadcast_id}"
    assert labels == {"en": [("I'm interested", data)], "fr": [("Ça m’intéresse", data)]}


async def test_a_member_it_was_not_sent_to_cannot_answer(
    services: Services, sent: Recorder
) -> None:
    broadcast_id = await send(services, announcement(ResponseOffer(ResponseKind.INTERESTED)))
    for stranger in (MADRID_USER, 424242):  # another consulate's member; no member at all
        with pytest.raises(ResponseRefused):
            await services.responses.press(broadcast_id, stranger)
        with pytest.raises(ResponseRefused):
            await services.responses.share(
                broadcast_id, stranger, "Eve", ContactKind.USERNAME, "@eve"
            )
    with pytest.raises(ResponseRefused):  # no such broadcast
        await services.responses.press(broadcast_id + 1, LONDON_USERS[0])
    assert (await services.responses.repository.counts(broadcast_id)).confirmed == 0


async def test_contacts_are_shared_only_after_answering_and_only_for_programmes(
    services: Services, sent: Recorder
) -> None:
    consular = await send(
        services, announcement(ResponseOffer(ResponseKind.INTERESTED), Category.CONSULAR)
    )
    pressed = await services.responses.press(consular, LONDON_USERS[0])
    assert not pressed.may_share
    with pytest.raises(ResponseRefused):
        await services.responses.share(consular, LONDON_USERS[0], "Ana", ContactKind.PHONE, "1")
    programme = await send(
        services, announcement(ResponseOffer(ResponseKind.INTERESTED), Category.PROGRAMME)
    )
    with pytest.raises(ResponseRefused):  # not answered yet
        await services.responses.sharing_terms(programme, LONDON_USERS[0])
    assert (await services.responses.press(programme, LONDON_USERS[0])).may_share
    terms = await services.responses.sharing_terms(programme, LONDON_USERS[0])
    assert terms.consulates == ("london",)
    await services.responses.share(programme, LONDON_USERS[0], "Ana", ContactKind.PHONE, "+44 7")
    (mine,) = await services.responses.shared_by(LONDON_USERS[0])
    assert (mine.broadcast_id, mine.contact) == (programme, "+44 7")
    assert await services.responses.unshare(programme, LONDON_USERS[0])
    assert await services.responses.shared_by(LONDON_USERS[0]) == []


async def test_only_staff_of_its_consulates_see_and_export_the_contacts_audited(
    services: Services, sent: Recorder
) -> None:
    broadcast_id = await send(services, announcement(ResponseOffer(ResponseKind.INTERESTED)))
    await services.responses.press(broadcast_id, LONDON_USERS[0])
    await services.responses.share(
        broadcast_id, LONDON_USERS[0], "=HYPERLINK(1)", ContactKind.USERNAME, "@ana"
    )
    for outsider in (MADRID_EDITOR, LONDON_VIEWER):
        with pytest.raises(AccessDenied):
            await services.responses.contacts(broadcast_id, in_chat(outsider))
        with pytest.raises(AccessDenied):
            await services.responses.contacts_csv(broadcast_id, in_chat(outsider))
    with pytest.raises(AccessDenied):  # nor the counts, for another consulate's staff
        await services.responses.summary(broadcast_id, in_chat(MADRID_EDITOR))
    viewer_sees = await services.responses.summary(broadcast_id, in_chat(LONDON_VIEWER))
    assert viewer_sees is not None and not viewer_sees.may_see_contacts
    csv_text = await services.responses.contacts_csv(broadcast_id, in_chat(LONDON_EDITOR))
    assert csv_text.splitlines()[1].startswith("'=HYPERLINK(1),username,@ana,")
    log = await services.staff.audit_log(OPERATOR)
    exports = [e for e in log if e.action == "broadcast.contacts.export"]
    assert [(e.actor, e.subject) for e in exports] == [("tg:3", str(broadcast_id))]


async def test_polls_carry_no_button_and_only_attend_has_places(services: Services) -> None:
    poll = BroadcastRequest(
        kind=DeliveryKind.POLL,
        category=Category.INVESTMENT,
        payloads=[Payload("en", poll_question="Q?", poll_options=("A", "B"))],
        audience=Audience.of(consulates=["london"]),
        schedule=Schedule.now(),
        author=OPERATOR,
        response=ResponseOffer(ResponseKind.INTERESTED),
    )
    with pytest.raises(BroadcastError, match="no response button"):
        await services.broadcasts.create(poll, NOW)
    with pytest.raises(BroadcastError):
        await services.broadcasts.create(
            announcement(ResponseOffer(ResponseKind.INTERESTED, 3)), NOW
        )


async def test_tell_me_more_opens_the_topic_of_the_category_for_recipients_only(
    services: Services, sent: Recorder
) -> None:
    responses = services.responses
    tell_me_more = ResponseOffer(ResponseKind.TELL_ME_MORE)
    programme = await send(services, announcement(tell_me_more, Category.PROGRAMME))
    event = await send(services, announcement(tell_me_more, Category.EVENT))
    member = LONDON_USERS[0]
    assert await responses.tell_me_more(programme, member) == "investment"
    assert await responses.tell_me_more(event, member) == "other"
    for stranger in (MADRID_USER, 424242):
        with pytest.raises(ResponseRefused):
            await responses.tell_me_more(programme, stranger)
    with pytest.raises(ResponseRefused):  # it is not an answer one can withdraw
        await responses.press(programme, member)
    interested = await send(services, announcement(ResponseOffer(ResponseKind.INTERESTED)))
    with pytest.raises(ResponseRefused):  # forged data for another kind of button
        await responses.tell_me_more(interested, member)
    # Pressing twice counts once, in the same bands as other answers.
    await responses.tell_me_more(programme, member)
    assert (await responses.repository.counts(programme)).confirmed == 1
    summary = await responses.summary(programme, OPERATOR)
    assert summary is not None and summary.offer == tell_me_more
    assert not summary.shares_contacts  # a press leads to /ask, not to sharing a contact
    with pytest.raises(ResponseRefused):
        await responses.share(programme, member, "Eve", ContactKind.USERNAME, "@eve")


# --- the done-when, through the sandbox -------------------------------------------------

SANDBOX_ENGINE = EngineConfig(rate=None, workers=8, batch_size=50, flush_interval=0.05)


async def test_200_members_30_interested_5_share_then_one_withdraws(
    services: Services, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = [(await client.create_user(f"Member{index}", "en"))["id"] for index in range(200)]
    for user in users:
        await add_member(services.database, user, consulate_id="london", country="GB")
    engine = DeliveryEngine(services.database, transport, SANDBOX_ENGINE)
    await engine.start()
    services.broadcasts.engine = engine
    try:
        broadcast_id = await send(services, announcement(ResponseOffer(ResponseKind.INTERESTED)))
    finally:
        services.broadcasts.engine = None
        await engine.stop()
    (delivered,) = [m for m in await client.chat(users[0]) if m["sender"] == "bot"]
    assert button_data(delivered, "I'm interested") == f"v1:resp:press:{broadcast_id}"

    responses = services.responses
    await asyncio.gather(*(responses.press(broadcast_id, user) for user in users[:30]))
    for index, user in enumerate(users[:5]):
        await responses.share(
            broadcast_id, user, f"Member{index}", ContactKind.PHONE, f"+4470{index}"
        )

    staff = in_chat(LONDON_EDITOR)
    summary = await responses.summary(broadcast_id, staff)
    assert summary is not None
    # The disclosure rule shows answers as progress is shown: the band of k (5) values.
    assert (summary.confirmed, summary.waiting) == (Band(30, 34), Band(0, 0))
    assert summary.may_see_contacts
    listed = await responses.contacts(broadcast_id, staff)
    assert sorted(c.name for c in listed) == [f"Member{i}" for i in range(5)]

    await responses.press(broadcast_id, users[2])  # withdraws, and their contact goes with it
    listed = await responses.contacts(broadcast_id, staff)
    assert sorted(c.name for c in listed) == ["Member0", "Member1", "Member3", "Member4"]
    summary = await responses.summary(broadcast_id, staff)
    assert summary is not None and summary.confirmed == Band(25, 29)
