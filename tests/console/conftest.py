"""The console served in process on the test's real services (a real SQLite file), and a
way to sign in as any staff member the way /console's link does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.access import Actor
from bot.services import Services
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastRequest, Category
from broadcasts.payload import DeliveryKind, Payload
from broadcasts.schedule import Schedule
from console.app import build_console
from tests.auxil.actors import OPERATOR

SignIn = Callable[[int], Awaitable[TestClient]]  # type: ignore[type-arg]


@pytest.fixture
async def console(services: Services) -> AsyncIterator[Callable[[], Awaitable[TestClient]]]:  # type: ignore[type-arg]
    clients: list[TestClient] = []  # type: ignore[type-arg]

    async def new_client() -> TestClient:  # type: ignore[type-arg]
        client = TestClient(TestServer(build_console(services)))
        await client.start_server()
        clients.append(client)
        return client

    yield new_client
    for client in clients:
        await client.close()


@pytest.fixture
def sign_in(services: Services, console: Callable[[], Awaitable[TestClient]]) -> SignIn:  # type: ignore[type-arg]
    """A browser signed in as the staff member with that Telegram id (who must be staff)."""

    async def signed_in(telegram_user_id: int) -> TestClient:  # type: ignore[type-arg]
        staff = await services.staff.find(telegram_user_id)
        token = await services.signin.new_link_token(
            Actor.in_chat(telegram_user_id, staff), datetime.now(UTC)
        )
        client = await console()
        answer = await client.post("/login", data={"token": token}, allow_redirects=False)
        assert answer.status == 303, await answer.text()
        return client

    return signed_in


def csrf_of(page: str) -> str:
    """The form token a page carries."""
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


ADMIN, LONDON_EDITOR, MADRID_EDITOR, VIEWER = 1001, 1002, 1003, 1004
REFUSAL = "This is only for consular staff."
LONDON_TEXT = "Passport day on <b>Saturday</b>"


@pytest.fixture
async def staff(services: Services) -> None:
    """An admin of every consulate, an editor in London and one in Madrid, a London viewer."""
    await services.staff.put(OPERATOR, ADMIN, "admin")
    await services.staff.put(OPERATOR, LONDON_EDITOR, "editor", ["london"])
    await services.staff.put(OPERATOR, MADRID_EDITOR, "editor", ["madrid"])
    await services.staff.put(OPERATOR, VIEWER, "viewer", ["london"])


async def london_broadcast(services: Services) -> int:
    """A London announcement waiting for approval."""
    author = Actor.in_chat(LONDON_EDITOR, await services.staff.find(LONDON_EDITOR))
    created = await services.broadcasts.create(
        BroadcastRequest(
            kind=DeliveryKind.MESSAGE,
            category=Category.CONSULAR,
            payloads=[Payload("en", text=LONDON_TEXT)],
            audience=Audience.of(consulates=["london"]),
            schedule=Schedule.now(),
            author=author,
        ),
        datetime.now(UTC),
    )
    return created.broadcast.id
