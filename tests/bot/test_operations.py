"""The operations server: /healthz, /readyz and /metrics, on their own address."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.errors import ConfigError
from bot.metrics import Metrics
from bot.operations import Readiness, serve_operations
from bot.settings import Settings
from bot.storage.database import Database
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.scraping import Answer, get, ops_url


@asynccontextmanager
async def serving(
    settings: Settings, database: Database, readiness: Readiness
) -> AsyncIterator[str]:
    async with serve_operations(settings, database, readiness, Metrics()) as url:
        yield url


async def test_healthz_answers_while_the_process_serves(
    settings: Settings, database: Database
) -> None:
    async with serving(settings, database, Readiness()) as url:
        answer = await get(url + "/healthz")
    assert answer.status == 200
    assert json.loads(answer.text) == {"status": "ok"}


async def test_readyz_waits_for_every_role_of_the_process(
    settings: Settings, database: Database
) -> None:
    readiness = Readiness(["bot", "engine", "console"])
    async with serving(settings, database, readiness) as url:
        starting = await get(url + "/readyz")
        readiness.started("engine")
        half = await get(url + "/readyz")
        readiness.started("bot")
        readiness.started("console")
        ready = await get(url + "/readyz")
    assert (starting.status, reason(starting)) == (503, "not started: bot, engine, console")
    assert (half.status, reason(half)) == (503, "not started: bot, console")
    assert ready.status == 200
    assert json.loads(ready.text) == {"status": "ready"}


async def test_a_process_of_one_role_is_ready_once_that_role_started(
    settings: Settings, database: Database
) -> None:
    readiness = Readiness(["engine"])
    readiness.started("engine")
    async with serving(settings, database, readiness) as url:
        assert (await get(url + "/readyz")).status == 200


async def test_readyz_is_unavailable_when_the_database_cannot_answer(
    settings: Settings, database: Database
) -> None:
    readiness = Readiness([])
    other = await Database.open(settings.db_path)
    async with serving(settings, other, readiness) as url:
        assert (await get(url + "/readyz")).status == 200
        await other.close()
        closed = await get(url + "/readyz")
        alive = await get(url + "/healthz")
    assert closed.status == 503
    assert reason(closed).startswith("database unavailable (")
    assert alive.status == 200  # the process itself is still up


async def test_readyz_turns_unavailable_once_the_process_begins_to_stop(
    settings: Settings, database: Database
) -> None:
    readiness = Readiness([])
    async with serving(settings, database, readiness) as url:
        readiness.stopping()
        answer = await get(url + "/readyz")
    assert (answer.status, reason(answer)) == (503, "stopping")


async def test_metrics_are_served_in_prometheus_text_format(
    settings: Settings, database: Database
) -> None:
    async with serving(settings, database, Readiness()) as url:
        answer = await get(url + "/metrics")
    assert answer.status == 200
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    assert "# TYPE diaspora_bot_updates_handled_total counter" in answer.text
    assert "# TYPE diaspora_bot_update_handling_seconds histogram" in answer.text


async def test_a_port_in_use_is_named_in_one_line(settings: Settings, database: Database) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = dataclasses.replace(settings, ops_port=port)
        with pytest.raises(ConfigError) as refused:
            async with serving(busy, database, Readiness()):
                pass
    assert str(refused.value).startswith(
        f"BOT_OPS_PORT={port}: the operations server cannot listen on 127.0.0.1:{port}: "
    )


async def test_the_running_bot_is_healthy_and_ready(bot: App, client: SandboxClient) -> None:
    url = ops_url(bot)
    assert url.startswith("http://127.0.0.1:")
    assert (await get(url + "/healthz")).status == 200
    # The last role is marked as polling begins: once the bot answers, it has been.
    await (await ChatUser.create(client, "Iris", "en")).send("/help")
    answer = await get(url + "/readyz")
    assert answer.status == 200
    assert json.loads(answer.text) == {"status": "ready"}


async def test_health_and_metrics_are_not_on_the_console(bot: App) -> None:
    console = bot.bot_data.console_url
    assert console is not None
    for path in ("/healthz", "/readyz", "/metrics"):
        answer = await get(console + path)  # the console's own page (its sign-in)
        assert answer.content_type.startswith("text/html")
        assert "diaspora_bot_" not in answer.text and '"status"' not in answer.text


def reason(answer: Answer) -> str:
    return str(json.loads(answer.text)["reason"])
