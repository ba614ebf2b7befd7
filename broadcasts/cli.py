"""``python main.py broadcast ...``: create from a file, list, report, approve, cancel, pause,
resume, send in the foreground (the engine in this process, with a progress bar), and export the
contacts members shared for an announcement (``contacts ID --as STAFF_ID``: CSV on standard
output, for staff with SEE_CONTACTS over its consulates, audited).

Everything goes through BroadcastService, as the /announce wizard does. A broadcast created
here while the bot runs is sent by the bot's sweep at its time; ``send --foreground`` is for
when the bot is not running (it refuses while another process's engine holds the lease).
``create`` says who the running bot will ask to approve it (its sweep sends them the request),
or how to add someone who may. Every action takes ``--as TELEGRAM_ID`` to act for a staff
member (their role and consulates apply; approving needs one); without it the operator acts
on their own authority. The audit log names the operating-system user either way. Operator
errors print one line and exit with status 2.

Numbers follow the disclosure rule (bot/disclosure.py) here as in the chat: recipients and
delivery counts are bands ("fewer than 5", "40-44"), and the progress bar is drawn from them.
``report`` shows an approver everything they approve, in plain English: every language's
content, the audience in words, its size now, the runs (UTC and their zone), the warnings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from babel import Locale

from bot.access import Actor
from bot.deployment import Deployment, load_deployment
from bot.errors import ConfigError
from bot.i18n import Languages, band_in_english
from bot.operator import add_as_option, command_line_actor, command_line_database
from bot.settings import Settings
from bot.staff import StaffService
from bot.storage.staff import StaffRepository
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastError, BroadcastRequest, BroadcastService, Review
from broadcasts.engine import DeliveryEngine, EngineConfig, effective_rate
from broadcasts.file import load_announcement
from broadcasts.lease import EngineBusy
from broadcasts.payload import DeliveryKind, Payload
from broadcasts.progress import BandedProgress
from broadcasts.repository import Broadcast
from broadcasts.responses import ResponseService

BAR_WIDTH = 30


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``broadcast`` action."""
    deployment = load_deployment(settings.deployment_path)
    creates = args.broadcast_command == "create"  # every other action reads a broadcast
    async with command_line_database(settings.database, create=creates) as database:
        service = BroadcastService(
            database,
            deployment,
            StaffService(StaffRepository(database), deployment),
            media_dir=settings.media_dir,
        )
        try:
            return await _dispatch(args, settings, deployment, service)
        except BroadcastError as exc:
            print(f"error: broadcast {args.broadcast_command}: {exc}", file=sys.stderr)
            return 2


async def _dispatch(
    args: argparse.Namespace, settings: Settings, deployment: Deployment, service: BroadcastService
) -> int:
    action = args.broadcast_command
    now = datetime.now(UTC)
    actor = await command_line_actor(service.staff, args.as_id)
    if action == "create":
        return await create(service, deployment, args.file, settings.media_dir, actor, now)
    if action == "list":
        print(SUMMARY_HEADER)
        for broadcast in await service.recent(actor, args.limit):
            print(summary(broadcast))
        return 0
    if action == "report":
        await report(service, args.id, actor, sys.stdout)
        return 0
    if action == "approve":
        print(summary(await service.approve(args.id, actor)))
        return 0
    if action == "cancel":
        await service.cancel(args.id, actor)
    elif action == "pause":
        await service.pause(args.id, actor)
    elif action == "resume":
        await service.resume(args.id, actor, now)
    elif action == "send":
        return await send_foreground(service, settings, args.id, actor)
    elif action == "contacts":
        responses = ResponseService(
            service.database,
            deployment,
            Languages(deployment.languages, deployment.default_language),
            service.staff,
            service,
        )
        sys.stdout.write(await responses.contacts_csv(args.id, actor))
        return 0
    print(summary(await service.get(args.id, actor)))
    return 0


async def create(
    service: BroadcastService,
    deployment: Deployment,
    file: str,
    media_dir: Path,
    actor: Actor,
    now: datetime,
) -> int:
    parsed = load_announcement(Path(file), deployment, media_dir)
    request = BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=parsed.category,
        payloads=parsed.payloads,
        audience=parsed.audience,
        schedule=parsed.schedule,
        author=actor,
    )
    try:
        created = await service.create(request, now)
    except BroadcastError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    print(summary(created.broadcast))
    print(f"recipients now: {band_in_english(created.size)}")
    for note in created.notes:
        print(f"note: {note}")
    for warning in created.warnings:
        print(f"warning: {warning.describe()}")
    if created.needs_approval:
        print(await approval_line(service, created.broadcast))
    return 0


