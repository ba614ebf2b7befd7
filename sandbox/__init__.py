"""A local Telegram Bot API emulator, a user side and a web chat, for offline runs and tests."""

from sandbox.client import SandboxClient, SandboxClientError
from sandbox.faults import FaultConfig
from sandbox.server import DEFAULT_TOKEN, Sandbox

__all__ = ["DEFAULT_TOKEN", "FaultConfig", "Sandbox", "SandboxClient", "SandboxClientError"]
