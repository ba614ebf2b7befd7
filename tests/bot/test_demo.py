"""The sandbox demo: an admin and an approver to try the approval path with, and members in
the first consulate; the same people, unchanged, after a restart."""

from __future__ import annotations

from bot.access import Role
from bot.demo import seed_demo
from bot.services import Services
from sandbox import Sandbox


async def test_the_demo_seeds_an_admin_an_approver_and_members(
    services: Services, sandbox: Sandbox
) -> None:
    demo = await seed_demo(services, sandbox.state)
    staff = {member.telegram_user_id: member for member in await services.staff.everyone()}
    assert staff[demo.admin.telegram_user_id].role is Role.ADMIN
    assert staff[demo.approver.telegram_user_id].role is Role.EDITOR
    for person in (demo.admin, demo.approver, *demo.members):
        assert person.telegram_user_id in sandbox.state.users  # a chat in the web chat
    consulate = services.deployment.consulates[0].id
    for member in demo.members:
        row = await services.members.find(member.telegram_user_id)
        assert row is not None and row.registered and row.consulate_id == consulate
    assert {m.language for m in demo.members} == set(services.deployment.languages)
    assert "/console" in demo.describe()


async def test_a_restart_brings_back_the_same_people(services: Services, sandbox: Sandbox) -> None:
    first = await seed_demo(services, sandbox.state)
    sandbox.state.reset()  # the sandbox forgets its users when it stops; the database does not
    again = await seed_demo(services, sandbox.state)
    assert again == first
    assert len(await services.staff.everyone()) == 2
    counts = await services.database.fetch_one("SELECT COUNT(*) AS n FROM members")
    assert counts is not None and counts["n"] == len(first.members)