async def approval_line(service: BroadcastService, broadcast: Broadcast) -> str:
    """Who will be asked to approve ``broadcast``, or how to get someone who may."""
    count = len(await service.approvers_for(broadcast))
    if count:
        return (
            f"waiting for approval: the running bot sends it to the {count} staff member(s) who"
            f" may approve it; or approve it here: broadcast approve {broadcast.id}"
            " --as TELEGRAM_ID"
        )
    consulates = ",".join(sorted(broadcast.audience.consulates - {""}))
    remit = f" --consulates {consulates}" if consulates else ""
    return (
        "waiting for approval, but no staff member may approve it yet: add one with"
        f" python main.py staff add TELEGRAM_ID editor{remit}, and the running bot sends it"
        " to them"
    )


SUMMARY_HEADER = "id\tstatus\tcategory\twhen\tauthor"


def summary(broadcast: Broadcast) -> str:
    schedule = broadcast.schedule
    when = schedule.kind.value
    if schedule.local is not None:
        when += f" {schedule.local:%Y-%m-%d %H:%M} {schedule.zone or 'recipient zones'}"
    if schedule.recurrence is not None:
        when += f" {schedule.recurrence.value}"
    if schedule.past_zones is not None:
        when += f" (where passed: {schedule.past_zones.value})"
    return (
        f"{broadcast.id}\t{broadcast.status.value}\t{broadcast.category}\t{when}\t"
        f"{broadcast.author}"
    )


async def report(service: BroadcastService, broadcast_id: int, actor: Actor, out: TextIO) -> None:
    """Everything about a broadcast an approver must see, then its deliveries' counts."""
    found = await service.report(broadcast_id, actor)
    print(summary(found.broadcast), file=out)
    for line in review_lines(found.review, service.deployment):
        print(line, file=out)
    for row in found.schedules:
        due = row.next_due_at.isoformat() if row.next_due_at else "no more"
        last = row.last_run_at.isoformat() if row.last_run_at else "never"
        consulates = ",".join(c or "no consulate" for c in sorted(row.consulates)) or "audience"
        print(f"  schedule {row.id} {row.zone} ({consulates}): next {due}, last {last}", file=out)
    for progress in found.deliveries:
        print(f"  delivery {progress.delivery_id} {progress.status}: {counts(progress)}", file=out)
    names = ("sent", "failed", "unreachable", "skipped", "cancelled", "pending")
    totals = ", ".join(f"{n} {band_in_english(found.total(n))}" for n in names)
    print(f"  total: {totals}", file=out)


def review_lines(review: Review, deployment: Deployment) -> list[str]:
    """The audience in words, its size, the warnings and every language's content."""
    lines = [f"audience: {audience_in_english(review.broadcast.audience, deployment)}"]
    lines.append(f"recipients now: {band_in_english(review.size)}")
    lines += [f"warning: {warning.describe()}" for warning in review.warnings]
    for payload in review.payloads:
        lines.append(f"[{payload.language}]")
        lines += [f"  {line}" for line in content_in_english(payload)]
    return lines


AUDIENCE_FILTERS = (
    "consulates",
    "countries",
    "regions",
    "member_types",
    "occupation_groups",
    "interests",
    "languages",
)


def audience_in_english(audience: Audience, deployment: Deployment) -> str:
    """The filters, each value named (its id in brackets, as announcement files write it)."""
    parts = []
    for name in AUDIENCE_FILTERS:
        values = sorted(getattr(audience, name) - {""})
        if values:
            shown = ", ".join(value_in_english(name, value, deployment) for value in values)
            parts.append(f"{name.replace('_', ' ')}: {shown}")
    return "; ".join(parts) or "everyone registered, every consulate"


def value_in_english(name: str, value: str, deployment: Deployment) -> str:
    """A consulate's, region's, country's or language's English name and its id; other
    values (member types, interests, occupation groups) are their ids."""
    english = Locale("en")
    named: str | None = None
    if name == "consulates":
        consulate = deployment.consulate(value)
        named = consulate.name if consulate else None
    elif name == "regions":
        region = deployment.region(value)
        named = region.name if region else None
    elif name == "countries":
        named = english.territories.get(value)
    elif name == "languages":
        named = Locale.parse(value, sep="-").get_display_name("en")
    return f"{named} [{value}]" if named else value


def content_in_english(payload: Payload) -> list[str]:
    """A payload as the command line shows it: the text (HTML), or the question and options."""
    if payload.poll_question is not None:
        return [payload.poll_question, *(f"- {option}" for option in payload.poll_options)]
    lines = (payload.text or "").splitlines()
    if payload.media is not None:
        lines.append(f"(a {payload.media.kind.value} is attached)")
    lines += [f"(button {button.text}: {button.url})" for button in payload.buttons]
    return lines


