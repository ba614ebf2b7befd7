"""A poll's results: totals, percentages, response rate, and protected breakdowns.

Totals count every answer, including those of members who deleted their data (their votes
stay in the anonymous counts). Percentages are of respondents, so with several answers
allowed they may add up to more than 100. The response rate is respondents over the number
of recipients, which the caller (the broadcast that sent the poll) knows.

Breakdowns group the *linked* answers by consulate, country, member type, age band, gender
and language (anonymous polls: by the language of the variant only), then pass through
``bot.polls.suppression``: a hidden figure is None, and a withheld breakdown has no rows.
All counting is done by SQL GROUP BY over covering indexes; Python only folds the grouped
rows (a few per group and option) into tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.disclosure import CountTable, Disclosure, masked
from bot.polls.counting import ANONYMOUS
from bot.storage.polls import BREAKDOWN_COLUMNS, GroupCount, PollRepository, PollRow

AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_64", "65_plus")


class Dimension(StrEnum):
    """What a breakdown groups respondents by (a group None means not given)."""

    CONSULATE = "consulate_id"
    COUNTRY = "country"
    MEMBER_TYPE = "member_type"
    AGE_BAND = "age_band"
    GENDER = "gender"
    LANGUAGE = "language"


@dataclass(frozen=True)
class OptionResult:
    index: int
    votes: int
    percent: float


@dataclass(frozen=True)
class Tally:
    poll_id: int
    options: tuple[OptionResult, ...]
    respondents: int
    recipients: int | None
    response_rate: float | None


@dataclass(frozen=True)
class BreakdownRow:
    """One group: its respondents and votes per option; None where suppressed."""

    group: str | None
    respondents: int | None
    counts: tuple[int | None, ...]


@dataclass(frozen=True)
class Breakdown:
    dimension: Dimension
    rows: tuple[BreakdownRow, ...]
    withheld: bool


@dataclass(frozen=True)
class PollResults:
    tally: Tally
    breakdowns: tuple[Breakdown, ...]
    min_cell_size: int


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def make_tally(
    poll_id: int, votes: dict[int, int], option_count: int, respondents: int, recipients: int | None
) -> Tally:
    options = tuple(
        OptionResult(i, votes.get(i, 0), percent(votes.get(i, 0), respondents))
        for i in range(option_count)
    )
    rate = respondents / recipients if recipients else None
    return Tally(poll_id, options, respondents, recipients, rate)


def group_sort_key(group: str | None) -> tuple[int, str]:
    """Groups in a stable order, the age bands youngest first, 'not given' last."""
    if group is None:
        return (2, "")
    if group in AGE_BANDS:
        return (0, str(AGE_BANDS.index(group)))
    return (1, group)


def protected_breakdown(
    dimension: Dimension,
    cells: dict[str | None, list[int]],
    row_totals: dict[str | None, int],
    k: int,
) -> Breakdown:
    """Suppress the small cells of one breakdown and return what may be published."""
    groups = sorted(cells, key=group_sort_key)
    table = CountTable(tuple(tuple(cells[g]) for g in groups), tuple(row_totals[g] for g in groups))
    protection = Disclosure(k).table(table)
    if protection.withheld:
        return Breakdown(dimension, (), withheld=True)
    margin = table.option_count
    rows = []
    for row, group in enumerate(groups):
        hidden = {column for r, column in protection.hidden if r == row}
        respondents = None if margin in hidden else row_totals[group]
        rows.append(BreakdownRow(group, respondents, masked(cells[group], hidden)))
    return Breakdown(dimension, tuple(rows), withheld=False)


def age_band(birth_year: int | None, year: int) -> str | None:
    """The band of someone born in ``birth_year``, in ``year``; None when not given."""
    if birth_year is None:
        return None
    age = year - birth_year
    for band, upper in zip(AGE_BANDS, (25, 35, 45, 55, 65), strict=False):
        if age < upper:
            return band
    return AGE_BANDS[-1]


def fold_groups(
    rows: Iterable[GroupCount], option_count: int, year: int | None = None
) -> tuple[dict[str | None, list[int]], dict[str | None, int]]:
    """Votes per group and option, and respondents per group. With ``year``, groups are
    birth years and are folded into age bands."""
    cells: dict[str | None, list[int]] = defaultdict(lambda: [0] * option_count)
    respondents: dict[str | None, int] = defaultdict(int)
    for row in rows:
        if year is not None:
            group = age_band(row.group if isinstance(row.group, int) else None, year)
        else:
            group = None if row.group is None else str(row.group)
        if row.option_index < option_count:
            cells[group][row.option_index] += row.votes
        respondents[group] += row.first_choices
    return dict(cells), dict(respondents)


def reference_year(poll: PollRow) -> int:
    """The year ages are counted at: when the poll opened (or was created)."""
    return datetime.fromisoformat(poll.opens_at or poll.created_at).year


class PollResultsService:
    """Reads a poll's counts and returns its protected results."""

    def __init__(self, repository: PollRepository, min_cell_size: int = 5) -> None:
        self.repository = repository
        self.k = min_cell_size

    async def results(self, poll_id: int, recipients: int | None = None) -> PollResults:
        poll = await self.repository.get(poll_id)
        if poll is None:
            raise LookupError(f"no poll {poll_id}")
        option_count = len(await self.repository.options(poll_id))
        if poll.mode == ANONYMOUS:
            return await self._anonymous(poll, option_count, recipients)
        return await self._segmented(poll, option_count, recipients)

    async def _segmented(
        self, poll: PollRow, option_count: int, recipients: int | None
    ) -> PollResults:
        votes = await self.repository.vote_totals(poll.id)
        linked = await self.repository.linked_respondents(poll.id)
        tally = make_tally(
            poll.id, votes, option_count, linked + poll.retained_respondents, recipients
        )
        year = reference_year(poll)
        breakdowns = []
        for column in BREAKDOWN_COLUMNS:
            rows = await self.repository.group_counts(poll.id, column)
            is_age = column == "birth_year"
            cells, totals = fold_groups(rows, option_count, year if is_age else None)
            dimension = Dimension.AGE_BAND if is_age else Dimension(column)
            breakdowns.append(protected_breakdown(dimension, cells, totals, self.k))
        return PollResults(tally, tuple(breakdowns), self.k)

    async def _anonymous(
        self, poll: PollRow, option_count: int, recipients: int | None
    ) -> PollResults:
        cells: dict[str | None, list[int]] = defaultdict(lambda: [0] * option_count)
        for count in await self.repository.variant_option_counts(poll.id):
            if count.option_index is not None and count.option_index < option_count:
                cells[count.language][count.option_index] += count.count
        voters: dict[str | None, int] = {
            c.language: c.count for c in await self.repository.variant_voter_totals(poll.id)
        }
        totals = [sum(counts[i] for counts in cells.values()) for i in range(option_count)]
        tally = make_tally(
            poll.id, dict(enumerate(totals)), option_count, sum(voters.values()), recipients
        )
        answered = {group: counts for group, counts in cells.items() if voters.get(group)}
        breakdown = protected_breakdown(
            Dimension.LANGUAGE, answered, {group: voters[group] for group in answered}, self.k
        )
        return PollResults(tally, (breakdown,), self.k)
