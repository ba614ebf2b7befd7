"""Composing and approving broadcasts: approval rules, remit, control, the sweep, restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.access import AccessDenied, Role, StaffMember
from bot.deployment import Deployment
from bot.disclosure import Band
from bot.services import Services
from bot.settings import Settings
from broadcasts import Audience, DeliveryEngine, Payload
from broadcasts.compose import (
    BroadcastError,
    BroadcastRequest,
    BroadcastService,
    Category,
    SensitivePoll,
)
from broadcasts.payload import DeliveryKind, Media, MediaKind
from broadcasts.repository import BroadcastStatus
from broadcasts.schedule import PastZones, Recurrence, Schedule
from tests.auxil.actors import OPERATOR, in_chat
from tests.auxil.broadcasting import Recorder, running_engine
from tests.broadcasts.builders import add_member

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
ADMIN = StaffMember(1, Role.ADMIN, frozenset())
EDITOR = StaffMember(2, Role.EDITOR, frozenset())
LONDON_EDITOR = StaffMember(3, Role.EDITOR, frozenset({"london"}))
DUBAI_EDITOR = StaffMember(4, Role.EDITOR, frozenset({"dubai"}))
VIEWER = StaffMember(5, Role.VIEWER, frozenset())


def request(
    author: StaffMember | None,
    *,
    category: Category = Category.CONSULAR,
    audience: Audience | None = None,
    schedule: Schedule | None = None,
) -> BroadcastRequest:
    return BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=category,
        payloads=[Payload("en", text="Hello"), Payload("ar", text="مرحبا")],
        audience=audience or Audience.of(consulates=["london"]),
        schedule=schedule or Schedule.at(datetime(2027, 3, 28, 10), "Europe/London"),
        author=in_chat(author),
    )


@pytest.fixture
async def engine(services: Services) -> AsyncIterator[tuple[DeliveryEngine, Recorder]]:
    async with running_engine(services) as running:
        yield running


async def test_two_person_rule(services: Services) -> None:
    service = services.broadcasts
    created = await service.create(request(LONDON_EDITOR), NOW)
    assert created.needs_approval
    broadcast_id = created.broadcast.id
    with pytest.raises(BroadcastError, match="other than the author"):
        await service.approve(broadcast_id, in_chat(LONDON_EDITOR))
    with pytest.raises(AccessDenied, match="approve permission"):
        await service.approve(broadcast_id, in_chat(VIEWER))
    with pytest.raises(AccessDenied, match="may not act for london"):
        await service.approve(broadcast_id, in_chat(DUBAI_EDITOR))
    with pytest.raises(AccessDenied, match="needs a staff member"):
        await service.approve(broadcast_id, OPERATOR)
    approved = await service.approve(broadcast_id, in_chat(EDITOR))
    assert approved.status is BroadcastStatus.SCHEDULED and approved.approver == "tg:2"
    actions = [entry.action for entry in await services.staff.audit_log(OPERATOR)]
    assert "broadcast.create" in actions and "broadcast.approve" in actions


async def test_authors_stay_within_their_remit(services: Services) -> None:
    with pytest.raises(AccessDenied, match="may not act for london"):
        await services.broadcasts.create(request(DUBAI_EDITOR), NOW)
    with pytest.raises(AccessDenied, match="may not act for every consulate"):
        await services.broadcasts.create(request(DUBAI_EDITOR, audience=Audience.everyone()), NOW)
    with pytest.raises(AccessDenied, match="compose"):
        await services.broadcasts.create(request(VIEWER), NOW)
    with pytest.raises(AccessDenied, match="compose"):
        await services.broadcasts.preview(request(VIEWER), NOW)


async def test_admin_emergency_goes_at_once_but_not_an_editors(services: Services) -> None:
    emergency = await services.broadcasts.create(
        request(ADMIN, category=Category.EMERGENCY, schedule=Schedule.now()), NOW
    )
    assert not emergency.needs_approval
    assert emergency.broadcast.status is BroadcastStatus.SCHEDULED
    editors = await services.broadcasts.create(
        request(EDITOR, category=Category.EMERGENCY, schedule=Schedule.now()), NOW
    )
    assert editors.needs_approval


async def test_policy_none_needs_no_approval(services: Services, deployment: Deployment) -> None:
    relaxed = replace(deployment, policies=replace(deployment.policies, approval="none"))
    service = BroadcastService(services.database, relaxed, services.staff)
    created = await service.create(request(EDITOR), NOW)
    assert created.broadcast.status is BroadcastStatus.SCHEDULED


async def test_bad_requests_are_refused_with_reasons(services: Services) -> None:
    no_default = replace(request(EDITOR), payloads=[Payload("fr", text="Bonjour")])
    with pytest.raises(BroadcastError, match="default language"):
        await services.broadcasts.create(no_default, NOW)
    gap = request(EDITOR, schedule=Schedule.at(datetime(2027, 3, 28, 1, 30), "Europe/London"))
    with pytest.raises(BroadcastError, match="does not exist"):
        await services.broadcasts.create(gap, NOW)
    past = request(EDITOR, schedule=Schedule.at(datetime(2027, 2, 1, 10), "Europe/London"))
    with pytest.raises(BroadcastError, match="passed"):
        await services.broadcasts.create(past, NOW)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../secret.txt", "'..'"),
        ("{secret}", "absolute path"),
        ("escape.jpg", "symbolic link"),
        ("missing.jpg", "no such file"),
    ],
)
async def test_media_outside_the_media_folder_are_refused(
    services: Services, tmp_path: Path, name: str, problem: str
) -> None:
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    (media_dir / "poster.jpg").write_bytes(b"poster")
    secret = tmp_path / "secret.txt"
    secret.write_text("a private key")
    (media_dir / "escape.jpg").symlink_to(secret)
    service = BroadcastService(
        services.database, services.deployment, services.staff, media_dir=media_dir
    )

    def with_media(path: str) -> BroadcastRequest:
        photo = Media(MediaKind.PHOTO, path=path)
        payloads = [replace(p, media=photo) for p in request(EDITOR).payloads]
        return replace(request(EDITOR), payloads=payloads)

    with pytest.raises(BroadcastError, match=problem) as caught:
        await service.create(with_media(name.format(secret=secret)), NOW)
    assert str(caught.value).startswith("media ") and "\n" not in str(caught.value)
    with pytest.raises(BroadcastError, match=problem):
        await service.preview(with_media(name.format(secret=secret)), NOW)
    assert await service.recent(OPERATOR) == []
    created = await service.create(with_media("poster.jpg"), NOW)
    (stored, *_) = await service.payloads(created.broadcast, OPERATOR)
    assert stored.media == Media(MediaKind.PHOTO, path="poster.jpg")
    by_telegram = Media(MediaKind.PHOTO, file_id="AgAC-from-the-wizard")
    wizard = replace(request(EDITOR), payloads=[Payload("en", text="Hi", media=by_telegram)])
    await service.create(wizard, NOW)  # a photo Telegram already holds needs no folder


async def test_preview_counts_per_language_and_fallback(services: Services) -> None:
    db = services.database
    await add_member(db, 101, language="en", consulate_id="london", country="GB")
    await add_member(db, 102, language="ar", consulate_id="london", country="GB")
    await add_member(db, 103, language="fr", consulate_id="london", country="GB")
    await add_member(db, 104, language="en", consulate_id="dubai")
    preview = await services.broadcasts.preview(request(EDITOR), NOW)
    fewer_than_5 = Band(1, 4)  # never the count: 2, 1 and 1 all read "fewer than 5"
    assert preview.counts.per_language == {"ar": fewer_than_5, "en": fewer_than_5}
    assert preview.counts.fallback == fewer_than_5 and preview.total == fewer_than_5
    assert preview.warnings == []
    assert preview.payloads["ar"].text == "\u200fمرحبا"  # right-to-left mark added


async def test_cli_broadcast_is_sent_by_the_sweep_at_its_time(
    services: Services, engine: tuple[DeliveryEngine, Recorder]
) -> None:
    running, recorder = engine
    db = services.database
    await add_member(db, 201, language="en", consulate_id="london", country="GB")
    await add_member(db, 202, language="ar", consulate_id="dubai", country="AE")
    local = request(
        None,
        audience=Audience.of(consulates=["london", "dubai", "toronto"]),
        schedule=Schedule.local_time(datetime(2027, 3, 28, 10)),
    )
    created = await services.broadcasts.create(local, NOW)
    broadcast_id = created.broadcast.id
    assert created.needs_approval  # two-person policy applies to the command line too
    await services.broadcasts.approve(broadcast_id, in_chat(EDITOR))
    assert await services.broadcasts.sweep(datetime(2027, 3, 28, 5, 59, tzinfo=UTC)) == []
    dubai = await services.broadcasts.sweep(datetime(2027, 3, 28, 6, 0, 1, tzinfo=UTC))
    assert len(dubai) == 1
    await running.wait_finished(dubai[0].delivery_id)
    assert recorder.sent == [(202, "\u200fمرحبا")]
    london = await services.broadcasts.sweep(datetime(2027, 3, 28, 9, 0, 1, tzinfo=UTC))
    await running.wait_finished(london[0].delivery_id)
    assert (201, "Hello") in recorder.sent
    toronto = await services.broadcasts.sweep(datetime(2027, 3, 28, 23, tzinfo=UTC))
    assert len(toronto) == 1  # no member there: an empty delivery
    await running.wait_finished(toronto[0].delivery_id)
    await services.broadcasts.sweep(datetime(2027, 3, 28, 23, 1, tzinfo=UTC))
    report = await services.broadcasts.report(broadcast_id, OPERATOR)
    assert report.total("sent") == Band(1, 4)  # two: fewer than 5
    assert report.broadcast.status is BroadcastStatus.DONE


async def test_approvers_are_told_once_whatever_made_it_and_once_someone_may(
    services: Services,
) -> None:
    service = services.broadcasts
    made = (await service.create(request(None), NOW)).broadcast.id  # on the command line
    assert [b.id for b in await service.untold(OPERATOR)] == [made]
    assert await service.approvers_to_tell(made, OPERATOR) == []  # no one may approve yet
    assert [b.id for b in await service.untold(OPERATOR)] == [made]  # so it is tried again
    with pytest.raises(AccessDenied):
        await service.approvers_to_tell(made, in_chat(DUBAI_EDITOR))
    editor = await services.staff.put(OPERATOR, 3, "editor", ["london"])
    assert await service.approvers_to_tell(made, OPERATOR) == [editor]
    assert await service.approvers_to_tell(made, OPERATOR) == []  # told once
    assert await service.untold(OPERATOR) == []


async def test_local_time_already_past_in_a_zone_is_never_sent_late(services: Services) -> None:
    # 28 March 2027, 08:00 UTC: 10:00 passed in Hong Kong (02:00 UTC), not in London (09:00).
    morning = datetime(2027, 3, 28, 8, tzinfo=UTC)
    audience = Audience.of(consulates=["london", "hong-kong"])
    ten = datetime(2027, 3, 28, 10)
    late = request(EDITOR, audience=audience, schedule=Schedule.local_time(ten))
    with pytest.raises(BroadcastError, match="Asia/Hong_Kong"):
        await services.broadcasts.preview(late, morning)
    with pytest.raises(BroadcastError, match="Asia/Hong_Kong"):
        await services.broadcasts.create(late, morning)
    assert await services.broadcasts.recent(OPERATOR) == []
    for choice, zones in (
        (PastZones.NEXT_DAY, {"Europe/London", "Asia/Hong_Kong"}),
        (PastZones.SKIP, {"Europe/London"}),
    ):
        chosen = replace(late, schedule=Schedule.local_time(ten, choice))
        created = await services.broadcasts.create(chosen, morning)
        rows = await services.broadcasts.repository.schedules(created.broadcast.id)
        assert {row.zone for row in rows} == zones
        assert all(row.next_due_at is not None and row.next_due_at > morning for row in rows)


async def test_local_time_for_everyone_reaches_members_home_at_home_time(
    services: Services, engine: tuple[DeliveryEngine, Recorder]
) -> None:
    running, recorder = engine
    db = services.database
    await add_member(db, 401, consulate_id=None, country="PH", member_type="returned")
    await add_member(db, 402, consulate_id="london", country="GB")
    everyone = request(
        None, audience=Audience.everyone(), schedule=Schedule.local_time(datetime(2027, 3, 28, 10))
    )
    broadcast_id = (await services.broadcasts.create(everyone, NOW)).broadcast.id
    await services.broadcasts.approve(broadcast_id, in_chat(EDITOR))
    assert services.deployment.home_zone == "Asia/Manila"
    # 10:00 in Manila (and Hong Kong, whose consulate has no member here), long before London
    started = await services.broadcasts.sweep(datetime(2027, 3, 28, 2, 0, 1, tzinfo=UTC))
    for run in started:
        await running.wait_finished(run.delivery_id)
    assert recorder.sent == [(401, "Hello")]


async def test_cancel_pause_resume(
    services: Services, engine: tuple[DeliveryEngine, Recorder]
) -> None:
    service = services.broadcasts
    await add_member(services.database, 301, language="en", consulate_id="london", country="GB")
    recurring = request(EDITOR, schedule=Schedule.at(datetime(2027, 3, 28, 10), "Europe/London"))
    broadcast_id = (await service.create(recurring, NOW)).broadcast.id
    await service.approve(broadcast_id, in_chat(ADMIN))
    with pytest.raises(AccessDenied, match="may not act for london"):
        await service.pause(broadcast_id, in_chat(DUBAI_EDITOR))
    with pytest.raises(AccessDenied, match="neither the author nor an admin"):
        await service.pause(broadcast_id, in_chat(LONDON_EDITOR))
    await service.pause(broadcast_id, in_chat(EDITOR))
    due = datetime(2027, 3, 28, 9, 0, 1, tzinfo=UTC)
    assert await service.sweep(due) == []  # paused: nothing goes out
    await service.resume(broadcast_id, in_chat(ADMIN), due)
    started = await service.sweep(due + timedelta(seconds=5))
    assert len(started) == 1
    await service.cancel(broadcast_id, OPERATOR)
    assert (await service.get(broadcast_id, OPERATOR)).status is BroadcastStatus.CANCELLED
    with pytest.raises(BroadcastError, match="already cancelled"):
        await service.cancel(broadcast_id, in_chat(ADMIN))


async def test_schedules_survive_a_restart(settings: Settings, deployment: Deployment) -> None:
    first = await Services.open(settings, deployment)
    weekly = Schedule.recurring(
        Recurrence.WEEKLY,
        datetime(2027, 3, 21, 10),
        "Europe/London",
    )
    created = await first.broadcasts.create(request(EDITOR, schedule=weekly), NOW)
    await first.close()
    second = await Services.open(settings, deployment)
    try:
        (row,) = await second.broadcasts.repository.schedules(created.broadcast.id)
        assert row.next_due_at == datetime(2027, 3, 21, 10, tzinfo=UTC)
        assert (await second.broadcasts.get(created.broadcast.id, OPERATOR)).schedule == weekly
    finally:
        await second.close()


async def test_review_is_everything_an_approver_must_see(services: Services) -> None:
    db = services.database
    for user_id in range(501, 508):
        await add_member(db, user_id, consulate_id="london", country="GB")
    local = request(
        LONDON_EDITOR,
        audience=Audience.of(consulates=["london", "dubai"], member_types=["abroad"]),
        schedule=Schedule.local_time(datetime(2027, 3, 28, 10)),
    )
    asylum = [
        Payload("en", text="Free advice on <b>asylum</b> claims"),
        Payload("ar", text="مرحبا"),
    ]
    created = await services.broadcasts.create(
        replace(local, author=in_chat(EDITOR), payloads=asylum), NOW
    )
    review = await services.broadcasts.review(created.broadcast.id, in_chat(ADMIN))
    assert [p.language for p in review.payloads] == ["ar", "en"]
    assert review.payloads[0].text == "\u200fمرحبا"
    assert review.broadcast.audience == Audience.of(
        consulates=["london", "dubai"], member_types=["abroad"]
    )
    assert review.size == Band(5, 9)  # seven members: a band, never 7
    assert [(r.zone, r.next_due_at) for r in review.runs] == [
        ("Asia/Dubai", datetime(2027, 3, 28, 6, tzinfo=UTC)),
        ("Europe/London", datetime(2027, 3, 28, 9, tzinfo=UTC)),
    ]
    (warning,) = review.warnings
    assert (warning.topic.id, warning.field) == ("asylum-refugee", "text.en")
    assert review.may_approve
    assert not (await services.broadcasts.review(created.broadcast.id, in_chat(EDITOR))).may_approve
    with pytest.raises(AccessDenied, match="may not act for"):
        await services.broadcasts.review(created.broadcast.id, in_chat(LONDON_EDITOR))
    assert created.warnings == review.warnings and created.size == Band(5, 9)


async def test_a_poll_about_a_sensitive_topic_is_refused_however_it_arrives(
    services: Services,
) -> None:
    poll = BroadcastRequest(
        kind=DeliveryKind.POLL,
        category=Category.CONSULAR,
        payloads=[
            Payload("en", poll_question="Which service?", poll_options=("Passports", "Other")),
            Payload(
                "fr", poll_question="Quel service ?", poll_options=("Passeports", "Titre de séjour")
            ),
        ],
        audience=Audience.of(consulates=["london"]),
        schedule=Schedule.now(),
        author=in_chat(EDITOR),
    )
    for attempt in (services.broadcasts.preview, services.broadcasts.create):
        with pytest.raises(SensitivePoll) as refused:
            await attempt(poll, NOW)
        assert isinstance(refused.value, BroadcastError)
        assert refused.value.matches[0].field == "options[2].fr"
    assert await services.broadcasts.recent(OPERATOR) == []
    message = replace(
        poll, kind=DeliveryKind.MESSAGE, payloads=[Payload("en", text="Titre de séjour")]
    )
    assert (await services.broadcasts.preview(message, NOW)).warnings  # a message: a warning


async def test_two_sweeps_at_once_start_a_due_broadcast_once(
    services: Services, engine: tuple[DeliveryEngine, Recorder]
) -> None:
    # The bot's sweep job and a staff member's "send now" can sweep at the same moment.
    running, recorder = engine
    service = services.broadcasts
    await add_member(services.database, 301, language="en", consulate_id="london", country="GB")
    due = datetime(2027, 3, 28, 9, 0, 1, tzinfo=UTC)
    for _ in range(3):
        once = request(EDITOR, schedule=Schedule.at(datetime(2027, 3, 28, 10), "Europe/London"))
        await service.approve((await service.create(once, NOW)).broadcast.id, in_chat(ADMIN))
    sweeps = await asyncio.gather(*(service.sweep(due) for _ in range(4)))
    started = [run for sweep in sweeps for run in sweep]
    assert len(started) == 3
    for run in started:
        await running.wait_finished(run.delivery_id)
    assert recorder.sent == [(301, "Hello")] * 3
