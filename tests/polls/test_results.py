"""Results: percentages, response rate, breakdowns with suppression, CSV export, Arabic."""

from __future__ import annotations

import csv
import io

from bot.disclosure import Band
from bot.storage.database import Database
from bot.storage.polls import PollRepository
from polls.counting import PollCounter
from polls.export import SUPPRESSED, export_csv
from polls.results import PollResults, PollResultsService
from tests.polls.conftest import NOW, AddMember, MakePoll


async def vote_all(counter: PollCounter, poll: int, votes: list[tuple[int, int, str]]) -> None:
    for update_id, (user, option, language) in enumerate(votes, start=1):
        await counter.record_answer(
            update_id=update_id,
            telegram_poll_id=f"{poll}-{language}",
            telegram_user_id=user,
            option_ids=[option],
            received_at=NOW,
        )


async def crowd(
    counter: PollCounter, add_member: AddMember, poll: int, language: str = "en"
) -> list[int]:
    """24 members: 12 in AE (8 Yes, 4 No), 10 in SA (5 Yes, 5 No), 2 in QA (both Yes)."""
    plan = [("AE", 0)] * 8 + [("AE", 1)] * 4 + [("SA", 0)] * 5 + [("SA", 1)] * 5
    plan += [("QA", 0)] * 2
    users = [await add_member(country=country, language=language) for country, _ in plan]
    await vote_all(counter, poll, [(u, o, language) for u, (_, o) in zip(users, plan, strict=True)])
    return users


def breakdown(results: PollResults, dimension: str) -> dict[str | None, tuple[object, ...]]:
    found = next(b for b in results.breakdowns if b.dimension == dimension)
    return {row.group: (row.respondents, *row.counts) for row in found.rows}


async def test_totals_percentages_and_response_rate(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    await crowd(counter, add_member, poll)
    results = await PollResultsService(repository).results(poll, recipients=48)
    assert [o.votes for o in results.tally.options] == [15, 9, 0]
    assert [round(o.percent, 1) for o in results.tally.options] == [62.5, 37.5, 0.0]
    assert results.tally.respondents == 24
    # 48 recipients are shown as the band 45-49, so the rate is the range it allows.
    assert results.tally.recipients == Band(45, 49)
    assert results.tally.response_rate == (24 / 49, 24 / 45)


async def test_breakdowns_hide_small_groups_and_their_complements(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    await crowd(counter, add_member, poll)
    results = await PollResultsService(repository, min_cell_size=5).results(poll)
    by_country = breakdown(results, "country")
    # 2 people: nothing shown but the zero of "Unsure", which nobody chose at all.
    assert by_country["QA"] == (None, None, None, 0)
    # QA alone would follow from the totals: another row is hidden with it.
    hidden_elsewhere = [v for g, v in by_country.items() if g != "QA" and None in v]
    assert hidden_elsewhere
    for row in by_country.values():
        assert all(v is None or v == 0 or (isinstance(v, int) and v >= 5) for v in row)
    assert set(breakdown(results, "gender")) == {"female"}
    assert breakdown(results, "gender")["female"] == (24, 15, 9, 0)


async def test_the_age_bands_count_from_the_year_the_poll_opened(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()  # opens in 2026
    years = [2005] * 5 + [1990] * 6 + [1950] * 5 + [None] * 5  # 21, 36, 76, unknown
    users = [await add_member(birth_year=year) for year in years]
    await vote_all(counter, poll, [(u, 0, "en") for u in users])
    results = await PollResultsService(repository).results(poll)
    assert list(breakdown(results, "age_band")) == ["under_25", "35_44", "65_plus", None]


async def test_an_anonymous_poll_breaks_down_by_variant_language(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll
) -> None:
    poll = await make_poll(mode="anonymous", languages=("en", "ar", "fil"))
    for update_id, (language, counts) in enumerate(
        [("en", [10, 6, 5]), ("ar", [7, 8, 9]), ("fil", [1, 1, 0])], start=1
    ):
        await counter.record_counts(
            update_id=update_id,
            telegram_poll_id=f"{poll}-{language}",
            voter_counts=counts,
            total_voter_count=sum(counts),
            received_at=NOW,
        )
    results = await PollResultsService(repository).results(poll)
    assert [o.votes for o in results.tally.options] == [18, 15, 14]
    assert [b.dimension for b in results.breakdowns] == ["language"]
    assert breakdown(results, "language")["fil"][:3] == (None, None, None)


async def test_an_arabic_poll_goes_through_results_and_the_csv(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    question = "هل القنصلية قريبة منك؟"
    poll = await make_poll(
        languages=("ar",),
        questions={"ar": question},
        options=({"ar": "نعم"}, {"ar": "لا"}),
    )
    await crowd(counter, add_member, poll, language="ar")
    results = await PollResultsService(repository).results(poll)
    options = await repository.options(poll)
    labels = [option["ar"] for option in options]
    text = export_csv(results, (await repository.questions(poll))["ar"], labels)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["option"] == question
    totals = [(r["option"], r["count"]) for r in rows if r["section"] == "total"]
    assert totals == [("نعم", "15"), ("لا", "9")]
    assert any(r["count"] == SUPPRESSED for r in rows)


async def test_the_csv_holds_aggregates_only(
    counter: PollCounter,
    repository: PollRepository,
    database: Database,
    make_poll: MakePoll,
    add_member: AddMember,
) -> None:
    poll = await make_poll()
    users = await crowd(counter, add_member, poll)
    results = await PollResultsService(repository).results(poll, recipients=30)
    text = export_csv(results, "Is the consulate easy to reach?", ["Yes", "No", "Unsure"])
    header = text.splitlines()[0].split(",")
    assert not [column for column in header if "id" in column.split("_")]
    member_ids = {int(r[0]) for r in await database.fetch_all("SELECT id FROM members")}
    identifiers = {str(i) for i in member_ids | set(users)}
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    assert cells.isdisjoint(identifiers)
    assert not any(identifier in text for identifier in identifiers)
    assert len(text.splitlines()) < 100  # one line per aggregate, not per answer


async def test_a_corrected_profile_moves_the_answer_to_the_new_group(
    counter: PollCounter,
    repository: PollRepository,
    database: Database,
    make_poll: MakePoll,
    add_member: AddMember,
) -> None:
    poll = await make_poll()
    users = [await add_member(country="AE") for _ in range(10)]
    await vote_all(counter, poll, [(u, 0, "en") for u in users])
    async with database.transaction() as tx:
        await tx.execute(
            "UPDATE members SET country = 'SA' WHERE telegram_user_id <= ?", (users[4],)
        )
    results = await PollResultsService(repository).results(poll)
    assert breakdown(results, "country") == {"AE": (5, 5, 0, 0), "SA": (5, 5, 0, 0)}
