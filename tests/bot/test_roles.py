"""Process roles: --roles read and refused in one line, and a leased job run by one holder at a
time across processes (two database connections with their own holders play two processes)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

import pytest

from bot.errors import ConfigError
from bot.roles import ALL_ROLES, Role, check_run, describe, leased, parse_roles
from bot.storage.database import Database
from bot.storage.leases import Holder, Lease


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("bot,engine,console", ALL_ROLES),
        ("engine", {Role.ENGINE}),
        (" console , bot ", {Role.BOT, Role.CONSOLE}),
        ("engine,engine", {Role.ENGINE}),
    ],
)
def test_roles_are_read_in_any_order(text: str, roles: set[Role]) -> None:
    assert parse_roles(text) == roles


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--roles: give one or more of bot, engine, console (comma-separated)"),
        (" , ", "--roles: give one or more of bot, engine, console (comma-separated)"),
        ("bots", "--roles bots: not a role: 'bots'; choose from bot, engine, console"),
        ("bot,,engine", "--roles bot,,engine: not a role: ''; choose from bot, engine, console"),
        ("bot,web", "--roles bot,web: not a role: 'web'; choose from bot, engine, console"),
    ],
)
def test_unknown_or_empty_roles_are_refused_naming_the_option(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_roles(text)
    assert str(refused.value) == message


def test_the_demo_needs_the_bot_role_which_serves_the_sandbox() -> None:
    with pytest.raises(ConfigError, match=r"^--demo seeds the sandbox"):
        check_run(frozenset({Role.ENGINE}), sandbox=True, demo=True, sandbox_port=8080)
    check_run(frozenset({Role.BOT}), sandbox=True, demo=True, sandbox_port=8080)


def test_a_process_joining_the_sandbox_needs_its_port() -> None:
    with pytest.raises(ConfigError, match=r"^SANDBOX_PORT=0: a process without the bot role"):
        check_run(frozenset({Role.ENGINE}), sandbox=True, demo=False, sandbox_port=0)
    check_run(frozenset({Role.ENGINE}), sandbox=True, demo=False, sandbox_port=8080)
    check_run(frozenset({Role.BOT}), sandbox=True, demo=False, sandbox_port=0)
    check_run(frozenset({Role.ENGINE}), sandbox=False, demo=False, sandbox_port=0)


def test_roles_are_described_in_their_usual_order() -> None:
    assert describe(frozenset({Role.CONSOLE, Role.BOT})) == "bot,console"


async def test_a_leased_job_runs_in_one_process_of_two(database: Database) -> None:
    other = await Database.open(database.target)
    try:
        runs: list[str] = []

        async def job(name: str) -> None:
            runs.append(name)

        first = leased(Lease(database, "job:test", 60), job)
        second = leased(Lease(other, "job:test", 60), job)
        for _ in range(3):
            await asyncio.gather(first("first"), second("second"))
        assert runs in (["first"] * 3, ["second"] * 3)
    finally:
        await other.close()


async def test_a_leased_job_moves_when_its_process_is_gone(database: Database) -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await child.wait()  # its pid now names no process
    gone = replace(Holder.me(), pid=child.pid)
    runs: list[str] = []

    async def job(name: str) -> None:
        runs.append(name)

    await leased(Lease(database, "job:test", 3600, holder=gone), job)("gone")
    await leased(Lease(database, "job:test", 3600), job)("here")
    assert runs == ["gone", "here"]
