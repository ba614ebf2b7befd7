"""Every way into a staff power, tried by everyone who must not have it.

The surface is read from the running Application: every command, every button pattern, every
conversation entry point, state and fallback. A handler added later is attacked without an edit
here. The attackers: a stranger, a registered member, a viewer of Madrid and an editor of Madrid;
what they attack belongs to London (a broadcast waiting for approval, an open poll) or to
everyone (the staff list, the audit log). Each attempt uses a fresh account (so per-person flood
limits never hide a reply), and every one must get the short refusal in the attacker's language
and leave every table of the database as it was.

The whole attack runs twice: through the gatekeeper, and with the gatekeeper switched off, to
show that the services refuse on their own (the gatekeeper is a convenience, not the defence).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.access import Permission, Role, StaffMember
from handlers.access import AccessRules
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.running import start_bot
from tests.auxil.surface import (
    MEMBER_FEATURES,
    MEMBER_ONLY_COMMANDS,
    conversation_entry_commands,
    registered_commands,
    registered_features,
)
from tests.auxil.world import London, build_london_world, database_snapshot

REFUSAL = "This is only for consular staff."
STALE = "This button is no longer valid. Send /start."
#: What the bot says when nothing ran: a stale button, an unknown command, text it did not expect.
NOTHING_HAPPENED = (
    STALE,
    "I don't know that command. Send /help to see what I can do.",
    "I didn't understand that. Choose from the menu below, or send /help.",
)
ATTEMPTS_AT_ONCE = 48


@dataclass(frozen=True)
class Persona:
    """Who attacks: their language and, for staff, role and consulates."""

    name: str
    language: str
    role: str | None = None
    consulates: tuple[str, ...] = ()
    registered: bool = False

    def may(self, permission: Permission) -> bool:
        if self.role is None:
            return False
        return StaffMember(0, Role(self.role), frozenset(self.consulates)).may(permission)


PERSONAS = (
    Persona("stranger", "fr"),
    Persona("member", "ar", registered=True),
    Persona("viewer of Madrid", "es", role="viewer", consulates=("madrid",)),
    Persona("editor of Madrid", "en", role="editor", consulates=("madrid",)),
)


def command_variants(command: str, bot_username: str, victim: int) -> list[str]:
    """The ways to write a command that python-telegram-bot (or a sloppy parser) may run.
    (tests/handlers/test_access_rules.py tries many more, without the round trips.)"""
    return [
        f"/{command}",
        f"/{command}, add {victim} admin",
        f"/{command}; remove {victim}",
        f"/{command.upper()} add {victim} admin",
        f"/{command}@{bot_username} add {victim} admin",
        f"/{command}\nadd {victim} admin",
        f"\u200b/{command} add {victim} admin",
        f"\u200f/{command} add {victim} admin",
    ]


def button_variants(feature: str, london: London) -> list[str]:
    """Forged data for a staff feature, aimed at London's objects, and replayed real data."""
    forged = [f"v1:{feature}", f"v1:{feature}:submit"]
    for object_id in (str(london.broadcast_id), str(london.poll_id)):
        forged += [
            f"v1:{feature}:{object_id}",
            f"v1:{feature}:approve:{object_id}",
            f"v1:{feature}:cancel:{object_id}\n",
        ]
    return forged + [data for data in london.real_buttons if data.startswith(f"v1:{feature}:")]


# --- running the attempts -----------------------------------------------------------------


@dataclass
class Outcome:
    persona: Persona
    attempt: str
    answers: list[str] = field(default_factory=list)
    permitted: bool = False

    def describe(self) -> str:
        return f"{self.persona.name}: {self.attempt!r} -> {self.answers!r}"


async def make_attacker(
    client: SandboxClient, services: Any, persona: Persona, add_staff: Callable[..., Any]
) -> ChatUser:
    user = await ChatUser.create(client, persona.name, persona.language)
    if persona.registered:
        from tests.broadcasts.builders import add_member

        await add_member(
            services.database,
            user.id,
            language=persona.language,
            consulate_id="london",
            country="GB",
        )
    if persona.role is not None:
        await add_staff(user.id, persona.role, persona.consulates)
    return user


async def send_text(user: ChatUser, text: str) -> list[str]:
    try:
        return [m.get("text") or m.get("caption") or "" for m in await user.send(text)]
    except TimeoutError:
        return ["<no answer>"]


async def press(user: ChatUser, data: str) -> list[str]:
    """Press forged data (on no message at all: a forged press needs none) and collect the
    answer and anything else the bot wrote."""
    update = await user.press_data(0, data, forge=True)
    query_id = update["callback_query"]["id"]
    answer = await user.callback_answer(query_id)
    await asyncio.sleep(0.15)  # anything else the press made the bot write
    return [answer, *[m.get("text") or "" for m in await user.bot_messages()]]


