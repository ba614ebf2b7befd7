"""Process roles: which process does what when the bot runs as several processes.

``main.py run --roles bot,engine,console`` (the default: all three in one process):

- **bot** takes updates (long polling, webhook, or the sandbox's) and runs the handlers.
  With ``--sandbox`` the bot role's process also serves the sandbox; a process without the
  bot role given ``--sandbox`` joins that sandbox at SANDBOX_HOST:SANDBOX_PORT instead.
- **engine** runs the delivery engine (broadcasts/engine.py through bot/broadcasting.py).
  Several processes may have it: the one holding the "engine" lease sends, the others stand
  by and take over within seconds when it dies (broadcasts/lease.py).
- **console** serves the staff web console (console/).

Every role has the Telegram Bot object, since every role sends (the engine broadcasts, the
console's inbox replies go to members); only the bot role receives updates.

Scheduled jobs, and the role that runs each (``JOB_ROLES``). The engine role runs the jobs
that start or end deliveries; the bot role runs everything else, member-facing or upkeep:

==========================  ======  =====================================================
job                         role    runs in
==========================  ======  =====================================================
broadcast-sweep             engine  the process whose engine holds the "engine" lease
poll-close                  engine  the holder of the lease "job:poll-close"
departure-reminders         bot     the holder of "job:departure-reminders"
inbox-reminders             bot     the holder of "job:inbox-reminders"
inbox-ratings               bot     the holder of "job:inbox-ratings"
inbox-weekly-summary        bot     the holder of "job:inbox-weekly-summary"
registration-draft-expiry   bot     the holder of "job:registration-draft-expiry"
retention                   bot     the holder of "job:retention"
rates-first, rates-daily    bot     the holders of "job:rates-first", "job:rates-daily"
==========================  ======  =====================================================

So a job runs exactly once across processes even when several processes have its role: each
run first takes the job's lease (bot/storage/leases.py) and does nothing when another process
holds it. The holder keeps the lease from run to run (handlers/jobs.py sets how long from the
job's schedule), so the job stays in one process; another takes over once the holder's process
is gone from this machine, or, on another machine, once the holder missed its runs long enough
for the lease to expire. Jobs without a name (a broadcast's progress messages) run in the
process that scheduled them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from enum import StrEnum
from typing import Any, TypeVar

from bot.errors import ConfigError
from bot.storage.leases import Lease

logger = logging.getLogger(__name__)


class Role(StrEnum):
    BOT = "bot"
    ENGINE = "engine"
    CONSOLE = "console"


ALL_ROLES = frozenset(Role)

#: The role whose processes run each named job.
JOB_ROLES: dict[str, Role] = {
    "broadcast-sweep": Role.ENGINE,
    "poll-close": Role.ENGINE,
    "departure-reminders": Role.BOT,
    "inbox-reminders": Role.BOT,
    "inbox-ratings": Role.BOT,
    "inbox-weekly-summary": Role.BOT,
    "registration-draft-expiry": Role.BOT,
    "retention": Role.BOT,
    "rates-first": Role.BOT,
    "rates-daily": Role.BOT,
}

#: Jobs that need no lease of their own: they do nothing unless this process's engine holds
#: the "engine" lease.
ENGINE_LEASED_JOBS = frozenset({"broadcast-sweep"})


def parse_roles(text: str) -> frozenset[Role]:
    """``bot,engine,console`` (any non-empty subset, any order) as roles; ConfigError else."""
    names = [name.strip() for name in text.split(",")]
    if not any(names):
        raise ConfigError("--roles: give one or more of bot, engine, console (comma-separated)")
    unknown = [repr(name) for name in names if name not in {role.value for role in Role}]
    if unknown:
        raise ConfigError(
            f"--roles {text}: not a role: {', '.join(unknown)}; choose from bot, engine, console"
        )
    return frozenset(Role(name) for name in names)


def check_run(roles: frozenset[Role], sandbox: bool, demo: bool, sandbox_port: int) -> None:
    """Refuse what makes no sense with these roles, in one line."""
    if demo and Role.BOT not in roles:
        raise ConfigError(
            "--demo seeds the sandbox, which the process with the bot role serves: "
            "add bot to --roles, or drop --demo"
        )
    if sandbox and Role.BOT not in roles and sandbox_port == 0:
        raise ConfigError(
            "SANDBOX_PORT=0: a process without the bot role joins the bot's sandbox, "
            "so give both processes the same SANDBOX_PORT"
        )


def describe(roles: frozenset[Role]) -> str:
    """The roles in their usual order, for the log: ``bot,engine``."""
    return ",".join(role.value for role in Role if role in roles)


Context = TypeVar("Context")


def leased(
    lease: Lease, callback: Callable[[Context], Awaitable[object]]
) -> Callable[[Context], Coroutine[Any, Any, None]]:
    """``callback`` run only while this process holds ``lease`` (taken or kept at each run).

    Logs where the job runs at its first run here and whenever that changes."""
    here: bool | None = None

    async def run_if_held(context: Context) -> None:
        nonlocal here
        held = await lease.try_acquire()
        if held != here:
            where = "this process" if held else "another process"
            logger.info("%s runs in %s", lease.name, where)
            here = held
        if held:
            await callback(context)

    return run_if_held
