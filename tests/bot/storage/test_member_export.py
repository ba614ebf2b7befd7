"""/mydata's export holds every row about the member: found in the schema, not listed by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.services import Services
from tests.auxil.members import add_member


async def test_the_export_has_every_table_that_refers_to_members(services: Services) -> None:
    user_id = 5_000_001
    member_id = await add_member(
        services, user_id, member_type="leaving", departure_date=date.today() + timedelta(60)
    )
    now = datetime.now(UTC)
    item = services.guidance["en"].checklist[0].id
    await services.checklist.tick(member_id, item, now)
    await services.departures.plan(user_id, now)
    async with services.database.transaction() as tx:  # a /profile change in progress
        await tx.execute(
            "INSERT INTO conversation_user_data VALUES (?, ?, ?)",
            (user_id, json.dumps({"registration": {"draft": {"city": "Leeds"}}}), now.isoformat()),
        )

    tables = (await services.members.export(user_id))["tables"]

    referring = await services.database.tables_referring_to("members")
    assert {table for table, _ in referring} <= set(tables)
    assert [row["item_id"] for row in tables["checklist_ticks"]] == [item]
    assert sorted(row["days_before"] for row in tables["departure_reminders"]) == [1, 7, 30]
    (draft,) = tables["conversation_user_data"]
    assert "Leeds" in draft["data"]
    assert all(row["member_id"] == member_id for row in tables["checklist_ticks"])


async def test_someone_else_s_rows_are_not_in_the_export(services: Services) -> None:
    mine = await add_member(services, 5_000_001)
    theirs = await add_member(services, 5_000_002)
    now = datetime.now(UTC)
    item = services.guidance["en"].checklist[0].id
    await services.checklist.tick(theirs, item, now)

    tables = (await services.members.export(5_000_001))["tables"]

    assert [row["id"] for row in tables["members"]] == [mine]
    assert tables["checklist_ticks"] == []
