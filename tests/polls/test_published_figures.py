"""The disclosure rule as an attacker meets it: random polls, audiences, answers, changes and
deletions, read only through what is published (the CSV, the results text, the chart's bars
and the audience previews).

For every report: no figure under k is shown, and every hidden figure keeps at least two
values consistent with everything shown in it (tests/auxil/attacker.py). For two consecutive
reports: the second differs from the first only when at least k people changed their ballot
in between (or the first showed nothing), so a difference never concerns fewer than k people.
The attacker sees both reports, not how many ballots changed between them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.deployment import load_deployment
from bot.i18n import Languages
from bot.settings import SAMPLE_DEPLOYMENT
from bot.staff import StaffService
from bot.storage.database import Database, utc_now_iso
from bot.storage.members import MemberRepository
from bot.storage.polls import NewPoll
from bot.storage.staff import StaffRepository
from broadcasts.audience import Audience
from handlers.polls.texts import totals_lines
from polls.chart import chart_bars, chart_subtitle
from polls.counting import PollCounter
from polls.drafting import quick_draft
from polls.export import SUPPRESSED, WITHHELD, export_csv
from polls.service import PollReport, PollService
from tests.auxil.actors import OPERATOR
from tests.auxil.attacker import consistent_values, row_values
from tests.auxil.postgres import PostgresServer
from tests.polls.conftest import NOW

K = 5
CONSULATES = ("london", "madrid", "dubai")
GENDERS = ("female", "male", None)
DELETE = "delete"
RETRACT = "retract"


@dataclass(frozen=True)
class Scenario:
    options: int
    multiple: bool
    people: list[tuple[str, str | None]]
    first: list[int | None]
    second: list[int | str | None]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    options = draw(st.integers(2, 3))
    people = draw(
        st.lists(st.tuples(st.sampled_from(CONSULATES), st.sampled_from(GENDERS)), max_size=26)
    )
    choice = st.one_of(st.none(), st.integers(0, options - 1))
    first = draw(st.lists(choice, min_size=len(people), max_size=len(people)))
    change = st.one_of(st.none(), st.integers(0, options - 1), st.just(RETRACT), st.just(DELETE))
    second = draw(st.lists(change, min_size=len(people), max_size=len(people)))
    return Scenario(options, draw(st.booleans()), people, first, second)


def csv_rows(report: PollReport) -> list[dict[str, str]]:
    text = export_csv(report.results, "Q", report.option_labels)
    return list(csv.DictReader(io.StringIO(text)))


def number(value: str) -> int | None:
    return None if value == SUPPRESSED else int(value)


def check_report(report: PollReport, multiple: bool) -> None:
    """Everything published, as an attacker reads it."""
    rows = csv_rows(report)
    poll = next(r for r in rows if r["section"] == "poll")
    if poll["count"] == WITHHELD:
        assert rows == [poll], "a withheld poll must publish no other figure"
        return
    respondents = int(poll["count"])
    assert respondents >= K
    totals = [number(r["count"]) for r in rows if r["section"] == "total"]
    assert all(t is None or t == 0 or t >= K for t in totals), totals
    if not multiple:
        for index, values in row_values(totals, respondents).items():
            assert len(values) >= 2, f"option {index} can only be {values}"
    check_text(report, totals, respondents)
    tables: dict[str, dict[str, list[int | None]]] = defaultdict(dict)
    margins: dict[str, dict[str, int | None]] = defaultdict(dict)
    for row in rows:
        if row["section"] == "respondents":
            margins[row["dimension"]][row["group"]] = number(row["count"])
        elif row["section"] == "breakdown" and row["count"] != WITHHELD:
            cells = tables[row["dimension"]].setdefault(row["group"], [])
            cells.append(number(row["count"]))
    if tables:
        assert all(t is not None for t in totals), "breakdowns beside a hidden total"
    for dimension, groups in tables.items():
        names = sorted(groups)
        cells = [groups[name] for name in names]
        group_margins = [margins[dimension][name] for name in names]
        shown = [v for r in cells for v in r] + group_margins
        assert all(v is None or v == 0 or v >= K for v in shown), (dimension, cells)
        if multiple:
            continue  # the rule assumes rows add up, which errs on the safe side
        column_totals = [t for t in totals if t is not None]
        possible = consistent_values(cells, group_margins, column_totals, respondents)
        for entry, values in possible.items():
            assert len(values) >= 2, f"{dimension} {entry} can only be {values}: {cells}"


def check_text(report: PollReport, totals: list[int | None], respondents: int) -> None:
    """The results text and the chart's bars and subtitle show the CSV's figures and nothing
    else."""
    tr = Languages(("en",), "en").translator("en")
    assert chart_subtitle(tr, report) == f"Respondents: {respondents}"
    lines = [line for line in totals_lines(tr, report.results, report.option_labels) if "•" in line]
    bars = chart_bars(tr, report)
    for line, bar, total in zip(lines, bars, totals, strict=True):
        shown = line.split(": ", 1)[1].split(" ", 1)[0]
        assert shown == (SUPPRESSED if total is None else str(total)), line
        if total is None:
            assert (bar.percent, bar.value_label) == (0.0, SUPPRESSED), bar
        else:
            assert bar.value_label.endswith(f"({total})"), bar


async def check_previews(service: PollService, people: list[tuple[str, str | None]]) -> None:
    """Audience previews for London, then London and Madrid: each band holds its count, and
    Madrid's count (the difference) keeps two values or more when it is under k."""
    totals = []
    for consulates in (["london"], ["london", "madrid"]):
        draft = quick_draft("Q? | A | B", "en", Audience.of(consulates=consulates), None, NOW)
        band = (await service.preview(draft, OPERATOR)).total
        true = sum(1 for consulate, _ in people if consulate in consulates)
        assert band.low <= true <= band.high
        assert band.exact == (true == 0)
        totals.append(band)
    madrid = sum(1 for consulate, _ in people if consulate == "madrid")
    if 0 < madrid < K:
        first, both = totals
        possible = {
            y - x
            for x in range(first.low, first.high + 1)
            for y in range(both.low, both.high + 1)
            if 0 < y - x < K
        }
        assert len(possible) >= 2, (first, both, madrid)


