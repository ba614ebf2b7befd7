"""A throwaway PostgreSQL server for the test run, from the system's own binaries.

Each pytest process (each xdist worker) starts one server in a temporary folder on a free
loopback port, with durability off (a test database is thrown away), migrates one template
database, and gives every test a fresh copy of it (``CREATE DATABASE ... TEMPLATE``, a file
copy: much faster than migrating again). The server stops when the process ends.

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` user that
Debian's package creates. Without the binaries the tests that need them are skipped, and
``make test`` says so plainly (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bot.storage.database import Database
from tests.auxil.process import free_port

TEMPLATE = "bot_template"
_INSTALL_HINT = "apt-get install postgresql"


class PostgresUnavailable(Exception):
    """Why no server could be started (shown as the skip reason)."""


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


@dataclass
class PostgresServer:
    """A running throwaway server: hands out fresh migrated databases by URL."""

    folder: Path
    port: int
    run_as: str | None
    pg_ctl: str
    _numbers: itertools.count[int]

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://bot@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresServer:
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise PostgresUnavailable(f"PostgreSQL's initdb and pg_ctl not found ({_INSTALL_HINT})")
        run_as = _unprivileged_user()
        folder = Path(tempfile.mkdtemp(prefix="bot-postgres-"))
        if run_as is not None:
            user = pwd.getpwnam(run_as)
            os.chown(folder, user.pw_uid, user.pw_gid)
        port = free_port()
        server = cls(folder, port, run_as, pg_ctl, itertools.count(1))
        server._run(
            initdb,
            "-D",
            str(folder / "data"),
            "-U",
            "bot",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        server._run(
            pg_ctl,
            "-D",
            str(folder / "data"),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start",
        )
        asyncio.run(server._make_template())
        return server

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def fresh_database(self) -> str:
        """The URL of a new database holding the current schema and nothing else."""
        return self._create(f"test_{next(self._numbers)}", TEMPLATE)

    def empty_database(self) -> str:
        """The URL of a new database without even the schema (for migrate-to-postgres)."""
        return self._create(f"empty_{next(self._numbers)}", None)

    def _create(self, name: str, template: str | None) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            copy = ""
            if template is not None:
                # PostgreSQL 15's default copies the template through the WAL block by block:
                # 230 ms a database, against 40 ms copying its files (whose checkpoints cost
                # little on this server, with fsync off). Before 15 there was no choice.
                strategy = " STRATEGY FILE_COPY" if connection.info.server_version >= 150000 else ""
                copy = f" TEMPLATE {template}{strategy}"
            connection.execute(f'CREATE DATABASE "{name}"{copy}'.encode())
        return self.url(name)

    async def _make_template(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.admin_url, autocommit=True
        ) as connection:
            await connection.execute(f"CREATE DATABASE {TEMPLATE}")
        database = await Database.open(self.url(TEMPLATE))
        await database.close()

    def _run(self, *command: str) -> None:
        if self.run_as is not None:
            command = ("runuser", "-u", self.run_as, "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(command[-3:])} failed: {result.stderr.strip()[-400:]}"
            )


def _unprivileged_user() -> str | None:
    """Who runs the server: ourselves, or (as root, which PostgreSQL refuses) ``postgres``."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no postgres user to run the server as"
            f" ({_INSTALL_HINT} creates it)"
        ) from None
    return "postgres"
