"""Measuring the inbox: per consulate, how fast the first answer comes (median and 90th
percentile), how many threads are open, and how members rate the answers (1-5, optional).

The one computation behind ``main.py stats``, the console's inbox page and the weekly summary
to each consulate's admins. Every figure follows the disclosure rule (bot/disclosure.py): a
consulate with fewer than k answered threads shows no median, percentile or rating (and a
rating needs k ratings too, so no one member's mark can be read off); a count from 1 to k-1
is shown only as "fewer than k" (None here). Zero is zero.

Members rate a thread once: after it is closed (with an answer), the bot asks them once with
five buttons (``rating_prompts`` lists whom to ask, ``rate`` takes the answer).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import Actor, Permission, require
from bot.deployment import Deployment
from bot.disclosure import Disclosure
from bot.storage.inbox_measures import InboxMeasuresRepository, RatingPrompt, ThreadTiming

RATINGS = (1, 2, 3, 4, 5)
#: The weekly summary's period.
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ConsulateMeasures:
    """One consulate's figures; a count is None when it is 1 to k-1 ("fewer than k"), a
    time or rating None when fewer than k threads were answered (or rated)."""

    consulate_id: str
    open_threads: int | None
    answered: int | None
    median_seconds: float | None
    p90_seconds: float | None
    rating: float | None
    k: int


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the values
    at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(consulate_id: str, timings: Sequence[ThreadTiming], k: int) -> ConsulateMeasures:
    """One consulate's figures from its threads, under the disclosure rule."""
    rule = Disclosure(k)

    def count(n: int) -> int | None:
        return n if n == 0 or rule.enough(n) else None

    waits = [
        (t.first_answer_at - t.created_at).total_seconds()
        for t in timings
        if t.first_answer_at is not None
    ]
    ratings = [t.rating for t in timings if t.rating is not None]
    enough = rule.enough(len(waits))
    return ConsulateMeasures(
        consulate_id=consulate_id,
        open_threads=count(sum(1 for t in timings if t.status == "open")),
        answered=count(len(waits)),
        median_seconds=statistics.median(waits) if enough else None,
        p90_seconds=percentile(waits, 0.9) if enough else None,
        rating=statistics.fmean(ratings) if enough and rule.enough(len(ratings)) else None,
        k=k,
    )


class InboxMeasures:
    def __init__(self, repository: InboxMeasuresRepository, deployment: Deployment) -> None:
        self.repository = repository
        self.deployment = deployment

    @property
    def k(self) -> int:
        return self.deployment.policies.poll_min_cell_size

    def consulates_of(self, actor: Actor) -> list[str]:
        """The consulates whose figures the actor may read (VIEW over each)."""
        require(actor, Permission.VIEW)
        remit = actor.staff.consulates if actor.staff is not None else frozenset()
        return [c.id for c in self.deployment.consulates if not remit or c.id in remit]

    async def measures(
        self, actor: Actor, since: datetime | None = None
    ) -> list[ConsulateMeasures]:
        """Each of the actor's consulates' figures, for threads opened since ``since``
        (None: every thread still kept)."""
        consulates = self.consulates_of(actor)
        timings = await self.repository.timings(frozenset(consulates), since)
        return [measure(c, [t for t in timings if t.consulate_id == c], self.k) for c in consulates]

    async def rating_prompts(self, actor: Actor, now: datetime) -> list[RatingPrompt]:
        """Closed, answered threads whose member is to be asked for a rating: each returned
        once (marked as asked here)."""
        require(actor, Permission.VIEW, ())
        prompts = await self.repository.rating_prompts()
        for prompt in prompts:
            await self.repository.mark_rating_asked(prompt.thread_id, now)
        return prompts

    async def rate(self, telegram_user_id: int, reference: str, rating: int) -> bool:
        """The member's rating of their thread (asked for, not yet given); False otherwise."""
        if rating not in RATINGS:
            return False
        return await self.repository.rate(reference, telegram_user_id, rating)


def format_measures(rows: Sequence[ConsulateMeasures]) -> str:
    """A plain-text report for the operator (``main.py stats``)."""
    if not rows:
        return "Inbox: no consulate within your remit."
    k = rows[0].k
    lines = [
        "Inbox (questions kept)",
        f"  {'consulate':<14} {'open':>10} {'answered':>10}"
        f" {'median':>10} {'90th pct':>10} {'rating':>8}",
    ]
    for row in rows:
        lines.append(
            f"  {row.consulate_id:<14} {_count(row.open_threads, k):>10}"
            f" {_count(row.answered, k):>10} {_hours(row.median_seconds):>10}"
            f" {_hours(row.p90_seconds):>10}"
            f" {'-' if row.rating is None else f'{row.rating:.1f}':>8}"
        )
    lines.append(
        f"Times are to the first answer; times and ratings need {k} answered (and rated)"
        f" questions, '-' otherwise; a count under {k} reads <{k}."
    )
    return "\n".join(lines)


def _count(count: int | None, k: int) -> str:
    return f"<{k}" if count is None else str(count)


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"
