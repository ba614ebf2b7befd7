"""``python main.py`` in a child process, as an operator runs it: ``run`` read line by line
while it runs, or a one-off command on a database (as from a second terminal)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT


def operator_environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without the bot's own settings, plus ``env``."""
    prefixes = ("BOT_", "TELEGRAM_", "WEBHOOK_", "SANDBOX_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **env}


async def main_py(db_path: Path, *args: str) -> tuple[str, str]:
    """Run ``main.py ARGS`` on the database at ``db_path``; its output and its error output
    once it exited with status 0."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROJECT_ROOT / "main.py"),
        *args,
        env=operator_environment({"BOT_DB_PATH": str(db_path)}),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """main.py run in a child process, read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, env: dict[str, str], *args: str) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROJECT_ROOT / "main.py"),
            "run",
            *args,
            env=operator_environment(env),
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def wait_for_line(self, needle: str, timeout: float = 20) -> str:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError("the bot exited:\n" + "".join(self.output))
                line = raw.decode()
                self.output.append(line)
                if needle in line:
                    return line

    def keep_reading(self) -> None:
        """From now on read what the bot writes in the background: a test that talks to the
        bot for a while must not let the pipe fill, or the bot would stop at its next line."""

        async def read() -> None:
            assert self.process.stdout is not None
            while raw := await self.process.stdout.readline():
                self.output.append(raw.decode())

        self._reader = asyncio.create_task(read())

    async def exit_status(self, timeout: float = 20) -> int:
        """Wait for the bot to exit by itself, keeping everything it wrote."""
        assert self.process.stdout is not None
        rest = await asyncio.wait_for(self.process.stdout.read(), timeout=timeout)
        self.output.append(rest.decode())
        return await self.process.wait()

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        assert self.process.stdout is not None
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout=20)  # it reads to the end
        else:
            rest = await asyncio.wait_for(self.process.stdout.read(), timeout=20)
            self.output.append(rest.decode())
        return await self.process.wait()
