"""SQL for the database's mode mark and for the Telegram user ids the database knows."""

from __future__ import annotations

from bot.storage.database import Database, utc_now_iso
from bot.storage.dialect import Dialect


def _known_user_ids(dialect: Dialect) -> str:
    """Every column that holds a person's Telegram user id. conversation_states keys are JSON
    arrays such as [chat_id, user_id]; in a private chat both are the person's id."""
    return f"""
SELECT max(id) FROM (
    SELECT telegram_user_id AS id FROM members
    UNION ALL SELECT telegram_user_id FROM staff
    UNION ALL SELECT telegram_user_id FROM conversation_user_data
    UNION ALL {dialect.json_array_integers("conversation_states", "key")}
    UNION ALL SELECT created_by FROM polls
    UNION ALL SELECT author_telegram_id FROM broadcasts
) AS known
"""


class RunModeRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def mark(self, mode: str) -> str:
        """Mark the database with ``mode`` unless it is marked already; return the mark."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO deployment_mode (id, mode, marked_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (mode, utc_now_iso()),
            )
            row = await tx.fetch_one("SELECT mode FROM deployment_mode WHERE id = 1")
        assert row is not None
        return str(row[0])

    async def highest_user_id(self) -> int | None:
        """The highest Telegram user id stored anywhere, None in a database without any."""
        row = await self.database.fetch_one(_known_user_ids(self.database.dialect))
        return None if row is None or row[0] is None else int(row[0])
