"""Command line of the Diaspora Outreach Bot.

    python main.py run              run the bot on Telegram (TELEGRAM_BOT_TOKEN must be set)
    python main.py run --sandbox    run the bot against the local sandbox and its web chat
                                    (--demo: with staff and members to try it with)
    python main.py run --roles bot,engine,console   the parts this process runs (README.md,
                                    "Process roles"; default: all three)
    python main.py sandbox          run only the sandbox (Bot API emulator and web chat)
    python main.py stats            member counts and inbox measures (small groups hidden)
    python main.py staff ...        list, add or remove consular staff (the last admin stays)
    python main.py remittance import FILE   import remittance prices (World Bank RPW CSV)
    python main.py poll ...         polls: create FILE.toml, results ID, close ID
    python main.py broadcast ...    announcements: create FILE.toml, list, report ID, approve ID
                                    --as TELEGRAM_ID, cancel|pause|resume ID, send ID --foreground
    python main.py db upgrade       apply pending database migrations
    python main.py db backup FILE   copy the live database with SQLite's online backup

Every setting comes from the environment (see README.md). Operator errors print one line
naming the file, field or variable at fault, and exit with status 2. Actions are audited as
``cli:<operating-system user>``; ``--as TELEGRAM_ID`` acts on behalf of that staff member,
whose role and consulates then apply (see bot/access.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot import log_redaction
from bot.access import AccessDenied
from bot.deployment import load_deployment
from bot.errors import ConfigError
from bot.operator import add_as_option, command_line_actor, command_line_database
from bot.settings import Settings
from bot.staff import StaffError, StaffService
from bot.storage.database import Database
from broadcasts.cli import add_parser as add_broadcast_parser
from polls.cli import add_parser as add_poll_parser

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
# Values that must never reach a log line or a traceback.
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET")


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot until SIGINT or SIGTERM: on Telegram, or against the sandbox."""
    from bot.roles import check_run, parse_roles
    from bot.runner import serve

    roles = parse_roles(args.roles)
    settings = settings.for_run(sandbox=args.sandbox, demo=args.demo)
    check_run(roles, args.sandbox, args.demo, settings.sandbox_port)
    await serve(settings, load_deployment(settings.deployment_path), roles=roles)
    return 0


async def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the sandbox alone, for a bot started elsewhere."""
    from sandbox import FaultConfig, Sandbox

    faults = FaultConfig(latency_ms=args.latency_ms)
    if args.no_limits:
        faults.global_rate = None
        faults.per_chat_rate = None
    sandbox = Sandbox(host=settings.sandbox_host, port=settings.sandbox_port, faults=faults)
    await sandbox.start()
    print(f"Sandbox web chat: {sandbox.url}/", flush=True)
    print(f"TELEGRAM_API_BASE_URL={sandbox.bot_api_base_url} TELEGRAM_BOT_TOKEN={sandbox.token}")
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print registered members by consulate, country, member type and language, and the
    inbox's measures per consulate (bot/inbox/measures.py)."""
    from bot.i18n import Languages
    from bot.inbox.measures import InboxMeasures, format_measures
    from bot.members import MemberService
    from bot.stats import format_statistics, member_statistics
    from bot.storage.inbox_measures import InboxMeasuresRepository
    from bot.storage.members import MemberRepository
    from bot.storage.staff import StaffRepository

    deployment = load_deployment(settings.deployment_path)
    async with command_line_database(settings.database) as database:
        actor = await command_line_actor(
            StaffService(StaffRepository(database), deployment), args.as_id
        )
        languages = Languages(deployment.languages, deployment.default_language)
        members = MemberService(MemberRepository(database), languages)
        k = deployment.policies.poll_min_cell_size
        print(format_statistics(await member_statistics(members, k, actor)))
        inbox = InboxMeasures(InboxMeasuresRepository(database), deployment)
        print()
        print(format_measures(await inbox.measures(actor)))
    return 0