@pytest.fixture(params=["gatekeeper on", "gatekeeper off"])
async def attack(
    request: pytest.FixtureRequest,
    sandbox: Sandbox,
    client: SandboxClient,
    services: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[App, London, bool]]:
    london = await build_london_world(services, client)
    gatekeeper_on = request.param == "gatekeeper on"
    if not gatekeeper_on:
        monkeypatch.setattr(AccessRules, "needed_for", lambda self, update: None)
    running = await start_bot(services, sandbox, settings)
    yield running.application, london, gatekeeper_on
    await running.stop()


@pytest.mark.slow
async def test_every_staff_command_and_button_is_refused_to_everyone_without_the_power(
    attack: tuple[App, London, bool], client: SandboxClient, services: Any
) -> None:
    app, london, gatekeeper_on = attack
    rules = app.bot_data.access
    username = app.bot.username
    staff_commands = sorted(registered_commands(app) - MEMBER_ONLY_COMMANDS)
    staff_features = sorted(registered_features(app) - MEMBER_FEATURES)
    # Opening one's own wizard is allowed (its steps check the remit), and so is asking for
    # one's own console sign-in link (which writes the link): refusals are what is tested.
    own_doors = conversation_entry_commands(app) | {"console"}
    assert staff_commands and staff_features

    # (persona, "text" or "press", the attempt, whether the persona holds the permission)
    jobs: list[tuple[Persona, str, str, bool]] = []
    for persona in PERSONAS:
        for command in staff_commands:
            permitted = persona.may(rules.commands[command])
            if permitted and command in own_doors:
                continue
            if permitted:
                jobs.append((persona, "text", f"/{command} {london.poll_id}", True))
                continue
            jobs += [
                (persona, "text", variant, False)
                for variant in command_variants(command, username, london.victim)
            ]
        for feature in staff_features:
            permitted = persona.may(rules.features[feature])
            jobs += [
                (persona, "press", data, permitted) for data in button_variants(feature, london)
            ]

    limit = asyncio.Semaphore(ATTEMPTS_AT_ONCE)

    async def enlist(persona: Persona) -> ChatUser:
        async with limit:
            return await make_attacker(client, services, persona, london.add_staff)

    attackers = await asyncio.gather(*(enlist(job[0]) for job in jobs))
    before = await database_snapshot(services.database)

    async def run(
        user: ChatUser, persona: Persona, how: str, attempt: str, permitted: bool
    ) -> Outcome:
        async with limit:
            answers = await (send_text(user, attempt) if how == "text" else press(user, attempt))
            return Outcome(persona, attempt, answers, permitted)

    outcomes = await asyncio.gather(
        *(run(user, *job) for user, job in zip(attackers, jobs, strict=True))
    )
    after = await database_snapshot(services.database)

    tr = services.languages.translator
    wrong: list[str] = []
    for outcome in outcomes:
        translator = tr(outcome.persona.language)
        refusal = translator.direction(translator.gettext(REFUSAL))
        nothing = {translator.direction(translator.gettext(text)) for text in NOTHING_HAPPENED}
        if any(secret in answer for answer in outcome.answers for secret in london.secrets):
            wrong.append(outcome.describe() + " (shows London's data)")
        elif outcome.permitted:
            continue  # within their role: only London's data is out of bounds
        elif outcome.answers[0] not in ({refusal} if gatekeeper_on else {refusal} | nothing):
            wrong.append(outcome.describe())
        elif len(outcome.answers) > 1:
            wrong.append(outcome.describe() + " (more than the refusal)")
    assert not wrong, f"{len(wrong)} of {len(outcomes)} attempts were not refused:\n" + "\n".join(
        wrong
    )
    assert after == before, "an attempt changed the database"


async def test_staff_see_and_list_only_their_own_consulates(
    attack: tuple[App, London, bool], client: SandboxClient, services: Any
) -> None:
    """Listing commands a Madrid viewer may use show Madrid's objects and nothing of London's."""
    _, london, _ = attack
    viewer = await make_attacker(client, services, PERSONAS[2], london.add_staff)
    seen: list[str] = []
    for command in ("/broadcasts", "/results", "/inbox"):
        seen += await send_text(viewer, command)
        for message in await viewer.bot_messages():
            for row in message.get("inline_keyboard", []):
                seen += [button["text"] for button in row]
    text = "\n".join(seen)
    assert london.madrid_poll_question in text  # the positive control: Madrid's own poll
    assert not any(secret in text for secret in london.secrets), text
