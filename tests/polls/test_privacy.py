"""What a curious staff member found, each a test: results of a group of one, two voters
reading each other, a deletion read by subtraction, answers linked to Telegram ids for ever,
and results that change with every single vote.

Figures are read the way staff read them: the results text, the CSV and the command line's
report, all through ``PollService.report``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from bot.disclosure import Band
from bot.services import Services
from broadcasts.audience import Audience
from broadcasts.deliveries import DeliveryRepository, create_delivery
from broadcasts.outbox import Outbox, OutboxStatus, RowResult
from handlers.polls.texts import breakdown_lines, summary_text
from polls.cli import report_text
from polls.counting import Outcome, PollCounter
from polls.drafting import DraftError
from polls.export import export_csv
from polls.results import response_rate
from polls.service import PollReport
from tests.auxil.actors import OPERATOR
from tests.broadcasts.builders import text_payloads
from tests.polls.conftest import NOW, AddMember

K = 5


def published(services: Services, report: PollReport) -> str:
    """Everything a report shows: the chat text, the CSV, the command line's text."""
    tr = services.languages.translator("en")
    text = summary_text(tr, report) + "\n".join(
        breakdown_lines(tr, services.deployment, report.results, report.option_labels)
    )
    return "\n".join([text, export_csv(report.results, "Q", ("Yes", "No")), report_text(report)])


def csv_rows(report: PollReport) -> list[dict[str, str]]:
    text = export_csv(report.results, "Q", report.option_labels)
    return list(csv.DictReader(io.StringIO(text)))


async def open_poll(services: Services, languages: tuple[str, ...] = ("en",)) -> int:
    from bot.storage.polls import NewPoll

    repository = services.polls.repository
    poll_id = await repository.create(
        NewPoll(
            mode="segmented",
            base_language="en",
            questions={"en": "Do you currently hold a valid residence permit?"},
            options=[{"en": "Yes"}, {"en": "No"}],
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=700),
        )
    )
    for language in languages:
        await repository.add_variant(poll_id, language, f"{poll_id}-{language}", chat_id=None)
    await repository.set_status(poll_id, "open", NOW)
    return poll_id


async def vote(services: Services, poll_id: int, user: int, option: int, update_id: int) -> None:
    await PollCounter(services.polls.repository).record_answer(
        update_id=update_id,
        telegram_poll_id=f"{poll_id}-en",
        telegram_user_id=user,
        option_ids=[option],
        received_at=NOW,
    )


@pytest.mark.parametrize("respondents", [1, 2, K - 1])
async def test_fewer_than_k_respondents_show_no_figure(
    services: Services, add_member: AddMember, respondents: int
) -> None:
    """ "Respondents: 1 … No: 1 (100%)" was shown for a consulate with one member."""
    poll_id = await open_poll(services)
    for index in range(respondents):
        await vote(services, poll_id, await add_member(), index % 2, index + 1)
    report = await services.polls.report(poll_id, "en", OPERATOR)
    shown = published(services, report)
    assert "Respondents:" not in shown and "respondents: " not in shown
    assert not re.search(r"\b(Yes|No)\W+\d", shown), shown
    assert "100" not in shown and "50.0" not in shown
    poll_row = next(r for r in csv_rows(report) if r["section"] == "poll")
    assert poll_row["count"] == "withheld"


async def test_a_deleted_members_answer_leaves_totals_and_breakdowns_alike(
    services: Services, add_member: AddMember
) -> None:
    """Totals kept a deleted member's vote that breakdowns dropped: Yes 6/No 5 against
    breakdowns of Yes 5/No 5 gave the vote away."""
    poll_id = await open_poll(services)
    users = [await add_member() for _ in range(11)]
    for update_id, user in enumerate(users):
        await vote(services, poll_id, user, 0 if update_id < 6 else 1, update_id + 1)
    await services.members.erase(users[0])
    await services.polls.close(poll_id, OPERATOR)  # published at close, whatever came before
    report = await services.polls.report(poll_id, "en", OPERATOR)
    totals = [option.votes for option in report.results.tally.options]
    assert totals == [5, 5]
    for breakdown in report.results.breakdowns:
        if breakdown.withheld:
            continue
        column_sums = [
            sum(row.counts[i] or 0 for row in breakdown.rows) for i in range(len(totals))
        ]
        assert column_sums == totals, breakdown.dimension


async def test_closing_a_poll_unlinks_every_answer_from_every_person(
    services: Services, add_member: AddMember
) -> None:
    poll_id = await open_poll(services)
    users = [await add_member() for _ in range(6)]
    for update_id, user in enumerate(users):
        await vote(services, poll_id, user, update_id % 2, update_id + 1)
    await services.polls.close(poll_id, OPERATOR)
    for table, column in (("poll_votes", "poll_id"), ("poll_variants", "poll_id")):
        rows = await services.database.fetch_all(
            f"SELECT * FROM {table} WHERE {column} = ?", (poll_id,)
        )
        assert rows == [], table
    report = await services.polls.report(poll_id, "en", OPERATOR)
    # Yes 3, No 3: both under k, and each would follow from the other and the 6 respondents.
    assert [option.votes for option in report.results.tally.options] == [None, None]
    assert report.results.tally.respondents == 6


