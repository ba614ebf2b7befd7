"""`python main.py` in a child process, as an operator runs it: `run` read line by line while
it runs, or a one-off command on a database (as from a second terminal)."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT
from tests.auxil.database import database_env


def operator_environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without the bot's own settings, plus ``env``."""
    prefixes = ("BOT_", "TELEGRAM_", "WEBHOOK_", "SANDBOX_", "CONSOLE_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **env}


@dataclass(frozen=True)
class Finished:
    """A one-off command's exit status and output."""

    returncode: int
    stdout: str
    stderr: str


async def main_py_env(env: dict[str, str], *args: str) -> Finished:
    """Run ``main.py ARGS`` with the bot's settings ``env``, to its end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROJECT_ROOT / "main.py"),
        *args,
        env=operator_environment(env),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def main_py(database: Path | str, *args: str) -> tuple[str, str]:
    """Run ``main.py ARGS`` on the SQLite file or PostgreSQL URL ``database`` (as
    ``Settings.database`` says); its output and its error output once it exited with status 0."""
    finished = await main_py_env(database_env(database), *args)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout, finished.stderr


#: Ports a test hands to a process it starts: below the kernel's ephemeral range (32768 and
#: up on Linux), which every outgoing connection and every bind to port 0 draws from, in a
#: band of 1,000 per pytest-xdist process. A port the system gave out and this process closed
#: again could be taken by another test process before the bot binds it ("Address already in
#: use"); a port in this process's own band cannot.
_PORT_BANDS_FROM = 20_000
_PORT_BAND = 1_000
_next_port = itertools.count()


def free_port() -> int:
    """A loopback port free now that no other test process will be given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    band = _PORT_BANDS_FROM + (int(worker) % 12 if worker.isdigit() else 0) * _PORT_BAND
    for _ in range(_PORT_BAND):
        port = band + next(_next_port) % _PORT_BAND
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {band} to {band + _PORT_BAND - 1}")


class BotProcess:
    """main.py run in a child process. Its output is read all the time (a full pipe would
    block the bot), kept in ``output``, and searched line by line with ``wait_for_line``."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output: list[str] = []
        self._read = 0  # lines wait_for_line has looked at
        self._more = asyncio.Condition()
        self._reader = asyncio.create_task(self._read_all())

    @classmethod
    async def start(cls, env: dict[str, str], *args: str) -> BotProcess:
        # Every bot started here has its console and operations server on ports of the
        # system's choosing.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROJECT_ROOT / "main.py"),
            "run",
            *args,
            env=operator_environment({"CONSOLE_PORT": "0", "BOT_OPS_PORT": "0", **env}),
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def _read_all(self) -> None:
        assert self.process.stdout is not None
        while raw := await self.process.stdout.readline():
            async with self._more:
                self.output.append(raw.decode(errors="replace"))
                self._more.notify_all()
        async with self._more:
            self._more.notify_all()

    async def wait_for_line(self, needle: str, timeout: float = 20) -> str:
        """The next line (after those already waited for) containing ``needle``."""
        async with asyncio.timeout(timeout), self._more:
            while True:
                for index in range(self._read, len(self.output)):
                    if needle in self.output[index]:
                        self._read = index + 1
                        return self.output[index]
                self._read = len(self.output)
                if self._reader.done():
                    raise AssertionError("the bot exited:\n" + "".join(self.output))
                await self._more.wait()

    async def exit_status(self, timeout: float = 20) -> int:
        """Wait for the bot to exit by itself, keeping everything it wrote."""
        await asyncio.wait_for(asyncio.shield(self._reader), timeout=timeout)
        return await self.process.wait()

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        return await self.exit_status()


def in_flight_taken_over(output: list[str]) -> int:
    """From a standby engine's output: the outbox rows a killed engine left ``sending`` that
    it put back to pending (0 if none)."""
    for line in output:
        found = re.search(r"Resending (\d+) outbox rows left in flight", line)
        if found:
            return int(found.group(1))
    return 0
