"""python-telegram-bot's requests to the Bot API, sent with aiohttp instead of httpx.

PTB sends through httpx by default. Under load, httpx and its connection pool cost more CPU
than everything else the bot does: profiling the registration benchmark (300 members at once)
put 62% of the bot's busy time inside httpx. aiohttp's client, already a dependency for the
sandbox, does the same requests for a fraction of that. This module adapts it to PTB's
:class:`telegram.request.BaseRequest` interface; the bot and the broadcast engine use it.

Timeouts keep PTB's meaning as far as aiohttp allows: ``pool_timeout`` plus ``connect_timeout``
bound getting a connection, ``read_timeout`` bounds each wait for the answer, and, as aiohttp
has no write timeout, ``write_timeout`` is added to the request's overall limit.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: A timeout as PTB passes it: seconds, None for no limit, or DEFAULT_NONE for "not given".
Timeout = ODVInput[float]

#: Uploads (documents, charts) get this long to be written, as httpx's media write timeout.
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """A pool of at most ``connection_pool_size`` connections to the Bot API."""

    def __init__(
        self,
        connection_pool_size: int,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # The session belongs to the running event loop, so it is made here and not in __init__.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, MEDIA_WRITE_TIMEOUT if has_files else self._write_timeout),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )
        headers = {"User-Agent": self.USER_AGENT}
        body = _body(request_data)
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut(
                "No connection to the Bot API within the pool and connect timeouts"
                " (the pool may be full); the request was not sent"
            ) from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        parts = (read, write, connect, pool)
        total = None if None in parts else sum(p for p in parts if p is not None)
        connecting = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(
            total=total, connect=connecting, sock_connect=connect, sock_read=read
        )


def _given(value: Timeout, default: float | None) -> float | None:
    """PTB passes ``DEFAULT_NONE`` when the caller left a timeout unset."""
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """Form fields, as PTB's httpx request sends them; multipart when there are files.

    Plain forms are encoded here: aiohttp would build a FormData (and a multipart writer it
    never uses) for every request, a tenth of the cost of a message at high rates.
    """
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return urlencode(fields).encode() if fields else None
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
