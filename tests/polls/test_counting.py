"""Counting: changed, retracted, duplicate and late answers, variants, anonymous counts."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.database import Database
from bot.storage.polls import PollRepository
from polls.counting import Outcome, PollCounter
from tests.polls.conftest import NOW, AddMember, MakePoll


async def totals(repository: PollRepository, poll_id: int) -> tuple[list[int], int]:
    """What counting stored: votes per option and respondents, before any disclosure rule
    (the published results hide figures under k; counting is what is tested here)."""
    poll = await repository.get(poll_id)
    assert poll is not None
    options = len(await repository.options(poll_id))
    if poll.mode == "anonymous":
        votes = [0] * options
        for count in await repository.variant_option_counts(poll_id):
            if count.option_index is not None:
                votes[count.option_index] += count.count
        voters = sum(c.count for c in await repository.variant_voter_totals(poll_id))
        return votes, voters
    stored = await repository.vote_totals(poll_id)
    return [stored.get(i, 0) for i in range(options)], await repository.respondents(poll_id)


async def answer(
    counter: PollCounter, update_id: int, poll: str, user: int, options: list[int], at: int = 0
) -> Outcome:
    result = await counter.record_answer(
        update_id=update_id,
        telegram_poll_id=poll,
        telegram_user_id=user,
        option_ids=options,
        received_at=NOW + timedelta(minutes=at),
    )
    return result.outcome


async def test_an_answer_is_counted(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    user = await add_member()
    assert await answer(counter, 1, f"{poll}-en", user, [0]) == Outcome.RECORDED
    assert await totals(repository, poll) == ([1, 0, 0], 1)


async def test_a_changed_answer_replaces_the_first(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    user = await add_member()
    await answer(counter, 1, f"{poll}-en", user, [0])
    assert await answer(counter, 2, f"{poll}-en", user, [2]) == Outcome.CHANGED
    assert await totals(repository, poll) == ([0, 0, 1], 1)


async def test_a_retracted_answer_is_no_longer_counted(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    user, other = await add_member(), await add_member()
    await answer(counter, 1, f"{poll}-en", user, [1])
    await answer(counter, 2, f"{poll}-en", other, [1])
    assert await answer(counter, 3, f"{poll}-en", user, []) == Outcome.RETRACTED
    assert await totals(repository, poll) == ([0, 1, 0], 1)
    assert await answer(counter, 4, f"{poll}-en", user, [0]) == Outcome.RECORDED
    assert await totals(repository, poll) == ([1, 1, 0], 2)


async def test_a_redelivered_update_is_counted_once(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    user = await add_member()
    await answer(counter, 7, f"{poll}-en", user, [0])
    await answer(counter, 8, f"{poll}-en", user, [])
    # The same two updates again (e.g. after a restart before the offset was confirmed).
    assert await answer(counter, 7, f"{poll}-en", user, [0]) == Outcome.DUPLICATE
    assert await answer(counter, 8, f"{poll}-en", user, []) == Outcome.DUPLICATE
    assert await totals(repository, poll) == ([0, 0, 0], 0)


async def test_answers_after_closing_are_ignored(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll(closes_at=NOW + timedelta(hours=1))
    early, late = await add_member(), await add_member()
    await answer(counter, 1, f"{poll}-en", early, [0], at=59)
    assert await answer(counter, 2, f"{poll}-en", late, [1], at=60) == Outcome.LATE
    assert await answer(counter, 3, f"{poll}-en", early, [], at=61) == Outcome.LATE
    assert await totals(repository, poll) == ([1, 0, 0], 1)


async def test_answers_after_staff_closed_the_poll_are_ignored(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll()
    user = await add_member()
    await repository.set_status(poll, "closed", NOW)
    assert await answer(counter, 1, f"{poll}-en", user, [0]) == Outcome.LATE
    assert (await repository.get(poll)).closed_at is not None  # type: ignore[union-attr]
    assert await totals(repository, poll) == ([0, 0, 0], 0)


async def test_one_vote_per_member_across_language_variants(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll(
        languages=("en", "ar"),
        options=({"en": "Yes", "ar": "نعم"}, {"en": "No", "ar": "لا"}),
        questions={"en": "Useful?", "ar": "هل هذا مفيد؟"},
    )
    user = await add_member()
    await answer(counter, 1, f"{poll}-en", user, [0])
    assert await answer(counter, 2, f"{poll}-ar", user, [1]) == Outcome.CHANGED
    assert await totals(repository, poll) == ([0, 1], 1)
    # Retracting in the English poll, whose choice was already replaced, changes nothing.
    assert await answer(counter, 3, f"{poll}-en", user, []) == Outcome.IGNORED
    assert await totals(repository, poll) == ([0, 1], 1)
    assert await answer(counter, 4, f"{poll}-ar", user, []) == Outcome.RETRACTED
    assert await totals(repository, poll) == ([0, 0], 0)


async def test_several_answers_when_the_poll_allows_them(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    single = await make_poll()
    multiple = await make_poll(allows_multiple=True)
    user = await add_member()
    assert await answer(counter, 1, f"{single}-en", user, [0, 1]) == Outcome.INVALID
    assert await answer(counter, 2, f"{multiple}-en", user, [0, 2]) == Outcome.RECORDED
    assert await answer(counter, 3, f"{multiple}-en", user, [0, 9]) == Outcome.INVALID
    assert await totals(repository, multiple) == ([1, 0, 1], 1)


async def test_unknown_polls_and_people_are_not_counted(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll
) -> None:
    poll = await make_poll()
    assert await answer(counter, 1, "no-such-poll", 5, [0]) == Outcome.UNKNOWN_POLL
    assert await answer(counter, 2, f"{poll}-en", 5, [0]) == Outcome.UNKNOWN_MEMBER
    assert await totals(repository, poll) == ([0, 0, 0], 0)


async def counts(
    counter: PollCounter, update_id: int, poll: str, values: list[int], **kw: object
) -> Outcome:
    result = await counter.record_counts(
        update_id=update_id,
        telegram_poll_id=poll,
        voter_counts=values,
        total_voter_count=sum(values),
        received_at=NOW + timedelta(minutes=int(kw.pop("at", 0))),  # type: ignore[call-overload]
        **kw,  # type: ignore[arg-type]
    )
    return result.outcome


async def test_anonymous_counts_keep_the_latest_per_variant_and_sum_them(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll
) -> None:
    poll = await make_poll(mode="anonymous", languages=("en", "ar", "fil"))
    await counts(counter, 1, f"{poll}-en", [3, 1, 0])
    await counts(counter, 2, f"{poll}-ar", [2, 2, 1])
    assert await counts(counter, 3, f"{poll}-en", [4, 1, 1]) == Outcome.COUNTS_UPDATED
    assert await counts(counter, 3, f"{poll}-en", [4, 1, 1]) == Outcome.DUPLICATE
    assert await counts(counter, 4, f"{poll}-fil", [1, 0, 0, 0]) == Outcome.INVALID
    assert await totals(repository, poll) == ([6, 3, 2], 11)


async def test_anonymous_counts_after_closing_are_ignored_unless_telegram_froze_them(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll
) -> None:
    poll = await make_poll(mode="anonymous", closes_at=NOW + timedelta(hours=1))
    await counts(counter, 1, f"{poll}-en", [1, 0, 0])
    assert await counts(counter, 2, f"{poll}-en", [9, 0, 0], at=70) == Outcome.LATE
    final = await counts(counter, 3, f"{poll}-en", [2, 0, 0], at=61, is_closed_by_telegram=True)
    assert final == Outcome.COUNTS_UPDATED
    assert await counts(counter, 4, f"{poll}-en", [5, 0, 0], at=62, is_closed_by_telegram=True) == (
        Outcome.LATE
    )
    assert await totals(repository, poll) == ([2, 0, 0], 2)


async def test_poll_answer_updates_do_not_touch_anonymous_polls(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    poll = await make_poll(mode="anonymous")
    user = await add_member()
    assert await answer(counter, 1, f"{poll}-en", user, [0]) == Outcome.IGNORED


async def test_deleting_a_member_takes_their_answer_out_of_every_count(
    counter: PollCounter,
    repository: PollRepository,
    database: Database,
    make_poll: MakePoll,
    add_member: AddMember,
) -> None:
    """Totals and breakdowns always agree: a deleted member's vote leaves both (it used to
    stay in the totals, which a subtraction against the breakdowns gave away)."""
    poll = await make_poll()
    users = [await add_member(country="AE") for _ in range(6)]
    leaving = await add_member(country="QA")
    for update_id, user in enumerate(users, start=1):
        await answer(counter, update_id, f"{poll}-en", user, [0])
    await answer(counter, 100, f"{poll}-en", leaving, [1])
    assert await totals(repository, poll) == ([6, 1, 0], 7)

    async with database.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE telegram_user_id = ?", (leaving,))

    assert await totals(repository, poll) == ([6, 0, 0], 6)
    links = await database.fetch_all(
        "SELECT * FROM poll_votes WHERE member_id = ?", (leaving - 1_000_000,)
    )
    assert links == []
    groups = await repository.group_counts(poll, "country")
    assert {row.group for row in groups} == {"AE"}
    assert await repository.changed_since(poll, 0) == 7  # six ballots and the leaver's removal


async def test_deleting_a_member_drops_their_own_anonymous_poll(
    counter: PollCounter,
    repository: PollRepository,
    database: Database,
    make_poll: MakePoll,
    add_member: AddMember,
) -> None:
    poll = await make_poll(mode="anonymous")
    leaving = await add_member()
    await repository.add_variant(poll, "en", "theirs", chat_id=leaving)
    await counter.record_counts(
        update_id=1,
        telegram_poll_id="theirs",
        voter_counts=[0, 1, 0],
        total_voter_count=1,
        received_at=NOW,
    )
    assert await totals(repository, poll) == ([0, 1, 0], 1)
    async with database.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE telegram_user_id = ?", (leaving,))
    assert await totals(repository, poll) == ([0, 0, 0], 0)
    assert (
        await database.fetch_all("SELECT * FROM poll_variants WHERE chat_id = ?", (leaving,)) == []
    )


async def test_the_same_answer_again_is_not_a_change(
    counter: PollCounter, repository: PollRepository, make_poll: MakePoll, add_member: AddMember
) -> None:
    """Re-sending an answer must not count towards the k changes a new publication of the
    results needs: four people re-voting the same would let one real change show alone."""
    poll = await make_poll(languages=("en", "fr"))
    user = await add_member()
    await answer(counter, 1, f"{poll}-en", user, [1])
    seq = (await repository.get(poll)).answer_seq  # type: ignore[union-attr]
    assert await answer(counter, 2, f"{poll}-en", user, [1]) == Outcome.UNCHANGED
    assert await answer(counter, 3, f"{poll}-fr", user, [1]) == Outcome.UNCHANGED
    assert await repository.changed_since(poll, seq) == 0
    # The answer now comes from the French poll: retracting there retracts it.
    assert await answer(counter, 4, f"{poll}-fr", user, []) == Outcome.RETRACTED
