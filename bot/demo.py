"""The sandbox demo (`run --sandbox --demo`, what `make run` does): people to try the bot with.

Two staff members, an admin who composes and an editor who approves, so a newcomer can walk
the whole approval path alone, and a handful of members registered with the deployment's first
consulate in its languages, so audiences, sizes and poll results have someone in them.

The demo's people keep fixed ids below the sandbox's own numbering (sandbox/state.py), so a
restart on the same database brings back the same chats: the sandbox forgets its users when
it stops, the database does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import cycle

from bot.access import Actor, Role
from bot.registration.answers import MemberType
from bot.registration.draft import Draft
from bot.services import Services
from sandbox.state import WorldState

DEMO_ADMIN_ID = 4_999_001
DEMO_APPROVER_ID = 4_999_002
DEMO_MEMBER_IDS = tuple(range(4_999_011, 4_999_023))  # enough that results can be shown
DEMO_ACTOR = Actor.system("demo")


@dataclass(frozen=True)
class DemoPerson:
    telegram_user_id: int
    first_name: str
    language: str


@dataclass(frozen=True)
class Demo:
    admin: DemoPerson
    approver: DemoPerson
    members: tuple[DemoPerson, ...]
    consulate_id: str

    def describe(self) -> str:
        """What the operator reads on the terminal: who is who in the web chat."""
        return (
            f"Demo: in the web chat, {self.admin.first_name} ({self.admin.telegram_user_id}) is "
            f"an admin and {self.approver.first_name} ({self.approver.telegram_user_id}) an "
            f"editor who approves; each can send /console. {len(self.members)} members are "
            f"registered with the consulate '{self.consulate_id}'."
        )


async def seed_demo(services: Services, world: WorldState) -> Demo:
    """Bring the demo's people into the sandbox and the database; running it again changes
    nothing that is already there (a member who left with /delete is registered again)."""
    deployment = services.deployment
    consulate = deployment.consulates[0]
    languages = cycle(deployment.languages)
    demo = Demo(
        admin=DemoPerson(DEMO_ADMIN_ID, "Amina", deployment.default_language),
        approver=DemoPerson(DEMO_APPROVER_ID, "Bruno", deployment.default_language),
        members=tuple(
            DemoPerson(user_id, f"Member {index}", next(languages))
            for index, user_id in enumerate(DEMO_MEMBER_IDS, start=1)
        ),
        consulate_id=consulate.id,
    )
    for person in (demo.admin, demo.approver, *demo.members):
        if person.telegram_user_id not in world.users:
            world.add_user(person.first_name, person.language, user_id=person.telegram_user_id)
    await services.staff.put(DEMO_ACTOR, demo.admin.telegram_user_id, Role.ADMIN.value, ())
    await services.staff.put(DEMO_ACTOR, demo.approver.telegram_user_id, Role.EDITOR.value, ())
    for member in demo.members:
        row = await services.members.find(member.telegram_user_id)
        if row is None or not row.registered:
            await _register(services, member, consulate.id, consulate.country)
    return demo


async def _register(
    services: Services, person: DemoPerson, consulate_id: str, country: str
) -> None:
    draft = Draft(member_type=MemberType.ABROAD, country=country, consulate_id=consulate_id)
    await services.registration.agree(person.telegram_user_id, person.language)
    await services.registration.confirm(person.telegram_user_id, person.language, draft)
