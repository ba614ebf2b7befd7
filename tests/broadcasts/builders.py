"""Builders for the broadcast tests: registered members inserted directly with SQL."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.storage.database import Database, utc_now_iso
from broadcasts import Audience, Payload, create_delivery

CONSENT_VERSION = "test-1"


async def add_member(
    database: Database,
    telegram_user_id: int,
    *,
    language: str | None = "en",
    status: str = "registered",
    reachable: bool = True,
    announcements: bool = True,
    consulate_id: str | None = "dubai",
    country: str | None = "AE",
    member_type: str | None = "abroad",
    region_id: str | None = None,
    occupation_group: str | None = None,
    interests: Iterable[str] = (),
) -> int:
    """Insert one member (registered, with consent, by default); return its id."""
    now = utc_now_iso()
    registered = status == "registered"
    async with database.transaction() as tx:
        member_id = await tx.insert(
            "INSERT INTO members (telegram_user_id, language, reachable, status, consent_version,"
            " consent_at, registered_at, member_type, country, consulate_id, region_id,"
            " occupation_group, announcements, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                telegram_user_id,
                language,
                int(reachable),
                status,
                CONSENT_VERSION if registered else None,
                now if registered else None,
                now if registered else None,
                member_type,
                country,
                consulate_id,
                region_id,
                occupation_group,
                int(announcements),
                now,
                now,
            ),
        )
        for interest in interests:
            await tx.execute(
                "INSERT INTO member_interests (member_id, interest) VALUES (?, ?)",
                (member_id, interest),
            )
    return member_id


async def add_members(database: Database, user_ids: Iterable[int], **fields: object) -> list[int]:
    """Insert several members with the same fields."""
    return [await add_member(database, user_id, **fields) for user_id in user_ids]  # type: ignore[arg-type]


async def set_member(database: Database, member_id: int, column: str, value: object) -> None:
    """Change one column of a member (as /stop, blocking or erasure would)."""
    async with database.transaction() as tx:
        await tx.execute(f"UPDATE members SET {column} = ? WHERE id = ?", (value, member_id))


async def delete_member(database: Database, member_id: int) -> None:
    async with database.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE id = ?", (member_id,))


def text_payloads(*languages: str) -> list[Payload]:
    """A text payload per language, saying which language it is."""
    return [Payload(language, text=f"<b>News</b> in {language}") for language in languages]


async def new_delivery(
    database: Database,
    languages: tuple[str, ...] = ("en",),
    audience: Audience | None = None,
    default_language: str = "en",
) -> int:
    return await create_delivery(
        database, text_payloads(*languages), audience or Audience.everyone(), default_language
    )


def announcement_file(folder: Path) -> Path:
    """An announcement file for London in three languages, one text naming asylum."""
    path = folder / "announcement.toml"
    path.write_text(
        """
category = "consular"
[audience]
consulates = ["london"]
member_types = ["abroad"]
[schedule]
kind = "at"
at = "2099-03-28 10:00"
consulate = "london"
[text]
en = "Free legal advice on asylum claims at the embassy on Saturday."
fr = "Conseils juridiques gratuits samedi à l'ambassade."
ar = "استشارات قانونية مجانية في السفارة يوم السبت."
""",
        encoding="utf-8",
    )
    return path
