"""``Sandbox``: the aiohttp server that hosts the Bot API, the user side and the web chat.

It runs inside the caller's event loop, so the bot and the tests can start it in-process::

    sandbox = Sandbox()
    await sandbox.start()
    bot = telegram.Bot(sandbox.token, base_url=sandbox.bot_api_base_url)
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.faults import FaultConfig, FaultInjector
from sandbox.state import FIRST_USER_ID, WorldState
from sandbox.stats import Stats
from sandbox.userapi import UserApi
from sandbox.webhook import WebhookDeliverer

DEFAULT_TOKEN = "1000000001:SANDBOX-not-a-real-token"
BOT_USERNAME = "diaspora_sandbox_bot"
BOT_FIRST_NAME = "Diaspora Sandbox Bot"
WEBCHAT_DIR = Path(__file__).parent / "webchat"
MAX_UPLOAD = 64 * 1024 * 1024


class Sandbox:
    """A local Telegram Bot API emulator with a user side and a web chat."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        faults: FaultConfig | None = None,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        first_user_id: int = FIRST_USER_ID,
    ) -> None:
        """``first_user_id``: the id of the first user created (a bot restarted on its old
        database passes one above every id the database knows, so no id is given twice)."""
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._token = token
        self._state = WorldState(int(bot_id), bot_username, bot_first_name, first_user_id)
        self.stats = Stats()
        self.faults = FaultInjector(faults)
        self.webhooks = WebhookDeliverer(self._state, self.stats)
        self.bot_api = BotApi(self._state, self.faults, self.stats, token, self.webhooks.changed)
        self.user_api = UserApi(self._state, self.faults, self.stats, self.reset)
        self._runner: web.AppRunner | None = None

    # --- properties ----------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self._token

    @property
    def state(self) -> WorldState:
        return self._state

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the sandbox is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_base_url(self) -> str:
        """python-telegram-bot's ``base_url``: it calls ``{base_url}{token}/{method}``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """python-telegram-bot's ``base_file_url`` (``getFile`` paths are served there)."""
        return f"{self.url}/file/bot"

    # --- life cycle ----------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.add_routes(self.bot_api.routes())
        app.add_routes(self.user_api.routes())
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/app.js", self._asset),
                web.get("/style.css", self._asset),
            ]
        )
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEBCHAT_DIR / "index.html")

    async def _asset(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEBCHAT_DIR / request.path.lstrip("/"))

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._state.closing = False
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._state.close()
        self.bot_api.reset()
        await self.webhooks.stop()
        await runner.cleanup()

    def reset(self) -> None:
        """Forget the world, zero the stats and restore the construction-time faults."""
        self.bot_api.reset()
        self._state.reset()
        self.stats.reset()
        self.faults.reset()
        self.webhooks.changed()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
