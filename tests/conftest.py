"""Fixtures for the whole suite (a real database file, the sandbox, the real bot polling it)
and a guard that fails any test reaching past loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from bot.deployment import Deployment, load_deployment
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT, Settings
from bot.storage.database import Database
from handlers.context import App
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.database import database_env, settings_env
from tests.auxil.ecb import OfflineEcb
from tests.auxil.postgres import PostgresServer, PostgresUnavailable
from tests.auxil.running import start_bot

BACKENDS = ("sqlite", "postgresql")
#: The engines every test with a database runs on: both under `make test`; one with
#: ``BOT_TEST_BACKENDS=sqlite`` (a quicker run) or ``=postgresql`` (`make test-postgresql`).
BACKENDS_UNDER_TEST = tuple(os.environ.get("BOT_TEST_BACKENDS", ",".join(BACKENDS)).split(","))

# Property tests check correctness only: no per-example deadline. Under make test's load (three
# test processes per core) an example that takes 0.1 ms alone once took 274 ms and failed
# hypothesis's default 200 ms deadline. How fast things are is for `make bench`.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise RuntimeError(f"test tried to reach {host!r}: only loopback is allowed in tests")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection to an address other than loopback."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    """The sample deployment shipped in the repository."""
    return load_deployment(SAMPLE_DEPLOYMENT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` first: each test process starts one at once, rather than a
    long test starting when the rest are done and the run waiting for it alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test with a database runs once on each engine under test, except a test about
    the SQLite file itself (``sqlite_only``)."""
    unknown = set(BACKENDS_UNDER_TEST) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"BOT_TEST_BACKENDS: {sorted(unknown)} unknown, not in {BACKENDS}")
    if "backend" in metafunc.fixturenames and not metafunc.definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("backend", BACKENDS_UNDER_TEST, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for this test process (tests/auxil/postgres.py)."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL is not available: {exc}")
    yield server
    server.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which engine the test's database is on: its parameter, or SQLite for a test about the
    SQLite file itself (``sqlite_only``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """A fresh migrated PostgreSQL database for a test on PostgreSQL; None on SQLite."""
    if backend != "postgresql":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.fresh_database()


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Settings for sandbox mode with a database of the test's own: a file in its folder,
    or a fresh PostgreSQL database."""
    env = {**settings_env(tmp_path, database_url), "BOT_MEDIA_DIR": str(tmp_path / "media")}
    return Settings.from_env(env).for_run(sandbox=True)


@pytest.fixture
def operator_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path | str:
    """The test's database named in this process's environment, as an operator's shell names
    it (for ``main.main``); returns ``Settings.database``. A URL in the shell running the
    tests never reaches a test on SQLite."""
    monkeypatch.delenv("BOT_DATABASE_URL", raising=False)
    for variable, value in database_env(settings.database).items():
        monkeypatch.setenv(variable, value)
    return settings.database


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A migrated database: a real SQLite file, or a real PostgreSQL database."""
    db = await Database.open(settings.database)
    yield db
    await db.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox without rate limits, so tests run at full speed."""
    async with Sandbox(port=0, faults=FaultConfig(global_rate=None, per_chat_rate=None)) as server:
        yield server


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as sandbox_client:
        yield sandbox_client


@pytest.fixture
async def services(settings: Settings, deployment: Deployment) -> AsyncIterator[Services]:
    """The services on a real database file, with the ECB replaced at the network boundary."""
    opened = await Services.open(settings, deployment, http_client=OfflineEcb().client())
    yield opened
    await opened.close()


@pytest.fixture
async def bot(sandbox: Sandbox, services: Services, settings: Settings) -> AsyncIterator[App]:
    """The real application, long polling the sandbox, stopped cleanly after the test."""
    running = await start_bot(services, sandbox, settings)
    yield running.application
    await running.stop()