def published(report: PollReport) -> list[dict[str, str]]:
    return csv_rows(report)


async def play(scenario: Scenario, target: Path | str) -> None:
    deployment = load_deployment(SAMPLE_DEPLOYMENT)
    database = await Database.open(target)
    try:
        staff = StaffService(StaffRepository(database), deployment)
        languages = Languages(deployment.languages, deployment.default_language)
        service = PollService(database, deployment, languages, staff)
        repository = service.repository
        poll_id = await repository.create(
            NewPoll(
                mode="segmented",
                base_language="en",
                questions={"en": "Q"},
                options=[{"en": f"O{i}"} for i in range(scenario.options)],
                allows_multiple=scenario.multiple,
                opens_at=NOW - timedelta(days=1),
                closes_at=NOW + timedelta(days=1000),
            )
        )
        await repository.add_variant(poll_id, "en", "variant")
        await repository.set_status(poll_id, "open", NOW)
        users = []
        async with database.transaction() as tx:
            for index, (consulate, gender) in enumerate(scenario.people):
                users.append(7_000_000 + index)
                await tx.execute(
                    "INSERT INTO members (telegram_user_id, language, status, consulate_id,"
                    " gender, created_at, updated_at) VALUES (?, 'en', 'registered', ?, ?, ?, ?)",
                    (users[-1], consulate, gender, utc_now_iso(), utc_now_iso()),
                )
        counter = PollCounter(repository)
        update_ids = iter(range(1, 10_000))

        async def answer(user: int, options: list[int]) -> None:
            await counter.record_answer(
                update_id=next(update_ids),
                telegram_poll_id="variant",
                telegram_user_id=user,
                option_ids=options,
                received_at=NOW,
            )

        ballots: dict[int, list[int]] = {}
        for user, vote in zip(users, scenario.first, strict=True):
            if vote is not None:
                ballots[user] = [vote]
                await answer(user, [vote])
        first = await service.report(poll_id, "en", OPERATOR)
        check_report(first, scenario.multiple)

        changed = 0
        members = MemberRepository(database)
        for user, change in zip(users, scenario.second, strict=True):
            before = ballots.get(user)
            if change is None:
                continue
            if change == DELETE:
                await members.delete(user)
                changed += before is not None
                ballots.pop(user, None)
            elif change == RETRACT:
                await answer(user, [])
                changed += before is not None
                ballots.pop(user, None)
            else:
                assert isinstance(change, int)
                await answer(user, [change])
                changed += before != [change]
                ballots[user] = [change]
        second = await service.report(poll_id, "en", OPERATOR)
        check_report(second, scenario.multiple)
        remaining = [
            person
            for person, change in zip(scenario.people, scenario.second, strict=True)
            if change != DELETE
        ]
        await check_previews(service, remaining)
        if published(second) != published(first) and not first.results.withheld:
            assert changed >= K, f"the results moved after {changed} changed ballots"
    finally:
        await database.close()


@settings(
    max_examples=80,
    # The engine is one for every example; each example gets a new database of its own.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@pytest.mark.slow
@given(scenarios())
def test_published_figures_never_point_at_fewer_than_k_people(
    backend: str, request: pytest.FixtureRequest, scenario: Scenario
) -> None:
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        asyncio.run(play(scenario, server.fresh_database()))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(scenario, Path(folder) / "bot.sqlite3"))
