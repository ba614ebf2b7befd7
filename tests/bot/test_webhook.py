"""The webhook receiver: only POSTs with the right secret and a small JSON body get through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.webhook import SECRET_HEADER, MalformedUpdate, WebhookReceiver, web_server

SECRET = "the-right-secret-0123456789"
LIMIT = 1000
UPDATE = {"update_id": 1, "message": {"text": "hi"}}


class Received:
    """What reached the bot through the receiver."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    async def deliver(self, update: dict[str, Any]) -> None:
        if "update_id" not in update:
            raise MalformedUpdate("no update_id")
        self.updates.append(update)


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def http(received: Received) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a real server on a free port, carrying the receiver at /telegram."""
    receiver = WebhookReceiver("/telegram", SECRET, received.deliver, max_body=LIMIT)
    async with (
        web_server(receiver.routes(), "127.0.0.1", 0) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        yield client


async def test_an_update_with_the_right_secret_is_delivered(
    http: httpx.AsyncClient, received: Received
) -> None:
    response = await http.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert received.updates == [UPDATE]


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER: SECRET + "x"}],
)
async def test_a_missing_or_wrong_secret_is_refused(
    http: httpx.AsyncClient, received: Received, headers: dict[str, str]
) -> None:
    response = await http.post("/telegram", json=UPDATE, headers=headers)
    assert response.status_code == 403
    assert received.updates == []


async def test_a_body_declared_over_the_limit_is_refused(
    http: httpx.AsyncClient, received: Received
) -> None:
    body = b'{"update_id": 1}' + b" " * LIMIT
    response = await http.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 413
    assert received.updates == []


async def test_a_streamed_body_over_the_limit_is_refused(
    http: httpx.AsyncClient, received: Received
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"update_id": 1}'
        for _ in range(LIMIT // 100 + 1):
            yield b" " * 100

    response = await http.post("/telegram", content=chunks(), headers={SECRET_HEADER: SECRET})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413
    assert received.updates == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"{}", b"\xff\xfe"])
async def test_a_body_that_is_not_an_update_is_refused(
    http: httpx.AsyncClient, received: Received, body: bytes
) -> None:
    response = await http.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400
    assert received.updates == []


async def test_only_a_post_to_the_webhook_path_is_received(
    http: httpx.AsyncClient, received: Received
) -> None:
    headers = {SECRET_HEADER: SECRET}
    assert (await http.get("/telegram", headers=headers)).status_code == 405
    assert (await http.post("/other", json=UPDATE, headers=headers)).status_code == 404
    assert received.updates == []
