"""A poll's results as they may be published: totals, percentages, response rate and
breakdowns, under the one disclosure rule (bot/disclosure.py).

What is counted. Segmented polls: every member's current ballot (a member who deleted their
data is gone from totals and breakdowns alike). Anonymous polls: each recipient's own Telegram
poll reports its counts; they are summed per language. Percentages are of respondents, so with
several answers allowed they may add up to more than 100. All counting is done by SQL GROUP BY
over covering indexes; Python only folds the grouped rows into tables.

What is shown. Nothing until at least k people answered ("withheld"); then the option totals
as a protected row (values under k hidden, with complements so none follows from the
respondent count); breakdowns only when every option total is shown, each a protected table;
the recipients as a band (bot/disclosure.py), and the response rate as the range that band
allows.

When it changes. Results are published: what staff (and, at close, participants) see is the
last publication, stored in poll_results. While the poll is open a new publication is made
only once k or more people changed their ballot since the last one (or the first time k
people have answered), so watching results live never reveals one vote. At close the results
are published a last time, marked final, and are then all that remains of the answers
(``PollService`` erases the links).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.disclosure import Band, CountTable, Disclosure, masked
from bot.storage.database import utc_now_iso
from bot.storage.polls import BREAKDOWN_COLUMNS, GroupCount, PollRepository, PollRow
from polls.counting import ANONYMOUS

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
    """One option's total and share of respondents; None where hidden."""

    index: int
    votes: int | None
    percent: float | None


@dataclass(frozen=True)
class Tally:
    """The poll's totals; ``respondents`` None while fewer than k answered."""

    poll_id: int
    options: tuple[OptionResult, ...]
    respondents: int | None
    recipients: Band | None

    @property
    def response_rate(self) -> tuple[float, float] | None:
        return response_rate(self.respondents, self.recipients)


def response_rate(respondents: int | None, recipients: Band | None) -> tuple[float, float] | None:
    """The lowest and highest share of recipients who answered, as far as the recipients'
    band allows; None when either figure is not shown."""
    if respondents is None or recipients is None or recipients.low == 0:
        return None
    return respondents / recipients.high, min(1.0, respondents / recipients.low)


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
    """What may be published of a poll's answers, and when it was."""

    tally: Tally
    breakdowns: tuple[Breakdown, ...]
    min_cell_size: int
    final: bool = False
    published_at: str = ""

    @property
    def withheld(self) -> bool:
        """Fewer than k people answered: no figure at all is shown."""
        return self.tally.respondents is None


# --- building -------------------------------------------------------------------------------


def percent(part: int | None, whole: int) -> float | None:
    if part is None:
        return None
    return 100.0 * part / whole if whole else 0.0


def protected_tally(
    rule: Disclosure,
    poll_id: int,
    votes: dict[int, int],
    option_count: int,
    respondents: int,
    recipients: int | None,
    *,
    adds_up: bool,
) -> Tally:
    """The option totals as a protected row (all hidden under k respondents)."""
    values = [votes.get(i, 0) for i in range(option_count)]
    shown = rule.row(values, respondents, adds_up=adds_up)
    band = rule.band(recipients) if recipients is not None else None
    if shown is None:
        hidden = tuple(OptionResult(i, None, None) for i in range(option_count))
        return Tally(poll_id, hidden, None, band)
    options = tuple(OptionResult(i, v, percent(v, respondents)) for i, v in enumerate(shown))
    return Tally(poll_id, options, respondents, band)


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
    rule: Disclosure,
) -> Breakdown:
    """Suppress the small cells of one breakdown and return what may be published."""
    groups = sorted(cells, key=group_sort_key)
    table = CountTable(tuple(tuple(cells[g]) for g in groups), tuple(row_totals[g] for g in groups))
    protection = rule.table(table)
    if protection.withheld:
        return Breakdown(dimension, (), withheld=True)
    margin = table.option_count
    rows = []
    for row, group in enumerate(groups):
        hidden = {column for r, column in protection.hidden if r == row}
        respondents = None if margin in hidden else row_totals[group]
        rows.append(BreakdownRow(group, respondents, masked(cells[group], hidden)))
    return Breakdown(dimension, tuple(rows), withheld=False)


def withheld_breakdown(dimension: Dimension) -> Breakdown:
    return Breakdown(dimension, (), withheld=True)


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


# --- storing what was published ---------------------------------------------------------------


def results_to_json(results: PollResults) -> str:
    return json.dumps(asdict(results), sort_keys=True, ensure_ascii=False)


def results_from_json(text: str) -> PollResults:
    data: dict[str, Any] = json.loads(text)
    tally = data["tally"]
    band = tally["recipients"]
    return PollResults(
        tally=Tally(
            tally["poll_id"],
            tuple(OptionResult(**option) for option in tally["options"]),
            tally["respondents"],
            Band(**band) if band else None,
        ),
        breakdowns=tuple(
            Breakdown(
                Dimension(b["dimension"]),
                tuple(
                    BreakdownRow(r["group"], r["respondents"], tuple(r["counts"]))
                    for r in b["rows"]
                ),
                b["withheld"],
            )
            for b in data["breakdowns"]
        ),
        min_cell_size=data["min_cell_size"],
        final=data["final"],
        published_at=data["published_at"],
    )


