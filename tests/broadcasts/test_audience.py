"""Audience filters: each filter, combinations, who is never included, preview counts."""

from __future__ import annotations

from bot.storage.database import Database
from broadcasts import Audience, count_audience, count_by_language
from tests.broadcasts.builders import add_member


async def _members_of(database: Database, audience: Audience) -> set[int]:
    from broadcasts.audience import audience_filter

    condition = audience_filter(audience)
    rows = await database.fetch_all(
        f"SELECT m.telegram_user_id FROM members m WHERE {condition.where}", condition.parameters
    )
    return {row[0] for row in rows}


async def _population(database: Database) -> None:
    await add_member(database, 1, language="en", consulate_id="dubai", country="AE")
    await add_member(
        database,
        2,
        language="ar",
        consulate_id="riyadh",
        country="SA",
        member_type="leaving",
        region_id="ilocos",
        occupation_group="health",
        interests=["investment", "youth_culture"],
    )
    await add_member(
        database,
        3,
        language="es",
        consulate_id="madrid",
        country="ES",
        member_type="returned",
        region_id="cebu",
        occupation_group="construction",
        interests=["consular"],
    )
    await add_member(
        database,
        4,
        language="fil",
        consulate_id="dubai",
        country="AE",
        region_id="ilocos",
        occupation_group="health",
        interests=["investment"],
    )


async def test_everyone_is_every_eligible_member(database: Database) -> None:
    await _population(database)
    assert await _members_of(database, Audience.everyone()) == {1, 2, 3, 4}
    assert await count_audience(database, Audience.everyone()) == 4
    assert Audience.everyone().is_everyone


async def test_each_filter(database: Database) -> None:
    await _population(database)
    cases = {
        "consulates": (["dubai"], {1, 4}),
        "countries": (["SA", "ES"], {2, 3}),
        "member_types": (["leaving"], {2}),
        "languages": (["fil", "es"], {3, 4}),
        "interests": (["investment"], {2, 4}),
        "occupation_groups": (["health"], {2, 4}),
        "regions": (["cebu"], {3}),
    }
    for name, (values, expected) in cases.items():
        assert await _members_of(database, Audience.of(**{name: values})) == expected, name


async def test_filters_combine_with_and(database: Database) -> None:
    await _population(database)
    audience = Audience.of(
        consulates=["dubai", "riyadh"], interests=["investment"], languages=["ar"]
    )
    assert await _members_of(database, audience) == {2}
    assert await _members_of(database, Audience.of(countries=["AE"], regions=["cebu"])) == set()


async def test_stopped_unreachable_and_unregistered_are_never_included(
    database: Database,
) -> None:
    await add_member(database, 1)
    await add_member(database, 2, announcements=False)
    await add_member(database, 3, reachable=False)
    await add_member(database, 4, status="visitor")
    assert await _members_of(database, Audience.everyone()) == {1}
    assert await _members_of(database, Audience.of(consulates=["dubai"])) == {1}


async def test_audience_round_trips_through_json() -> None:
    audience = Audience.of(countries=["AE", "SA"], interests=["return"])
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json(Audience.everyone().to_json()) == Audience.everyone()


async def test_count_by_language_with_fallback(database: Database) -> None:
    await _population(database)
    await add_member(database, 5, language=None)
    counts = await count_by_language(database, Audience.everyone(), ["en", "ar"], "en")
    # es, fil and the member with no language fall back to English.
    assert counts.per_language == {"en": 4, "ar": 1}
    assert counts.fallback == 3
    assert counts.total == 5
