"""When an answer is promised: by the closing time of the consulate's Nth opening day, counting
today while the consulate has not yet closed (its opening hours, in its own time zone)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.deployment import Consulate

#: How far ahead to look for opening days before giving up on the hours (a deployment whose
#: consulate opens less than once a month is not one to promise a time from).
_DAYS_LOOKED_AHEAD = 62


def closing_time(consulate: Consulate, weekday: int) -> time | None:
    """When the consulate closes on that weekday (0 = Monday), or None if it stays shut."""
    closes = [
        span.closes
        for span in consulate.opening_hours
        if span.first_day <= weekday <= span.last_day
        or (
            span.first_day > span.last_day
            and (weekday >= span.first_day or weekday <= span.last_day)
        )
    ]
    return max(closes) if closes else None


def answer_due(consulate: Consulate, now: datetime, opening_days: int) -> datetime:
    """The closing time (UTC) of the ``opening_days``-th opening day from ``now``."""
    zone = consulate.zone
    local = now.astimezone(zone)
    counted = 0
    for offset in range(_DAYS_LOOKED_AHEAD):
        day = local.date() + timedelta(days=offset)
        closes = closing_time(consulate, day.weekday())
        if closes is None:
            continue
        closing = datetime.combine(day, closes, zone)
        if closing <= local:
            continue
        counted += 1
        if counted == opening_days:
            return closing.astimezone(UTC)
    return (now + timedelta(days=opening_days)).astimezone(UTC)
