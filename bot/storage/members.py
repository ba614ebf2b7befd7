"""SQL for the member aggregate: the people who consented to register, their registration
answers and their interests.

A row exists only from consent on (status 'visitor': consented, not yet registered; then
'registered'); nobody who merely talks to the bot has one. Erasing a row here also erases the
conversation state stored for that person: the persistence keeps it only for people the
database names (bot/persistence.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.registration.draft import Draft
from bot.storage.database import Database, Row, Transaction, utc_now_iso
from bot.storage.inbound import erase_queued_of

# Columns a registration writes, in the order Draft names them.
PROFILE_COLUMNS = (
    "member_type",
    "country",
    "departure_date",
    "consulate_id",
    "region_id",
    "occupation_group",
    "birth_year",
    "gender",
)
# A visitor row whose consent and stored answers are all older than a moment (twice: ?).
_ABANDONED = (
    "m.status = 'visitor' AND m.updated_at < ? AND NOT EXISTS (SELECT 1 FROM"
    " conversation_user_data AS c WHERE c.telegram_user_id = m.telegram_user_id"
    " AND c.updated_at >= ?)"
)
#: Columns that hold a person's Telegram id, in any table (for /mydata).
PERSON_ID_COLUMNS = ("telegram_user_id", "chat_id", "author_telegram_id", "created_by")
# Breakdowns staff may see as counts (never people).
COUNTABLE_COLUMNS = ("consulate_id", "country", "member_type", "language")


@dataclass(frozen=True)
class MemberRow:
    """What every update needs to know about its member."""

    id: int
    telegram_user_id: int
    language: str | None
    reachable: bool
    registered: bool
    announcements: bool
    consulate_id: str | None
    member_type: str | None


def _row_to_member(row: Row) -> MemberRow:
    return MemberRow(
        id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        language=row["language"],
        reachable=bool(row["reachable"]),
        registered=row["status"] == "registered",
        announcements=bool(row["announcements"]),
        consulate_id=row["consulate_id"],
        member_type=row["member_type"],
    )


class MemberRepository:
    """Reads and writes rows of ``members`` and ``member_interests``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get_by_telegram_id(self, telegram_user_id: int) -> MemberRow | None:
        row = await self.database.fetch_one(
            "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return _row_to_member(row) if row else None

    async def record_consent(
        self, telegram_user_id: int, language: str, consent_version: str
    ) -> None:
        """Record that the person accepted ``consent_version`` now: a 'visitor' row (or the
        visitor row they already have, renewed). A registered member's row is not touched."""
        now = utc_now_iso()
        await self.database.execute(
            "INSERT INTO members (telegram_user_id, language, status, consent_version,"
            " consent_at, created_at, updated_at) VALUES (?, ?, 'visitor', ?, ?, ?, ?)"
            " ON CONFLICT (telegram_user_id) DO UPDATE SET language = excluded.language,"
            " consent_version = excluded.consent_version, consent_at = excluded.consent_at,"
            " updated_at = excluded.updated_at WHERE members.status = 'visitor'",
            (telegram_user_id, language, consent_version, now, now, now),
        )

    async def set_language(self, telegram_user_id: int, language: str) -> bool:
        """Store the member's language; False if there is no such member."""
        return await self._update(telegram_user_id, "language", language)

    async def set_reachable(self, telegram_user_id: int, reachable: bool) -> bool:
        """Record whether the bot can write to the member; False if there is no such member."""
        return await self._update(telegram_user_id, "reachable", int(reachable))

    async def set_announcements(self, telegram_user_id: int, wanted: bool) -> bool:
        return await self._update(telegram_user_id, "announcements", int(wanted))

    async def _update(self, telegram_user_id: int, column: str, value: object) -> bool:
        assert column in {"reachable", "announcements", "language"}  # never from user input
        changed = await self.database.execute(
            f"UPDATE members SET {column} = ?, updated_at = ? WHERE telegram_user_id = ?",
            (value, utc_now_iso(), telegram_user_id),
        )
        return changed > 0

    async def save_registration(
        self, telegram_user_id: int, language: str, draft: Draft
    ) -> int | None:
        """Write confirmed answers (all of them: a cleared answer becomes NULL) into the row of
        someone who consented; return the member id, or None when there is no such row."""
        now = utc_now_iso()
        assignments = ", ".join(f"{column} = ?" for column in PROFILE_COLUMNS)
        async with self.database.transaction() as tx:
            row = await tx.fetch_one(
                f"UPDATE members SET status = 'registered', language = ?, updated_at = ?,"
                f" registered_at = COALESCE(registered_at, ?), {assignments}"
                f" WHERE telegram_user_id = ? RETURNING id",
                (language, now, now, *_profile_values(draft), telegram_user_id),
            )
            if row is None:
                return None
            member_id = int(row["id"])
            await tx.execute("DELETE FROM member_interests WHERE member_id = ?", (member_id,))
            for interest in sorted(draft.interests):
                await tx.execute(
                    "INSERT INTO member_interests (member_id, interest) VALUES (?, ?)",
                    (member_id, str(interest)),
                )
        return member_id

    async def get_profile(self, telegram_user_id: int) -> Draft | None:
        """The confirmed answers of a registered member, as a draft to edit."""
        row = await self.database.fetch_one(
            f"SELECT id, {', '.join(PROFILE_COLUMNS)} FROM members"
            " WHERE telegram_user_id = ? AND status = 'registered'",
            (telegram_user_id,),
        )
        if row is None:
            return None
        interests = await self.database.fetch_all(
            "SELECT interest FROM member_interests WHERE member_id = ?", (row["id"],)
        )
        data: dict[str, Any] = {column: row[column] for column in PROFILE_COLUMNS}
        data["interests"] = [r["interest"] for r in interests]
        return Draft.from_dict(data)

    async def delete(self, telegram_user_id: int) -> bool:
        """Erase the member's row; interests and other per-member rows go with it (CASCADE),
        and so do the answers and step of a registration or /profile change not yet confirmed
        (the rows ``export_rows`` shows), and their updates still waiting in the inbound queue
        (bot/inbound.py). True if there was a member row."""
        async with self.database.transaction() as tx:
            deleted = await tx.execute(
                "DELETE FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            await _delete_conversations(tx, telegram_user_id)
            await erase_queued_of(tx, telegram_user_id)
        return deleted > 0

    async def delete_visitor(self, telegram_user_id: int) -> bool:
        """Erase the row of someone who consented but never registered, with their
        registration in progress; True if there was one."""
        async with self.database.transaction() as tx:
            deleted = await tx.execute(
                "DELETE FROM members WHERE telegram_user_id = ? AND status = 'visitor'",
                (telegram_user_id,),
            )
            if deleted:
                await _delete_conversations(tx, telegram_user_id)
        return deleted > 0

    async def delete_abandoned_visitors(self, cutoff: datetime, also: set[int]) -> set[int]:
        """Erase the visitor rows (and conversation state) of the people in ``also`` and of
        everyone whose row and stored answers are all older than ``cutoff``; return whose."""
        moment = cutoff.astimezone(UTC).isoformat(timespec="seconds")
        rows = await self.database.fetch_all(
            f"SELECT telegram_user_id FROM members AS m WHERE {_ABANDONED}", (moment, moment)
        )
        erased = set()
        async with self.database.transaction() as tx:
            for telegram_user_id in sorted({int(row[0]) for row in rows} | also):
                condition, parameters = (
                    ("1 = 1", ()) if telegram_user_id in also else (_ABANDONED, (moment, moment))
                )
                if await tx.execute(
                    f"DELETE FROM members AS m WHERE telegram_user_id = ? AND status = 'visitor'"
                    f" AND {condition}",
                    (telegram_user_id, *parameters),
                ):
                    await _delete_conversations(tx, telegram_user_id)
                    erased.add(telegram_user_id)
        return erased

    async def export_rows(self, telegram_user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held about the member, table by table, exactly as stored.

        Found in the schema, so a table added later is exported without a change here: the
        member row; every row of every table that refers to ``members``; every row of every
        table with a column holding a Telegram id (PERSON_ID_COLUMNS: drafts, a poll that is
        still open, staff records if they are staff); the steps of a conversation in progress;
        and the audit entries naming them (staff only). tests/bot/test_personal_data.py
        searches every column of every table to check nothing is missed.
        """
        member = await self.database.fetch_one(
            "SELECT * FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        if member is None:
            return {}
        tables: dict[str, list[dict[str, Any]]] = {"members": [dict(member)]}
        for table, column in await self._tables_referring_to_members():
            rows = await self.database.fetch_all(
                f'SELECT * FROM "{table}" WHERE "{column}" = ? ORDER BY 1, 2', (member["id"],)
            )
            tables[table] = [dict(row) for row in rows]
        for table, column in await self._tables_naming_telegram_ids():
            rows = await self.database.fetch_all(
                f'SELECT * FROM "{table}" WHERE "{column}" = ?', (telegram_user_id,)
            )
            if rows or table == "conversation_user_data":
                tables.setdefault(table, []).extend(dict(row) for row in rows)
        steps = await self.database.fetch_all(
            "SELECT * FROM conversation_states"
            f" WHERE {self.database.dialect.last_json_item('key')} = ? ORDER BY name",
            (telegram_user_id,),
        )
        tables["conversation_states"] = [dict(row) for row in steps]
        audit = await self.database.fetch_all(
            "SELECT * FROM audit_log WHERE subject = ? OR actor IN (?, ?)"
            " OR actor LIKE ? ORDER BY id",
            (
                str(telegram_user_id),
                f"tg:{telegram_user_id}",
                f"console:tg:{telegram_user_id}",
                f"% as tg:{telegram_user_id}",
            ),
        )
        if audit:
            tables["audit_log"] = [dict(row) for row in audit]
        return tables

    async def _tables_referring_to_members(self) -> list[tuple[str, str]]:
        return await self.database.tables_referring_to("members")

    async def _tables_naming_telegram_ids(self) -> list[tuple[str, str]]:
        """(table, column) of every column holding a Telegram id, but the members table's."""
        rows = await self.database.fetch_all(
            self.database.dialect.columns_named_query(len(PERSON_ID_COLUMNS)),
            PERSON_ID_COLUMNS,
        )
        rows = [row for row in rows if row[0] != "members"]
        return [(row[0], row[1]) for row in rows]

    async def registrations_by_month(self) -> list[tuple[str, int]]:
        """Registered members by the month they registered (YYYY-MM), oldest first."""
        rows = await self.database.fetch_all(
            "SELECT substr(registered_at, 1, 7) AS month, COUNT(*) FROM members"
            " WHERE status = 'registered' AND registered_at IS NOT NULL"
            " GROUP BY month ORDER BY month"
        )
        return [(row[0], int(row[1])) for row in rows]

    async def count_registered_by(self, column: str) -> list[tuple[str | None, int]]:
        """Registered members counted by one column (for staff statistics)."""
        if column not in COUNTABLE_COLUMNS:
            raise ValueError(f"cannot count by {column!r}")
        rows = await self.database.fetch_all(
            f"SELECT {column} AS value, COUNT(*) AS n FROM members"
            f" WHERE status = 'registered' GROUP BY {column} ORDER BY n DESC, value"
        )
        return [(row["value"], int(row["n"])) for row in rows]


async def _delete_conversations(tx: Transaction, telegram_user_id: int) -> None:
    """The person's stored conversation state and unconfirmed answers."""
    await tx.execute(
        "DELETE FROM conversation_user_data WHERE telegram_user_id = ?", (telegram_user_id,)
    )
    await tx.execute(
        f"DELETE FROM conversation_states WHERE {tx.dialect.last_json_item('key')} = ?",
        (telegram_user_id,),
    )


def _profile_values(draft: Draft) -> Iterable[object]:
    data = draft.to_dict()
    for column in PROFILE_COLUMNS:
        value = data[column]
        yield value.isoformat() if isinstance(value, date) else value
