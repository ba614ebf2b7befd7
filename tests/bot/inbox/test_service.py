"""The inbox's rules: remit, limits, reopening, retention and the pseudonymous thread."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.access import AccessDenied, Actor
from bot.inbox.service import QUESTION_MAX, InboxError, InboxProblem
from bot.retention import RetentionPolicy, RetentionService
from bot.services import Services
from tests.auxil.actors import OPERATOR, as_staff
from tests.auxil.members import add_member, rows_naming

MEMBER = 6_100_200_300
LONDON_STAFF = 6_100_200_401
MADRID_STAFF = 6_100_200_402
VIEWER = 6_100_200_403
# A Tuesday, 10:00 in London.
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def ready(services: Services) -> Services:
    await add_member(services, MEMBER, language="fil", consulate_id="london")
    await services.staff.put(OPERATOR, LONDON_STAFF, "editor", ["london"])
    await services.staff.put(OPERATOR, MADRID_STAFF, "editor", ["madrid"])
    await services.staff.put(OPERATOR, VIEWER, "viewer", ["london"])
    return services


async def test_a_question_opens_a_thread_with_a_reference_and_a_promise(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "documents", "How do I renew my passport?", NOW)
    assert thread.reference.startswith("Q-") and len(thread.reference) == 8
    assert thread.consulate_id == "london" and thread.status == "open"
    assert thread.language == "fil" and 1000 <= thread.handle_number <= 9999
    # Two opening days: Tuesday and Wednesday, closing at 17:00 London time (16:00 UTC).
    assert thread.due_at == datetime(2027, 6, 2, 16, 0, tzinfo=UTC)


async def test_the_promise_skips_the_weekend_and_a_closed_day(ready: Services) -> None:
    friday_evening = datetime(2027, 6, 4, 18, 0, tzinfo=UTC)
    thread = await ready.inbox.ask(MEMBER, "documents", "Passport?", friday_evening)
    assert thread.due_at == datetime(2027, 6, 8, 16, 0, tzinfo=UTC)  # Monday, Tuesday


async def test_staff_see_no_identity_of_the_member(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    actor = await as_staff(ready, LONDON_STAFF)
    view = await ready.inbox.view(actor, thread.reference)
    listed = await ready.inbox.open_threads(actor)
    shown = repr([asdict(view.thread), [asdict(m) for m in view.messages], listed])
    assert str(MEMBER) not in shown


async def test_staff_of_another_consulate_can_neither_see_nor_act(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    madrid = await as_staff(ready, MADRID_STAFF)
    assert await ready.inbox.open_threads(madrid) == []
    for attempt in (
        ready.inbox.view(madrid, thread.reference),
        ready.inbox.assign_to_me(madrid, thread.reference),
        ready.inbox.reply(madrid, thread.reference, "Hello", NOW),
        ready.inbox.saved_reply(madrid, thread.reference, "appointment"),
        ready.inbox.close(madrid, thread.reference, NOW),
    ):
        with pytest.raises(AccessDenied):
            await attempt
    stranger = await as_staff(ready, 12345)
    with pytest.raises(AccessDenied):
        await ready.inbox.open_threads(stranger)


async def test_a_viewer_reads_but_does_not_answer(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    viewer = await as_staff(ready, VIEWER)
    assert [t.reference for t in await ready.inbox.open_threads(viewer)] == [thread.reference]
    for attempt in (
        ready.inbox.reply(viewer, thread.reference, "Hello", NOW),
        ready.inbox.may_answer(viewer, thread.reference),
    ):
        with pytest.raises(AccessDenied):
            await attempt


async def test_a_reply_is_stored_and_a_saved_reply_comes_in_the_members_language(
    ready: Services,
) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    london = await as_staff(ready, LONDON_STAFF)
    text = await ready.inbox.saved_reply(london, thread.reference, "appointment")
    assert text.startswith("Salamat")
    delivery = await ready.inbox.reply(london, thread.reference, text, NOW)
    assert delivery.member_telegram_id == MEMBER and delivery.thread.answered_at is not None
    await ready.inbox.not_delivered(delivery)
    view = await ready.inbox.view(london, thread.reference)
    assert [(m.sender, m.delivered) for m in view.messages] == [
        ("member", True),
        ("staff", False),
    ]


async def test_writing_into_a_closed_thread_reopens_it(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    london = await as_staff(ready, LONDON_STAFF)
    assert (await ready.inbox.close(london, thread.reference, NOW)).status == "closed"
    assert await ready.inbox.open_threads(london) == []
    again = await ready.inbox.write_again(MEMBER, thread.reference, "Still?", NOW)
    assert again.status == "open"
    await add_member(ready, MEMBER + 1, consulate_id="london")
    with pytest.raises(InboxError) as refused:
        await ready.inbox.write_again(MEMBER + 1, thread.reference, "Not mine", NOW)
    assert refused.value.problem is InboxProblem.UNKNOWN_THREAD


async def test_bad_input_and_the_daily_limit(ready: Services) -> None:
    for text, problem in (
        ("  ", InboxProblem.EMPTY),
        ("x" * (QUESTION_MAX + 1), InboxProblem.TOO_LONG),
    ):
        with pytest.raises(InboxError) as refused:
            await ready.inbox.ask(MEMBER, "other", text, NOW)
        assert refused.value.problem is problem
    with pytest.raises(InboxError) as refused:
        await ready.inbox.ask(MEMBER, "nonsense", "Question", NOW)
    assert refused.value.problem is InboxProblem.UNKNOWN_TOPIC
    limit = ready.deployment.policies.questions_per_day
    for index in range(limit):
        await ready.inbox.ask(MEMBER, "other", f"Question {index}", NOW)
    with pytest.raises(InboxError) as refused:
        await ready.inbox.ask(MEMBER, "other", "One more", NOW + timedelta(hours=23))
    assert refused.value.problem is InboxProblem.DAILY_LIMIT
    await ready.inbox.ask(MEMBER, "other", "Next day", NOW + timedelta(hours=25))


async def test_only_registered_members_ask(ready: Services) -> None:
    await add_member(ready, MEMBER + 1, registered=False, consulate_id="london")
    for person in (MEMBER + 1, MEMBER + 2):
        with pytest.raises(InboxError) as refused:
            await ready.inbox.ask(person, "other", "Question", NOW)
        assert refused.value.problem is InboxProblem.NOT_REGISTERED


async def test_overdue_threads_are_reported_once(ready: Services) -> None:
    late = await ready.inbox.ask(MEMBER, "other", "Late", NOW)
    answered = await ready.inbox.ask(MEMBER, "other", "Answered", NOW)
    london = await as_staff(ready, LONDON_STAFF)
    await ready.inbox.reply(london, answered.reference, "Answer", NOW)
    job = Actor.system("inbox-reminders")
    after = late.due_at + timedelta(minutes=1)
    assert [t.reference for t in await ready.inbox.overdue(job, after)] == [late.reference]
    assert await ready.inbox.overdue(job, after + timedelta(days=1)) == []
    with pytest.raises(AccessDenied):
        await ready.inbox.overdue(london, after)


async def test_closed_threads_are_erased_after_their_period(ready: Services) -> None:
    old = await ready.inbox.ask(MEMBER, "other", "Old", NOW)
    recent = await ready.inbox.ask(MEMBER, "other", "Recent", NOW)
    still_open = await ready.inbox.ask(MEMBER, "other", "Open", NOW)
    london = await as_staff(ready, LONDON_STAFF)
    await ready.inbox.close(london, old.reference, NOW)
    await ready.inbox.close(london, recent.reference, NOW + timedelta(days=20))
    policy = RetentionPolicy(outbox_days=30, audit_days=5 * 365, inbox_days=90)
    erased = await RetentionService(ready.database, policy).erase_expired(NOW + timedelta(days=100))
    assert erased.threads == 1
    left = {t.reference for t in await ready.inbox.threads_of(MEMBER)}
    assert left == {recent.reference, still_open.reference}
    texts = [row[0] for row in await ready.database.fetch_all("SELECT text FROM inbox_messages")]
    assert sorted(texts) == ["Open", "Recent"]


async def test_delete_erases_the_members_threads(ready: Services) -> None:
    await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    export = await ready.members.export(MEMBER)
    assert export["tables"]["inbox_threads"] and export["tables"]["inbox_messages"]
    await ready.members.erase(MEMBER)
    assert await ready.database.fetch_all("SELECT * FROM inbox_threads") == []
    assert await ready.database.fetch_all("SELECT * FROM inbox_messages") == []
    assert await rows_naming(ready.database, MEMBER) == []


async def test_staff_reopen_a_closed_thread_and_every_action_is_audited(ready: Services) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "A question", NOW)
    london = await as_staff(ready, LONDON_STAFF)
    await ready.inbox.assign_to_me(london, thread.reference)
    await ready.inbox.reply(london, thread.reference, "An answer", NOW)
    await ready.inbox.close(london, thread.reference, NOW)
    for refused in (await as_staff(ready, MADRID_STAFF), await as_staff(ready, VIEWER)):
        with pytest.raises(AccessDenied):
            await ready.inbox.reopen(refused, thread.reference, NOW)
    later = NOW + timedelta(days=3)
    reopened = await ready.inbox.reopen(london, thread.reference, later)
    assert reopened.status == "open" and reopened.closed_at is None
    assert reopened.due_at == ready.inbox.due("london", later)
    log = await ready.staff.audit_log(OPERATOR, 10)
    done = [(row.actor, row.action, row.subject) for row in reversed(log)]
    actions = ["inbox.assign", "inbox.reply", "inbox.close", "inbox.reopen"]
    assert done[-4:] == [(f"tg:{LONDON_STAFF}", action, thread.reference) for action in actions]


PHONE = "+447700900123"


async def numbers_stored(services: Services) -> list[object]:
    rows = await services.database.fetch_all(
        "SELECT callback_phone FROM inbox_threads WHERE callback_phone IS NOT NULL"
    )
    return [row[0] for row in rows]


async def test_a_call_back_number_is_kept_for_one_thread_and_shown_only_in_its_view(
    ready: Services,
) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "Call me", NOW)
    other = await ready.inbox.ask(MEMBER, "other", "Another", NOW)
    shared = await ready.inbox.share_callback_phone(MEMBER, thread.reference, MEMBER, "4477009")
    assert shared == "+4477009"  # Telegram sends it without its plus
    await ready.inbox.share_callback_phone(MEMBER, thread.reference, MEMBER, PHONE)
    london = await as_staff(ready, LONDON_STAFF)
    assert (await ready.inbox.view(london, thread.reference)).callback_phone == PHONE
    assert (await ready.inbox.view(london, other.reference)).callback_phone is None
    assert PHONE not in repr(await ready.inbox.open_threads(london))
    assert PHONE not in repr(await ready.inbox.threads_of(MEMBER))
    with pytest.raises(AccessDenied):
        await ready.inbox.view(await as_staff(ready, MADRID_STAFF), thread.reference)
    assert await ready.inbox.callback_phones_of(MEMBER) == [(thread.reference, PHONE)]
    await ready.inbox.withdraw_callback_phone(MEMBER, thread.reference)
    assert (await ready.inbox.view(london, thread.reference)).callback_phone is None
    assert await numbers_stored(ready) == []


async def test_only_the_members_own_contact_for_their_own_thread_is_taken(
    ready: Services,
) -> None:
    thread = await ready.inbox.ask(MEMBER, "other", "Call me", NOW)
    for contact_user in (MADRID_STAFF, None):
        with pytest.raises(InboxError) as refused:
            await ready.inbox.share_callback_phone(MEMBER, thread.reference, contact_user, PHONE)
        assert refused.value.problem == InboxProblem.NOT_OWN_CONTACT
    someone = 6_100_200_999
    await add_member(ready, someone, language="en", consulate_id="london")
    with pytest.raises(InboxError) as not_theirs:
        await ready.inbox.share_callback_phone(someone, thread.reference, someone, PHONE)
    assert not_theirs.value.problem == InboxProblem.UNKNOWN_THREAD
    assert await numbers_stored(ready) == []


async def test_a_call_back_number_goes_with_its_thread(ready: Services) -> None:
    closed = await ready.inbox.ask(MEMBER, "other", "Old", NOW)
    await ready.inbox.share_callback_phone(MEMBER, closed.reference, MEMBER, PHONE)
    await ready.inbox.close(await as_staff(ready, LONDON_STAFF), closed.reference, NOW)
    policy = RetentionPolicy(outbox_days=30, audit_days=5 * 365, inbox_days=90)
    await RetentionService(ready.database, policy).erase_expired(NOW + timedelta(days=100))
    assert await numbers_stored(ready) == []
    kept = await ready.inbox.ask(MEMBER, "other", "New", NOW + timedelta(days=100))
    await ready.inbox.share_callback_phone(MEMBER, kept.reference, MEMBER, PHONE)
    assert PHONE in repr((await ready.members.export(MEMBER))["tables"]["inbox_threads"])
    await ready.members.erase(MEMBER)
    assert await numbers_stored(ready) == []
