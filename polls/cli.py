"""``python main.py poll ...``: create a poll from a file, print its results, close it.

    poll create FILE.toml          check the file, store the poll and its announcement
    poll results ID [--out DIR]    totals and breakdowns; writes poll-ID-chart.png and
                                   poll-ID-results.csv (aggregates only) into DIR
    poll close ID                  stop taking answers

The command line has no delivery engine: ``create`` stores the poll and its broadcast (kind
poll, authored by "cli:<login>", or by the staff member named with ``--as``) the way /poll
does; the running bot's sweep sends it when it is due and, under two-person approval, once a
staff member approved it. Every action takes ``--as TELEGRAM_ID`` (see bot/operator.py).
Problems print one line each, naming the file, field and problem, and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.access import Actor
from bot.deployment import load_deployment
from bot.i18n import Languages
from bot.operator import add_as_option, command_line_actor, command_line_database
from bot.sensitive import SensitiveQuestion
from bot.settings import Settings
from bot.staff import StaffService
from bot.storage.staff import StaffRepository
from broadcasts.compose import BroadcastError, BroadcastService
from polls.chart import bars_for, results_chart
from polls.drafting import DraftError
from polls.export import SUPPRESSED, export_csv
from polls.pollfile import PollFileError, load_poll_file
from polls.publishing import BroadcastPublisher, PublishState
from polls.service import PollReport, PollService


def add_parser(commands: Any) -> None:
    """Add ``poll`` and its actions to the main parser's subcommands."""
    poll = commands.add_parser("poll", help="polls: create from a file, results, close")
    actions = poll.add_subparsers(dest="poll_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a poll from a TOML file")
    create.add_argument("file", metavar="FILE", type=Path)
    results = actions.add_parser("results", help="print results, write chart and CSV")
    results.add_argument("poll_id", metavar="ID", type=int)
    results.add_argument("--out", type=Path, default=Path("."), help="folder for PNG and CSV")
    close = actions.add_parser("close", help="stop taking answers")
    close.add_argument("poll_id", metavar="ID", type=int)
    for action in (create, results, close):
        add_as_option(action)
    poll.set_defaults(handler=cmd_poll)


async def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    deployment = load_deployment(settings.deployment_path)
    languages = Languages(deployment.languages, deployment.default_language)
    if args.poll_command == "create":
        try:
            draft = load_poll_file(args.file)
        except PollFileError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    creates = args.poll_command == "create"  # results and close read a poll already stored
    async with command_line_database(settings.database, create=creates) as database:
        staff = StaffService(StaffRepository(database), deployment)
        broadcasts = BroadcastService(database, deployment, staff)
        publisher = BroadcastPublisher(broadcasts)
        service = PollService(database, deployment, languages, staff, publisher)
        actor = await command_line_actor(staff, args.as_id)
        if args.poll_command == "create":
            return await create(service, draft, args.file, actor)
        if args.poll_command == "results":
            return await results(service, args.poll_id, args.out, actor)
        return await close(service, args.poll_id, actor)


async def create(service: PollService, draft: Any, path: Path, actor: Actor) -> int:
    try:
        created = await service.create(draft, actor)
    except DraftError as error:
        for problem in error.problems:
            print(f"error: {path}: {problem.describe()}", file=sys.stderr)
        return 2
    except (BroadcastError, SensitiveQuestion) as error:
        print(f"error: {path}: {error}", file=sys.stderr)
        return 2
    published = created.published
    waits = (
        "waits for approval, then the running bot sends it"
        if published.state is PublishState.AWAITING_APPROVAL
        else "the running bot sends it when due"
    )
    print(f"poll {created.poll_id} stored as broadcast {published.broadcast_id}; {waits}")
    return 0


async def results(service: PollService, poll_id: int, out: Path, actor: Actor) -> int:
    try:
        report = await service.report(
            poll_id, service.deployment.default_language, actor, ("text", "png", "csv")
        )
    except LookupError:
        print(f"error: poll: no poll {poll_id}", file=sys.stderr)
        return 1
    print(report_text(report))
    if report.results.withheld:
        return 0
    chart, table = write_outputs(report, out)
    print(f"wrote {chart} and {table}")
    return 0


def write_outputs(report: PollReport, out: Path) -> tuple[Path, Path]:
    """Write the chart (PNG) and the aggregate CSV into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    tally = report.results.tally
    percents = [option.percent for option in tally.options]
    bars = bars_for(report.option_labels, percents, [o.votes for o in tally.options])
    chart = out / f"poll-{report.poll.id}-chart.png"
    subtitle = f"respondents: {tally.respondents}"
    chart.write_bytes(results_chart(report.question, bars, subtitle=subtitle))
    table = out / f"poll-{report.poll.id}-results.csv"
    table.write_text(export_csv(report.results, report.question, report.option_labels), "utf-8")
    return chart, table


def report_text(report: PollReport) -> str:
    """Plain English text: totals, response rate, breakdowns (hidden figures suppressed)."""
    results = report.results
    tally = results.tally
    if tally.respondents is None:
        k = results.min_cell_size
        return f"{report.question}\nwithheld: fewer than {k} people have answered"
    lines = [report.question, f"respondents: {tally.respondents}"]
    rate = tally.response_rate
    if tally.recipients is not None and rate is not None:
        band = tally.recipients
        recipients = str(band.low) if band.exact else f"{band.low}-{band.high}"
        low, high = (f"{100 * value:.1f}%" for value in rate)
        shown = low if low == high else f"{low}-{high}"
        lines.append(f"response rate: {shown} of {recipients}")
    for option in tally.options:
        label = report.option_labels[option.index]
        if option.votes is None or option.percent is None:
            lines.append(f"  {label}: {SUPPRESSED}")
        else:
            lines.append(f"  {label}: {option.votes} ({option.percent:.1f}%)")
    for breakdown in results.breakdowns:
        lines.append(f"by {breakdown.dimension}:" + (" withheld" if breakdown.withheld else ""))
        for row in breakdown.rows:
            cells = ", ".join(SUPPRESSED if c is None else str(c) for c in row.counts)
            count = SUPPRESSED if row.respondents is None else row.respondents
            lines.append(f"  {row.group or 'not given'} ({count}): {cells}")
    lines.append("final results" if results.final else f"published {results.published_at}")
    return "\n".join(lines)


async def close(service: PollService, poll_id: int, actor: Actor) -> int:
    try:
        closed = await service.close(poll_id, actor)
    except LookupError:
        print(f"error: poll: no poll {poll_id}", file=sys.stderr)
        return 1
    print(f"poll {poll_id} " + ("was already closed" if closed.already_closed else "closed"))
    return 0