async def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    """List, add or remove staff from the command line (audited as cli:<login>)."""
    from bot.storage.staff import StaffRepository

    deployment = load_deployment(settings.deployment_path)
    # Adding a staff member may start a database (the first admin); the rest read it.
    creates = args.staff_command == "add"
    async with command_line_database(settings.database, create=creates) as database:
        return await manage_staff(args, StaffService(StaffRepository(database), deployment))


async def manage_staff(args: argparse.Namespace, service: StaffService) -> int:
    """Do the ``staff`` action; StaffError (a refused change) is one line, status 2."""
    try:
        actor = await command_line_actor(service, args.as_id)
        if args.staff_command == "add":
            consulates = [c for c in (args.consulates or "").split(",") if c]
            member = await service.put(actor, args.telegram_id, args.role, consulates)
            consulates_text = ",".join(sorted(member.consulates)) or "all consulates"
            print(f"saved {member.telegram_user_id} {member.role.value} {consulates_text}")
        elif args.staff_command == "remove":
            if not await service.remove(actor, args.telegram_id):
                print(
                    f"error: staff: no staff member with Telegram id {args.telegram_id}",
                    file=sys.stderr,
                )
                return 1
            print(f"removed {args.telegram_id}")
        else:
            print("telegram_id\trole\tconsulates")
            for member in await service.list_members(actor):
                remit = ",".join(sorted(member.consulates)) or "all consulates"
                print(f"{member.telegram_user_id}\t{member.role.value}\t{remit}")
    except StaffError as exc:
        print(f"error: staff {args.staff_command}: {exc}", file=sys.stderr)
        return 2
    return 0


async def cmd_remittance_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a remittance CSV; exit 2 if the file cannot be read, 1 if rows were rejected."""
    from bot.remittance import format_report, import_file

    database = await Database.open(settings.database)
    try:
        report = await import_file(database, Path(args.file))
    finally:
        await database.close()
    if report.problem is not None:
        print(f"error: {format_report(report)}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 1 if report.rejected else 0


async def cmd_broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """Create, list, report, approve, control or send broadcasts (broadcasts/cli.py)."""
    from broadcasts import cli

    return await cli.run(args, settings)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations and report the schema version."""
    database = await Database.open(settings.database, migrate=False)
    try:
        applied = await database.upgrade()
        for migration in applied:
            print(f"applied {migration.version:04d} {migration.name}")
        print(f"{database.setting}: schema version {await database.schema_version()}")
    finally:
        await database.close()
    return 0


