"""The console and announcements' response buttons: the author chooses one on the compose form
(with places), the preview and the page say so, the page shows the answers as bands and, to
staff who may see them, the contacts members shared with the CSV download (audited); staff of
another consulate get neither."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import Services
from broadcasts.response_store import ContactKind, ResponseKind
from tests.auxil.actors import OPERATOR
from tests.auxil.broadcasting import APPROVER, running_engine
from tests.broadcasts.builders import add_member
from tests.console.conftest import LONDON_EDITOR, MADRID_EDITOR, VIEWER, SignIn, csrf_of

MEMBERS = range(4_000_000, 4_000_006)


async def test_compose_with_places_then_answers_and_contacts_on_the_page(
    staff: None, services: Services, sign_in: SignIn
) -> None:
    for user in MEMBERS:
        await add_member(services.database, user, consulate_id="london", country="GB")
    editor = await sign_in(LONDON_EDITOR)
    form = await (await editor.get("/broadcasts/new")).text()
    assert "I&#39;ll attend" in form or "I'll attend" in form
    fields = {
        "csrf": csrf_of(form),
        "category": "programme",
        "text_en": "Return programme open day",
        "consulates": "london",
        "when": "now",
        "response": "attend",
        "places": "five",
    }
    refused = await editor.post("/broadcasts/preview", data=fields)
    assert refused.status == 400 and "whole number" in await refused.text()
    fields["places"] = "5"
    preview = await (await editor.post("/broadcasts/preview", data=fields)).text()
    assert "Places: 5" in preview
    submitted = await editor.post("/broadcasts", data=fields, allow_redirects=False)
    address = submitted.headers["Location"]
    broadcast_id = int(address.rsplit("/", 1)[1])
    assert (await services.responses.offer(broadcast_id)) is not None
    offer = await services.responses.offer(broadcast_id)
    assert offer is not None and (offer.kind, offer.capacity) == (ResponseKind.ATTEND, 5)

    await services.broadcasts.approve(broadcast_id, APPROVER)
    async with running_engine(services) as (engine, _):
        (started,) = await services.broadcasts.sweep(datetime.now(UTC))
        await engine.wait_finished(started.delivery_id)
    for user in MEMBERS:
        await services.responses.press(broadcast_id, user)
    await services.responses.share(
        broadcast_id, MEMBERS[0], "Amal Haddad", ContactKind.PHONE, "+447700900123"
    )

    page = await (await editor.get(address)).text()
    assert "Answers: 5–9 · Waiting list: fewer than 5" in page  # bands, never counts
    assert "Amal Haddad" in page and "+447700900123" in page
    download = await editor.get(f"{address}/contacts.csv")
    assert download.status == 200 and "Amal Haddad" in await download.text()
    log = await services.staff.audit_log(OPERATOR)
    assert [e.actor for e in log if e.action == "broadcast.contacts.export"] == [
        f"console:tg:{LONDON_EDITOR}"
    ]

    viewer_page = await (await (await sign_in(VIEWER)).get(address)).text()
    assert "Answers: 5–9" in viewer_page and "Amal Haddad" not in viewer_page
    madrid = await sign_in(MADRID_EDITOR)
    for where in (address, f"{address}/contacts.csv"):
        answer = await madrid.get(where)
        assert "Amal Haddad" not in await answer.text()
    log = await services.staff.audit_log(OPERATOR)
    assert len([e for e in log if e.action == "broadcast.contacts.export"]) == 1


async def test_tell_me_more_is_offered_and_the_thread_names_the_announcement(
    staff: None, services: Services, sign_in: SignIn
) -> None:
    (member,) = MEMBERS[:1]
    await add_member(services.database, member, consulate_id="london", country="GB")
    editor = await sign_in(LONDON_EDITOR)
    form = await (await editor.get("/broadcasts/new")).text()
    assert 'value="tell_me_more"' in form and "Tell me more" in form
    fields = {
        "csrf": csrf_of(form),
        "category": "investment",
        "text_en": "<b>Diaspora</b> bond fair in <i>March</i>",
        "consulates": "london",
        "when": "now",
        "response": "tell_me_more",
    }
    preview = await (await editor.post("/broadcasts/preview", data=fields)).text()
    assert "Response button: Tell me more" in preview
    submitted = await editor.post("/broadcasts", data=fields, allow_redirects=False)
    broadcast_id = int(submitted.headers["Location"].rsplit("/", 1)[1])
    await services.broadcasts.approve(broadcast_id, APPROVER)
    async with running_engine(services) as (engine, _):
        (started,) = await services.broadcasts.sweep(datetime.now(UTC))
        await engine.wait_finished(started.delivery_id)

    topic = await services.responses.tell_me_more(broadcast_id, member)
    thread = await services.inbox.ask(
        member, topic, "When is it?", datetime.now(UTC), about=broadcast_id
    )
    page = await (await editor.get(f"/inbox/{thread.reference}")).text()
    assert f"About announcement #{broadcast_id}: Diaspora bond fair in March" in page
    assert "When is it?" in page and str(member) not in page
