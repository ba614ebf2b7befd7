"""Member counts for staff (`python main.py stats`): numbers of people, never people.

Counts under k (the deployment's poll_min_cell_size) are shown as "<k". The total is public,
so when exactly one count in a breakdown is hidden it could be recovered by subtraction: the
next smallest count is then hidden too (shown as "*").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Actor, Permission, require
from bot.members import MemberService

SMALL = "small"  # fewer than k
COMPLEMENT = "complement"  # hidden so a small count cannot be worked out


@dataclass(frozen=True)
class Count:
    """One group of a breakdown; ``count`` is None when hidden, with the reason."""

    group: str | None
    count: int | None
    hidden: str | None = None


def protect_counts(counts: list[tuple[str | None, int]], k: int) -> list[Count]:
    """Hide counts under k, plus complements while the hidden sum is recoverable."""
    small = {i for i, (_, n) in enumerate(counts) if n < k}
    complement: set[int] = set()
    while len(small | complement) == 1 or (
        (small | complement) and sum(counts[i][1] for i in small | complement) < k
    ):
        shown = [i for i in range(len(counts)) if i not in small | complement]
        if not shown:
            break
        complement.add(min(shown, key=lambda i: counts[i][1]))
    return [
        Count(group, None, SMALL if i in small else COMPLEMENT)
        if i in small | complement
        else Count(group, n)
        for i, (group, n) in enumerate(counts)
    ]


async def member_statistics(members: MemberService, k: int, actor: Actor) -> dict[str, list[Count]]:
    """Registered members by consulate, country, member type and language, protected; the
    figures span every consulate, so only staff of every consulate may read them."""
    require(actor, Permission.VIEW, ())
    return {column: protect_counts(rows, k) for column, rows in (await members.counts()).items()}


def format_statistics(statistics: dict[str, list[Count]], total: int, k: int) -> str:
    """A plain-text report for the operator."""
    titles = {
        "consulate_id": "By consulate",
        "country": "By country of residence",
        "member_type": "By member type",
        "language": "By language",
    }
    lines = [f"Registered members: {total}", ""]
    for column, counts in statistics.items():
        lines.append(titles.get(column, column))
        for count in counts:
            if count.count is not None:
                shown = str(count.count)
            else:
                shown = f"<{k}" if count.hidden == SMALL else "*"
            lines.append(f"  {count.group or '(not given)':<24} {shown:>8}")
        lines.append("")
    lines.append(
        f"<{k}: fewer than {k} members. *: hidden so that small counts cannot be worked out."
    )
    return "\n".join(lines)
