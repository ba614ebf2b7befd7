"""The promised answer time follows the consulate's opening hours, in its own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.deployment import Deployment
from bot.inbox.hours import answer_due, closing_time


def test_a_week_that_wraps_round_sunday(deployment: Deployment) -> None:
    riyadh = deployment.consulate("riyadh")  # sun-thu, 08:00-16:00, UTC+3
    assert riyadh is not None
    assert [closing_time(riyadh, day) is not None for day in range(7)] == [
        True,
        True,
        True,
        True,
        False,
        False,
        True,
    ]
    friday = datetime(2027, 6, 4, 9, 0, tzinfo=UTC)
    # Sunday and Monday are the next two opening days; Monday closes at 13:00 UTC.
    assert answer_due(riyadh, friday, 2) == datetime(2027, 6, 7, 13, 0, tzinfo=UTC)


def test_a_question_before_closing_counts_today(deployment: Deployment) -> None:
    london = deployment.consulate("london")  # mon-fri, 09:00-17:00, UTC+1 in June
    assert london is not None
    monday_morning = datetime(2027, 6, 7, 7, 0, tzinfo=UTC)
    assert answer_due(london, monday_morning, 1) == datetime(2027, 6, 7, 16, 0, tzinfo=UTC)
    monday_evening = datetime(2027, 6, 7, 17, 0, tzinfo=UTC)
    assert answer_due(london, monday_evening, 1) == datetime(2027, 6, 8, 16, 0, tzinfo=UTC)
