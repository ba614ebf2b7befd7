"""Builders: members written straight into the database, as registration would leave them."""

from __future__ import annotations

from datetime import date

from bot.services import Services
from bot.storage.database import Database, utc_now_iso


async def add_member(
    services: Services,
    telegram_user_id: int,
    *,
    language: str = "en",
    country: str | None = "GB",
    member_type: str | None = "abroad",
    departure_date: date | None = None,
    consulate_id: str | None = None,
    registered: bool = True,
) -> int:
    """Insert a member (registered unless told otherwise); return the member id."""
    now = utc_now_iso()
    async with services.database.transaction() as tx:
        return await tx.insert(
            "INSERT INTO members (telegram_user_id, language, status, consent_version,"
            " consent_at, registered_at, member_type, country, departure_date, consulate_id,"
            " created_at, updated_at) VALUES (?, ?, ?, 'test', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                telegram_user_id,
                language,
                "registered" if registered else "visitor",
                now,
                now,
                member_type,
                country,
                departure_date.isoformat() if departure_date else None,
                consulate_id,
                now,
                now,
            ),
        )


async def rows_naming(database: Database, telegram_user_id: int) -> list[tuple[str, str]]:
    """Every (table, column) holding ``telegram_user_id``: as a number, or inside text (JSON
    keys such as conversation_states' ``[chat_id, user_id]``, ids written into details)."""
    found: list[tuple[str, str]] = []
    for table in await database.table_names():
        for row in await database.fetch_all(f'SELECT * FROM "{table}"'):
            for column, value in dict(row).items():
                if value == telegram_user_id or (
                    isinstance(value, str | bytes) and str(telegram_user_id) in str(value)
                ):
                    found.append((table, column))
    return found