async def test_results_watched_while_open_change_only_after_k_new_answers(
    services: Services, add_member: AddMember
) -> None:
    poll_id = await open_poll(services)
    users = [await add_member() for _ in range(20)]
    for update_id, user in enumerate(users[:10]):
        await vote(services, poll_id, user, update_id % 2, update_id + 1)
    first = await services.polls.report(poll_id, "en", OPERATOR)
    for index, user in enumerate(users[10 : 10 + K - 1]):
        await vote(services, poll_id, user, 0, 100 + index)
        again = await services.polls.report(poll_id, "en", OPERATOR)
        assert again.results == first.results, "one more vote showed in the results"
    await vote(services, poll_id, users[10 + K - 1], 0, 200)
    later = await services.polls.report(poll_id, "en", OPERATOR)
    assert later.results.tally.respondents == 10 + K


async def test_a_poll_for_fewer_than_k_members_is_refused(
    services: Services, add_member: AddMember
) -> None:
    from polls.drafting import quick_draft

    for _ in range(K - 1):
        await add_member(consulate_id="madrid", country="ES")
    draft = quick_draft(
        "Do you like the new office? | Yes | No",
        "en",
        Audience.of(consulates=["madrid"]),
        None,
        NOW,
    )
    with pytest.raises(DraftError) as refused:
        await services.polls.create(draft, OPERATOR, NOW)
    assert [p.kind.value for p in refused.value.problems] == ["audience_too_small"]


async def test_the_answers_over_time_are_the_publications_k_answers_apart(
    services: Services, add_member: AddMember
) -> None:
    poll_id = await open_poll(services)
    users = [await add_member() for _ in range(2 * K + 2)]
    for update_id, user in enumerate(users, start=1):
        await services.polls.record_answer(update_id, f"{poll_id}-en", user, [update_id % 2])
        await services.polls.report(poll_id, "en", OPERATOR)  # someone watching the results
    report = await services.polls.report(poll_id, "en", OPERATOR)
    counts = [publication.respondents for publication in report.publications]
    # Published only when K more had answered: nothing while fewer than K had, then K, then
    # 2K; the last two answers wait for K more, or the close.
    assert counts == [None, K, 2 * K]
    times = [publication.published_at for publication in report.publications]
    assert times == sorted(times)
    await services.polls.close(poll_id, OPERATOR)
    final = await services.polls.report(poll_id, "en", OPERATOR)
    assert final.publications[-1].respondents == 2 * K + 2


def test_a_response_rate_never_passes_everyone() -> None:
    assert response_rate(12, Band(10, 14)) == (12 / 14, 1.0)
    assert response_rate(None, Band(10, 14)) is None
    assert response_rate(3, Band(0, 0)) is None


async def test_a_poll_sent_just_before_closing_links_no_one_after_it(
    services: Services, add_member: AddMember
) -> None:
    """The engine writes a sent poll back after the poll closed (it was in flight): an answer
    to it must not record that person's Telegram poll as the closed poll's again, and the
    closing job erases the Telegram poll id the write-back left beside the member."""
    database = services.database
    poll_id = await open_poll(services)
    telegram_ids = [await add_member() for _ in range(K)]
    delivery_id = await create_delivery(
        database, text_payloads("en"), Audience.everyone(), "en", origin="poll", origin_id=poll_id
    )
    delivery = await DeliveryRepository(database).get(delivery_id)
    assert delivery is not None
    outbox = Outbox(database)
    while not await outbox.fill_next_chunk(delivery, ["en"]):
        pass
    in_flight = (await outbox.claim(delivery_id, limit=1, now=0.0)).rows[0]
    await services.polls.close(poll_id, OPERATOR)
    await outbox.write_back(
        [RowResult(in_flight.outbox_id, OutboxStatus.SENT, True, message_id=7, poll_id="late")]
    )

    answer = await services.polls.record_answer(99, "late", telegram_ids[0], [0])
    assert answer.outcome is Outcome.UNKNOWN_POLL
    assert (
        await database.fetch_all("SELECT * FROM poll_variants WHERE poll_id = ?", (poll_id,)) == []
    )
    await services.polls.close_due(NOW)  # the closing job, every half minute
    linked = await database.fetch_all(
        "SELECT id FROM delivery_outbox WHERE delivery_id = ? AND poll_id IS NOT NULL",
        (delivery_id,),
    )
    assert linked == []