async def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the live database to FILE."""
    async with command_line_database(settings.database) as database:
        await database.backup(Path(args.file))
        print(f"backed up {settings.db_path} to {args.file}")
    return 0


async def cmd_db_migrate_to_postgres(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite file at BOT_DB_PATH into the empty PostgreSQL at BOT_DATABASE_URL."""
    from bot.storage.database import SqliteDatabase
    from bot.storage.transfer import migrate_to_postgres

    if settings.database_url is None:
        raise ConfigError(
            "BOT_DATABASE_URL: set it to the empty PostgreSQL database to copy BOT_DB_PATH into"
        )
    source = await SqliteDatabase.open_file(settings.db_path, migrate=False, create=False)
    try:
        counts = await migrate_to_postgres(source, settings.database_url)
    finally:
        await source.close()
    print("table\tsqlite\tpostgresql")
    for count in counts:
        print(
            f"{count.table}\t{count.source}\t{count.copied}{'' if count.matches else '  MISMATCH'}"
        )
    if not all(count.matches for count in counts):
        print("error: row counts differ (marked MISMATCH): do not switch over", file=sys.stderr)
        return 1
    print(f"copied {sum(c.copied for c in counts)} rows in {len(counts)} tables; counts match")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Diaspora Outreach Bot: registration, announcements, polls and guidance "
        "for nationals abroad, in their own language.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot (needs TELEGRAM_BOT_TOKEN, or --sandbox)")
    run.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the local sandbox and its web chat instead of Telegram "
        "(TELEGRAM_BOT_TOKEN must be unset)",
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="with --sandbox: seed an admin, an approver and a few members to try it with",
    )
    run.add_argument(
        "--roles",
        default="bot,engine,console",
        help="what this process runs, comma-separated: bot (takes updates), engine (sends "
        "broadcasts), console (the staff web console); default: all three",
    )
    run.set_defaults(handler=cmd_run)
    sandbox = commands.add_parser("sandbox", help="run the Bot API sandbox and web chat alone")
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="delay every Bot API call")
    sandbox.add_argument("--no-limits", action="store_true", help="do not enforce rate limits")
    sandbox.set_defaults(handler=cmd_sandbox)
    stats = commands.add_parser(
        "stats", help="member counts by consulate, country, type, language; inbox measures"
    )
    add_as_option(stats)
    stats.set_defaults(handler=cmd_stats)
    staff = commands.add_parser("staff", help="consular staff: list, add, remove")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    listing = staff_commands.add_parser("list", help="list staff")
    add_as_option(listing)
    listing.set_defaults(handler=cmd_staff)
    add = staff_commands.add_parser("add", help="add or change a staff member")
    add.add_argument("telegram_id", type=int, help="the person's Telegram user id")
    add.add_argument("role", choices=["admin", "editor", "viewer"])
    add.add_argument("--consulates", help="comma-separated consulate ids (default: all)")
    add_as_option(add)
    add.set_defaults(handler=cmd_staff)
    remove = staff_commands.add_parser("remove", help="remove a staff member")
    remove.add_argument("telegram_id", type=int)
    add_as_option(remove)
    remove.set_defaults(handler=cmd_staff)
    remittance = commands.add_parser("remittance", help="remittance cost data: import")
    remittance_commands = remittance.add_subparsers(
        dest="remittance_command", required=True, metavar="ACTION"
    )
    remittance_import = remittance_commands.add_parser(
        "import", help="import a World Bank RPW prices CSV or a corridor-averages CSV"
    )
    remittance_import.add_argument("file", metavar="FILE")
    remittance_import.set_defaults(handler=cmd_remittance_import)
    add_poll_parser(commands)
    add_broadcast_parser(commands, cmd_broadcast)
    db = commands.add_parser("db", help="database upkeep: upgrade, backup, migrate-to-postgres")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler=cmd_db_upgrade
    )
    backup = db_commands.add_parser("backup", help="copy the live database to FILE")
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(handler=cmd_db_backup)
    db_commands.add_parser(
        "migrate-to-postgres",
        help="copy the SQLite file (BOT_DB_PATH) into the empty PostgreSQL (BOT_DATABASE_URL)"
        " and verify row counts",
    ).set_defaults(handler=cmd_db_migrate_to_postgres)
    return parser


#: Commands that run until stopped, whose log is the operator's view of what happens.
LONG_RUNNING = ("run", "sandbox")


class _CurrentStderr:
    """Whatever sys.stderr is when a record is written (a handler that kept the stderr of its
    creation would write to a closed stream once a caller, such as a test, replaced it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(command: str) -> log_redaction.Redactor:
    """Log to stderr, with the bot token and webhook secret redacted from every record and
    from uncaught tracebacks (bot/log_redaction.py); return the redactor for other output.
    The long-running commands log what they do; the others only warnings and errors, so an
    operator's error stays one line."""
    logging.basicConfig(
        stream=_CurrentStderr(),
        level=logging.INFO if command in LONG_RUNNING else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO (redacted, but one line per request).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The sweeps run every few seconds; their "job executed" lines would drown the log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Read here, not from Settings: redaction must work even when the settings are invalid.
    secrets = [os.environ.get(name, "").strip() for name in SECRET_VARIABLES]
    return log_redaction.install(secrets)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    redact = configure_logging(args.command)
    try:
        settings = Settings.from_env()
        handler: Command = args.handler
        return asyncio.run(handler(args, settings))
    except (ConfigError, AccessDenied) as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
