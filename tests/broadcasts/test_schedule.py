"""Schedules in consulate and recipient time zones across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from broadcasts.schedule import (
    PastZones,
    Recurrence,
    Schedule,
    ScheduleError,
    ZonesPassed,
    ambiguity_note,
    moved_to_next_day,
    next_occurrence,
    plan,
    to_utc,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 1, tzinfo=UTC)
ZONES = {"london": "Europe/London", "dubai": "Asia/Dubai", "toronto": "America/Toronto"}


def test_at_in_the_consulate_zone_across_the_spring_change() -> None:
    assert to_utc(datetime(2027, 3, 28, 10), LONDON) == datetime(2027, 3, 28, 9, tzinfo=UTC)
    assert to_utc(datetime(2027, 3, 27, 10), LONDON) == datetime(2027, 3, 27, 10, tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_is_refused() -> None:
    with pytest.raises(ScheduleError, match="does not exist"):
        plan(Schedule.at(datetime(2027, 3, 28, 1, 30), "Europe/London"), NOW, ZONES)


def test_the_repeated_autumn_hour_takes_the_first_and_says_so() -> None:
    local = datetime(2027, 10, 31, 1, 30)
    assert to_utc(local, LONDON) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    note = ambiguity_note(local, LONDON)
    assert note is not None and "first" in note


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 14 March: Toronto already on EDT (UTC-4), London still on GMT.
        ("2027-03-14", {"Asia/Dubai": 6, "Europe/London": 10, "America/Toronto": 14}),
        # 28 March: London now on BST (UTC+1).
        ("2027-03-28", {"Asia/Dubai": 6, "Europe/London": 9, "America/Toronto": 14}),
        # 13 March: both on winter time.
        ("2027-03-13", {"Asia/Dubai": 6, "Europe/London": 10, "America/Toronto": 15}),
    ],
)
def test_local_time_of_each_recipient_gives_one_instant_per_zone(
    day: str, expected: dict[str, int]
) -> None:
    runs = plan(Schedule.local_time(datetime.fromisoformat(f"{day} 10:00")), NOW, ZONES)
    assert {run.zone: run.due_at.hour for run in runs} == expected
    assert {run.zone: run.consulates for run in runs}["Asia/Dubai"] == {"dubai"}


def test_weekly_recurrence_keeps_local_time_across_dst() -> None:
    first = datetime(2027, 3, 21, 10)  # a Sunday, GMT
    one = next_occurrence(Recurrence.WEEKLY, first, LONDON, None)
    two = next_occurrence(Recurrence.WEEKLY, first, LONDON, one)
    assert one == datetime(2027, 3, 21, 10, tzinfo=UTC)
    assert two == datetime(2027, 3, 28, 9, tzinfo=UTC)  # BST


def test_monthly_and_daily_recurrence() -> None:
    first = datetime(2027, 1, 31, 10)
    after = datetime(2027, 1, 31, 10, tzinfo=UTC)
    assert next_occurrence(Recurrence.MONTHLY, first, LONDON, after) == datetime(
        2027, 3, 31, 9, tzinfo=UTC
    )  # February has no 31st; March 31 is BST
    daily = next_occurrence(Recurrence.DAILY, datetime(2027, 3, 27, 10), LONDON, after)
    assert daily == datetime(2027, 3, 27, 10, tzinfo=UTC)
    again = next_occurrence(Recurrence.DAILY, datetime(2027, 3, 27, 10), LONDON, daily)
    assert again == datetime(2027, 3, 28, 9, tzinfo=UTC)


def test_schedule_round_trips_through_json() -> None:
    schedule = Schedule.recurring(Recurrence.WEEKLY, datetime(2027, 3, 21, 10), "Europe/London")
    assert Schedule.from_json(schedule.to_json()) == schedule


# 28 March 2027, 08:00 UTC: 10:00 has passed in Dubai (06:00 UTC), not in London (09:00 UTC,
# BST) or Toronto (14:00 UTC).
MORNING = datetime(2027, 3, 28, 8, tzinfo=UTC)
TEN = datetime(2027, 3, 28, 10)


def test_local_time_already_past_in_some_zones_is_refused_until_the_author_chooses() -> None:
    with pytest.raises(ZonesPassed) as refused:
        plan(Schedule.local_time(TEN), MORNING, ZONES)
    assert [run.zone for run in refused.value.passed] == ["Asia/Dubai"]
    assert {run.zone for run in refused.value.runs} == set(ZONES.values())


def test_local_time_past_in_a_zone_goes_the_next_day_there_or_not_at_all() -> None:
    next_day = plan(Schedule.local_time(TEN, PastZones.NEXT_DAY), MORNING, ZONES)
    due = {run.zone: run.due_at for run in next_day}
    assert due["Asia/Dubai"] == datetime(2027, 3, 29, 6, tzinfo=UTC)
    assert due["Europe/London"] == datetime(2027, 3, 28, 9, tzinfo=UTC)
    schedule = Schedule.local_time(TEN, PastZones.NEXT_DAY)
    assert moved_to_next_day(schedule, due["Asia/Dubai"], "Asia/Dubai")
    assert not moved_to_next_day(schedule, due["Europe/London"], "Europe/London")
    skipped = plan(Schedule.local_time(TEN, PastZones.SKIP), MORNING, ZONES)
    assert {run.zone for run in skipped} == {"Europe/London", "America/Toronto"}
    for runs in (next_day, skipped):
        assert all(run.due_at >= MORNING for run in runs)  # never late


def test_local_time_past_everywhere_is_refused_whatever_the_choice() -> None:
    evening = datetime(2027, 3, 28, 20, tzinfo=UTC)
    with pytest.raises(ScheduleError, match="already passed"):
        plan(Schedule.local_time(TEN, PastZones.SKIP), evening, ZONES)


def test_the_choice_for_passed_zones_round_trips_through_json() -> None:
    schedule = Schedule.local_time(TEN, PastZones.SKIP)
    assert Schedule.from_json(schedule.to_json()) == schedule
