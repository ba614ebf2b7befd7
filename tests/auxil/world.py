"""A small deployment to attack: an admin, staff in London and Madrid, members in both, a
London broadcast waiting for approval, an open poll in each consulate, a London member's
question in the inbox, and helpers to compare the whole database before and after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.services import Services
from bot.storage.database import Database
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastRequest, Category
from broadcasts.payload import DeliveryKind, Payload
from broadcasts.schedule import Schedule
from handlers import callbacks
from polls.drafting import quick_draft
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR, as_staff
from tests.auxil.chat import ChatUser
from tests.broadcasts.builders import add_member

LONDON_TEXT = "LONDON-BROADCAST-SECRET"
LONDON_QUESTION = "LONDON-POLL-SECRET?"
MADRID_QUESTION = "Madrid open day?"
LONDON_INBOX_TEXT = "LONDON-INBOX-SECRET"
MEMBERS_PER_CONSULATE = 6

AddStaff = Callable[[int, str, Iterable[str]], Awaitable[Any]]


@dataclass(frozen=True)
class London:
    """What the attackers aim at, and how to make more staff."""

    admin: ChatUser
    broadcast_id: int
    poll_id: int
    madrid_poll_id: int
    real_buttons: tuple[str, ...]
    victim: int
    add_staff: AddStaff
    secrets: tuple[str, ...] = (LONDON_TEXT, LONDON_QUESTION, LONDON_INBOX_TEXT, "london")
    madrid_poll_question: str = MADRID_QUESTION


async def build_london_world(services: Services, client: SandboxClient) -> London:
    admin = await ChatUser.create(client, "Admin", "en")
    await services.staff.ensure_admins({admin.id})
    london_editor = await ChatUser.create(client, "London editor", "en")
    madrid_editor = await ChatUser.create(client, "Madrid editor", "en")

    async def add_staff(telegram_user_id: int, role: str, consulates: Iterable[str]) -> Any:
        return await services.staff.put(OPERATOR, telegram_user_id, role, consulates)

    await add_staff(london_editor.id, "editor", ["london"])
    await add_staff(madrid_editor.id, "editor", ["madrid"])
    for index in range(MEMBERS_PER_CONSULATE):
        await add_member(services.database, 900_000 + index, consulate_id="london", country="GB")
        await add_member(services.database, 910_000 + index, consulate_id="madrid", country="ES")

    now = datetime.now(UTC)
    madrid_poll = await services.polls.create(
        quick_draft(
            f"{MADRID_QUESTION} | Yes | No",
            "en",
            Audience.of(consulates=["madrid"]),
            madrid_editor.id,
            now,
        ),
        await as_staff(services, madrid_editor.id),
    )
    london_poll = await services.polls.create(
        quick_draft(
            f"{LONDON_QUESTION} | Yes | No",
            "en",
            Audience.of(consulates=["london"]),
            london_editor.id,
            now,
        ),
        await as_staff(services, london_editor.id),
    )
    created = await services.broadcasts.create(
        BroadcastRequest(
            kind=DeliveryKind.MESSAGE,
            category=Category.CONSULAR,
            payloads=[Payload("en", text=LONDON_TEXT)],
            audience=Audience.of(consulates=["london"]),
            schedule=Schedule.now(),
            author=await as_staff(services, london_editor.id),
        ),
        now,
    )
    broadcast_id = created.broadcast.id
    # Made as in the chat, where approvers are told at once: the bot's sweep leaves them be.
    for waiting in await services.broadcasts.untold(OPERATOR):
        await services.broadcasts.approvers_to_tell(waiting.id, OPERATOR)
    asked = await services.inbox.ask(900_000, "documents", LONDON_INBOX_TEXT, now)
    real_buttons = (
        callbacks.encode("inbox", "open", asked.reference),
        callbacks.encode("inbox", "use", asked.reference, "appointment"),
        callbacks.encode("inbox", "close", asked.reference),
        callbacks.encode("inbox", "mine", asked.reference),
        callbacks.encode("bcapp", "approve", str(broadcast_id)),
        callbacks.encode("bcapp", "reject", str(broadcast_id)),
        callbacks.encode("bcctl", "cancel", str(broadcast_id)),
        callbacks.encode("bcctl", "pause", str(broadcast_id)),
        callbacks.encode("pres", str(london_poll.poll_id)),
    )
    return London(
        admin=admin,
        broadcast_id=broadcast_id,
        poll_id=london_poll.poll_id,
        madrid_poll_id=madrid_poll.poll_id,
        real_buttons=real_buttons,
        victim=london_editor.id,
        add_staff=add_staff,
    )


#: Rows that change with the clock, not with anything a person does: the engine's heartbeat
#: and the exchange rates the bot fetches at start.
VOLATILE_TABLES = {"leases", "fx_rates"}


async def database_snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the engine's heartbeat), sorted, to compare before and
    after."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    for name in await database.table_names():
        if name in VOLATILE_TABLES:
            continue
        rows = await database.fetch_all(f'SELECT * FROM "{name}"')
        snapshot[name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot
