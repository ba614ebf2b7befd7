"""The inbox's measures: first-answer median and 90th percentile, threads open and the
members' rating per consulate, all under the disclosure rule; staff read only their
consulates'; a member rates a closed thread once, after being asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.access import AccessDenied, Actor
from bot.inbox.measures import format_measures, measure, percentile
from bot.services import Services
from bot.storage.inbox_measures import ThreadTiming
from tests.auxil.actors import OPERATOR, as_staff
from tests.auxil.members import add_member

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
LONDON_STAFF = 6_200_000_001
SYSTEM = Actor.system("test")


def timing(minutes: int | None, status: str = "closed", rating: int | None = None) -> ThreadTiming:
    answered = NOW + timedelta(minutes=minutes) if minutes is not None else None
    return ThreadTiming("london", status, NOW, answered, rating)


def test_the_percentile_is_the_nearest_rank() -> None:
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 21)), 0.9) == 18
    assert percentile([7.0], 0.9) == 7.0


def test_fewer_than_k_answered_threads_show_no_time_and_no_rating() -> None:
    timings = [timing(m, rating=5) for m in (10, 20, 30, 40)] + [timing(None, "open")]
    shown = measure("london", timings, 5)
    assert shown.answered is None and shown.open_threads is None
    assert shown.median_seconds is None and shown.p90_seconds is None and shown.rating is None


def test_k_answered_threads_show_the_median_and_the_90th_percentile() -> None:
    timings = [timing(m) for m in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)]
    shown = measure("london", [*timings, timing(None, "open")], 5)
    assert shown.answered == 10 and shown.open_threads is None
    assert shown.median_seconds == 55 * 60 and shown.p90_seconds == 90 * 60
    assert shown.rating is None  # nobody rated


def test_a_rating_needs_k_ratings_not_only_k_answers() -> None:
    four = [timing(10, rating=r) for r in (1, 2, 4, 5)] + [timing(10)] * 3
    assert measure("london", four, 5).rating is None
    five = [*four, timing(10, rating=3)]
    assert measure("london", five, 5).rating == 3.0


def test_zero_is_shown_as_zero() -> None:
    shown = measure("london", [], 5)
    assert shown.open_threads == 0 and shown.answered == 0


def test_the_operator_report_hides_what_the_rule_hides() -> None:
    text = format_measures([measure("london", [timing(10), timing(None, "open")], 5)])
    assert "<5" in text and "0h10m" not in text


async def asked_and_answered(services: Services, minutes: list[int]) -> list[str]:
    """London members each ask once; staff answer after ``minutes`` and close."""
    staff = await as_staff(services, LONDON_STAFF)
    references = []
    for index, wait in enumerate(minutes):
        member = 6_200_100_000 + index
        await add_member(services, member, consulate_id="london")
        thread = await services.inbox.ask(member, "documents", "Passport?", NOW)
        later = NOW + timedelta(minutes=wait)
        await services.inbox.reply(staff, thread.reference, "Answer", later)
        await services.inbox.close(staff, thread.reference, later)
        references.append(thread.reference)
    return references


@pytest.fixture
async def ready(services: Services) -> Services:
    await services.staff.put(OPERATOR, LONDON_STAFF, "editor", ["london"])
    return services


async def test_first_answer_times_come_from_the_first_staff_message(ready: Services) -> None:
    await asked_and_answered(ready, [60, 120, 180, 240, 300])
    staff = await as_staff(ready, LONDON_STAFF)
    (london,) = await ready.inbox_measures.measures(staff)
    assert london.consulate_id == "london"
    assert london.answered == 5 and london.open_threads == 0
    assert london.median_seconds == 3 * 3600 and london.p90_seconds == 5 * 3600
    everyone = await ready.inbox_measures.measures(SYSTEM)
    assert [m.consulate_id for m in everyone] == [c.id for c in ready.deployment.consulates]


async def test_members_rate_once_after_being_asked(ready: Services) -> None:
    (reference,) = await asked_and_answered(ready, [30])
    member = 6_200_100_000
    assert not await ready.inbox_measures.rate(member, reference, 4)  # not asked yet
    prompts = await ready.inbox_measures.rating_prompts(SYSTEM, NOW)
    assert [p.reference for p in prompts] == [reference]
    assert await ready.inbox_measures.rating_prompts(SYSTEM, NOW) == []  # asked once
    assert not await ready.inbox_measures.rate(member + 1, reference, 4)  # not theirs
    assert not await ready.inbox_measures.rate(member, reference, 6)
    assert await ready.inbox_measures.rate(member, reference, 4)
    assert not await ready.inbox_measures.rate(member, reference, 1)  # once


async def test_staff_without_view_read_no_measures(ready: Services) -> None:
    with pytest.raises(AccessDenied):
        await ready.inbox_measures.measures(Actor.in_chat(42, None))