# --- the service ------------------------------------------------------------------------------

Groups = tuple[dict[str | None, list[int]], dict[str | None, int]]


@dataclass(frozen=True)
class RawCounts:
    """What one read of the database found, before any protection: never shown."""

    option_count: int
    votes: dict[int, int]
    respondents: int
    groups: dict[Dimension, Groups]


class PollResultsService:
    """Publishes a poll's results under the disclosure rule and reads them back."""

    def __init__(self, repository: PollRepository, min_cell_size: int = 5) -> None:
        self.repository = repository
        self.rule = Disclosure(min_cell_size)

    @property
    def k(self) -> int:
        return self.rule.k

    async def results(self, poll_id: int, recipients: int | None = None) -> PollResults:
        """The published results: the last publication, or a new one when k or more people
        changed their ballot since (see the module docstring)."""
        poll = await self._poll(poll_id)
        published = await self.repository.published(poll_id)
        if published is not None:
            previous = results_from_json(published.results)
            if published.final:
                return previous
            changed = await self.repository.changed_since(poll_id, published.answer_seq)
            if changed < self.k:
                if not previous.withheld:
                    return previous
                fresh = await self._count(poll, recipients)
                if fresh.withheld:
                    return previous
                return await self._publish(poll, fresh, final=False)
        return await self._publish(poll, await self._count(poll, recipients), final=False)

    async def publish_final(self, poll_id: int, recipients: int | None = None) -> PollResults:
        """Publish the results one last time, at close (before the answers are unlinked)."""
        poll = await self._poll(poll_id)
        published = await self.repository.published(poll_id)
        if published is not None and published.final:
            return results_from_json(published.results)
        return await self._publish(poll, await self._count(poll, recipients), final=True)

    async def _poll(self, poll_id: int) -> PollRow:
        poll = await self.repository.get(poll_id)
        if poll is None:
            raise LookupError(f"no poll {poll_id}")
        return poll

    async def _publish(self, poll: PollRow, results: PollResults, *, final: bool) -> PollResults:
        stamped = PollResults(
            results.tally, results.breakdowns, self.k, final=final, published_at=utc_now_iso()
        )
        await self.repository.publish(
            poll.id, poll.answer_seq, results_to_json(stamped), final, stamped.tally.respondents
        )
        return stamped

    async def _count(self, poll: PollRow, recipients: int | None) -> PollResults:
        """Count in one read of the database (so totals and breakdowns agree), then protect."""
        async with self.repository.database.transaction():
            raw = await self._gather(poll)
        tally = protected_tally(
            self.rule,
            poll.id,
            raw.votes,
            raw.option_count,
            raw.respondents,
            recipients,
            adds_up=not poll.allows_multiple,
        )
        breakdowns = tuple(
            protected_breakdown(dimension, cells, totals, self.rule)
            if self._breakdowns_allowed(tally)
            else withheld_breakdown(dimension)
            for dimension, (cells, totals) in raw.groups.items()
        )
        return PollResults(tally, breakdowns, self.k)

    async def _gather(self, poll: PollRow) -> RawCounts:
        option_count = len(await self.repository.options(poll.id))
        if poll.mode == ANONYMOUS:
            return await self._gather_anonymous(poll, option_count)
        groups: dict[Dimension, Groups] = {}
        for column in BREAKDOWN_COLUMNS:
            is_age = column == "birth_year"
            rows = await self.repository.group_counts(poll.id, column)
            year = reference_year(poll) if is_age else None
            groups[Dimension.AGE_BAND if is_age else Dimension(column)] = fold_groups(
                rows, option_count, year
            )
        return RawCounts(
            option_count,
            await self.repository.vote_totals(poll.id),
            await self.repository.respondents(poll.id),
            groups,
        )

    async def _gather_anonymous(self, poll: PollRow, option_count: int) -> RawCounts:
        """Anonymous polls: the variants' counts summed per language (the one breakdown)."""
        cells: dict[str | None, list[int]] = defaultdict(lambda: [0] * option_count)
        for count in await self.repository.variant_option_counts(poll.id):
            if count.option_index is not None and count.option_index < option_count:
                cells[count.language][count.option_index] += count.count
        voters: dict[str | None, int] = {
            c.language: c.count for c in await self.repository.variant_voter_totals(poll.id)
        }
        totals = [sum(counts[i] for counts in cells.values()) for i in range(option_count)]
        answered = {group: counts for group, counts in cells.items() if voters.get(group)}
        languages = (answered, {group: voters[group] or 0 for group in answered})
        return RawCounts(
            option_count,
            dict(enumerate(totals)),
            sum(v or 0 for v in voters.values()),
            {Dimension.LANGUAGE: languages},
        )

    @staticmethod
    def _breakdowns_allowed(tally: Tally) -> bool:
        """Breakdowns add up to the option totals, so they are shown only when all are."""
        return tally.respondents is not None and all(o.votes is not None for o in tally.options)
