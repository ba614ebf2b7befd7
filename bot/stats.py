"""Member counts for staff (`python main.py stats`): numbers of people, never people.

Each breakdown (by consulate, country, member type, language) is a row of counts whose total
(the registered members) is shown, so it is protected as one (bot/disclosure.py): counts under
k are hidden, and more are hidden until no hidden one follows from the total and the others.
Fewer than k registered members in all: nothing is shown but that.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Actor, Permission, require
from bot.disclosure import Disclosure
from bot.members import MemberService

#: How a hidden count is written, whatever the reason it is hidden.
SUPPRESSED = "suppressed"
TITLES = {
    "consulate_id": "By consulate",
    "country": "By country of residence",
    "member_type": "By member type",
    "language": "By language",
}


@dataclass(frozen=True)
class Count:
    """One group of a breakdown; ``count`` is None when hidden."""

    group: str | None
    count: int | None


@dataclass(frozen=True)
class Statistics:
    """Registered members in all (None: fewer than k) and each breakdown."""

    total: int | None
    breakdowns: dict[str, list[Count]]
    k: int


async def member_statistics(members: MemberService, k: int, actor: Actor) -> Statistics:
    """Registered members by consulate, country, member type and language, protected; the
    figures span every consulate, so only staff of every consulate may read them."""
    require(actor, Permission.VIEW, ())
    rule = Disclosure(k)
    counts = await members.counts()
    total = sum(n for _, n in counts["language"])
    if not rule.enough(total):
        return Statistics(None, {}, k)
    breakdowns: dict[str, list[Count]] = {}
    for column, rows in counts.items():
        shown = rule.row([n for _, n in rows], total) or (None,) * len(rows)
        breakdowns[column] = [Count(group, n) for (group, _), n in zip(rows, shown, strict=True)]
    return Statistics(total, breakdowns, k)


async def member_growth(members: MemberService, k: int, actor: Actor) -> list[Count]:
    """Registrations per month, protected as one row whose total is shown (the months of
    fewer than k registrations hidden, with complements)."""
    require(actor, Permission.VIEW, ())
    months = await members.registrations_by_month()
    total = sum(n for _, n in months)
    shown = Disclosure(k).row([n for _, n in months], total) or (None,) * len(months)
    return [Count(month, n) for (month, _), n in zip(months, shown, strict=True)]


def format_statistics(statistics: Statistics) -> str:
    """A plain-text report for the operator."""
    k = statistics.k
    if statistics.total is None:
        return f"Registered members: fewer than {k}; no breakdown is shown below {k}."
    lines = [f"Registered members: {statistics.total}", ""]
    for column, counts in statistics.breakdowns.items():
        lines.append(TITLES.get(column, column))
        for count in counts:
            shown = SUPPRESSED if count.count is None else str(count.count)
            lines.append(f"  {count.group or '(not given)':<24} {shown:>10}")
        lines.append("")
    lines.append(
        f"{SUPPRESSED}: fewer than {k} members, or a count that would let such a one be"
        " worked out from the total."
    )
    return "\n".join(lines)