def counts(progress: BandedProgress) -> str:
    names = ("sent", "failed", "unreachable", "skipped", "pending")
    return ", ".join(f"{name} {band_in_english(getattr(progress, name))}" for name in names)


def progress_bar(progress: BandedProgress) -> str:
    """``[#####-----]  50% sent 40-44 failed 0 unreachable fewer than 5 pending 45-49 ETA 3 s``:
    counts as bands, and the share done worked out from the bands."""
    done = progress.share_done
    filled = round(BAR_WIDTH * done)
    eta = f"{progress.eta_seconds:.0f} s" if progress.eta_seconds is not None else "?"
    shown = (
        f"{name} {band_in_english(getattr(progress, name))}"
        for name in ("sent", "failed", "unreachable", "pending")
    )
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done:4.0%} {' '.join(shown)} ETA {eta}"


async def send_foreground(
    service: BroadcastService, settings: Settings, broadcast_id: int, actor: Actor
) -> int:
    """Run the engine here until the broadcast's due occurrences are sent."""
    from broadcasts.telegram_transport import TelegramTransport

    if settings.token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: needed to send from the command line")
    if not service.may_control(await service.get(broadcast_id, actor), actor):
        raise ConfigError(f"broadcast send: {actor.name} may not send broadcast {broadcast_id}")
    config = EngineConfig(rate=effective_rate(settings.rate_limit, settings.paid_broadcast))
    transport = TelegramTransport.create(
        settings.token,
        settings.api_base_url,
        pool_size=config.worker_count,
        paid_broadcast=settings.paid_broadcast,
        media_dir=settings.media_dir,
    )
    engine = DeliveryEngine(service.database, transport, config)
    await transport.start()
    try:
        await engine.start()
    except EngineBusy as busy:
        await transport.stop()
        raise ConfigError(
            f"broadcast send --foreground: {busy}; the running bot sends broadcast"
            f" {broadcast_id} at its time (stop the bot first to send from here)"
        ) from None
    service.engine = engine
    try:
        started = await service.sweep(datetime.now(UTC), broadcast_id)
        if not started:
            print(f"broadcast {broadcast_id}: nothing due now", file=sys.stderr)
        for item in started:
            await _show_until_done(service, engine, broadcast_id, item.delivery_id, actor)
    finally:
        service.engine = None
        await engine.stop()
        await transport.stop()
    await report(service, broadcast_id, actor, sys.stdout)
    return 0


async def _show_until_done(
    service: BroadcastService,
    engine: DeliveryEngine,
    broadcast_id: int,
    delivery_id: int,
    actor: Actor,
) -> None:
    async def bar() -> str:
        return progress_bar(await service.delivery_progress(broadcast_id, delivery_id, actor))

    waiting = asyncio.create_task(engine.wait_finished(delivery_id))
    while not waiting.done():
        print("\r" + await bar(), end="", file=sys.stderr)
        await asyncio.wait({waiting}, timeout=0.5)
    print("\r" + await bar(), file=sys.stderr)


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], handler: object
) -> None:
    """Add ``broadcast`` and its actions to main.py's parser, each run by ``handler``."""
    parser = commands.add_parser(
        "broadcast", help="announcements: create, list, report, approve, cancel, send"
    )
    parser.set_defaults(handler=handler)
    actions = parser.add_subparsers(dest="broadcast_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a broadcast from a TOML file")
    create.add_argument("file", metavar="FILE.toml")
    add_as_option(create)
    listing = actions.add_parser("list", help="recent broadcasts")
    listing.add_argument("--limit", type=int, default=20)
    add_as_option(listing)
    report_parser = actions.add_parser("report", help="a broadcast's schedule and delivery counts")
    report_parser.add_argument("id", type=int)
    add_as_option(report_parser)
    approve_parser = actions.add_parser("approve", help="approve as a staff member")
    approve_parser.add_argument("id", type=int)
    add_as_option(approve_parser, required=True)
    for name, text in (
        ("cancel", "send nothing more"),
        ("pause", "hold the schedule and sending"),
        ("resume", "continue a paused broadcast"),
    ):
        control = actions.add_parser(name, help=text)
        control.add_argument("id", type=int)
        add_as_option(control)
    contacts = actions.add_parser(
        "contacts", help="the contacts members shared for a broadcast, as CSV (audited)"
    )
    contacts.add_argument("id", type=int)
    add_as_option(contacts, required=True)
    send = actions.add_parser("send", help="send what is due now, in this process")
    send.add_argument("id", type=int)
    send.add_argument("--foreground", action="store_true", required=True)
    add_as_option(send)
