"""Who receives a delivery: the Audience filters, their SQL WHERE clause, and the preview counts.

Staff never see a count: previews are bands under the disclosure rule (bot/disclosure.py),
``band_by_language`` and ``band_audience``; the exact counts stay inside this module's callers.

Only registered, reachable members with announcements on are ever included. Each filter is a
set of accepted values (empty means "any"); a member matches a filter when their value is one
of them (for interests: when they have at least one of them), and must match every filter.
Members without a language count as the deployment's default language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields

from bot.disclosure import Band, Disclosure
from bot.storage.database import Database

#: In the consulates filter: members with no consulate (returned home). Only the schedule puts
#: it there, for the run timed in the home country (see broadcasts/schedule.py).
NO_CONSULATE = ""

#: The conditions every recipient meets, whatever the filters.
ELIGIBLE = "m.status = 'registered' AND m.reachable = 1 AND m.announcements = 1"


@dataclass(frozen=True)
class Audience:
    """Filters on members; every empty filter accepts everyone."""

    consulates: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    member_types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    occupation_groups: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    @classmethod
    def everyone(cls) -> Audience:
        return cls()

    @classmethod
    def of(cls, **filters: Iterable[str]) -> Audience:
        """Build from any iterables: ``Audience.of(countries=["AE", "SA"])``."""
        return cls(**{name: frozenset(values) for name, values in filters.items()})

    @property
    def is_everyone(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> str:
        data = {
            f.name: sorted(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)
        }
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text or "{}")
        return cls.of(**{name: values for name, values in data.items()})


#: Column of members (alias m) behind each simple filter.
_COLUMNS = {
    "consulates": "m.consulate_id",
    "countries": "m.country",
    "member_types": "m.member_type",
    "languages": "m.language",
    "occupation_groups": "m.occupation_group",
    "regions": "m.region_id",
}


@dataclass(frozen=True)
class SqlFilter:
    """A WHERE condition on ``members m`` and its parameters, in order."""

    where: str
    parameters: tuple[object, ...]


def audience_filter(audience: Audience) -> SqlFilter:
    """The WHERE condition selecting the audience's members (alias ``m``)."""
    clauses = [ELIGIBLE]
    parameters: list[object] = []
    for name, column in _COLUMNS.items():
        values = sorted(getattr(audience, name))
        if name == "consulates" and NO_CONSULATE in values:
            values.remove(NO_CONSULATE)
            listed = f"{column} IN ({_placeholders(len(values))}) OR " if values else ""
            clauses.append(f"({listed}{column} IS NULL)")
            parameters.extend(values)
        elif values:
            clauses.append(f"{column} IN ({_placeholders(len(values))})")
            parameters.extend(values)
    if audience.interests:
        values = sorted(audience.interests)
        clauses.append(
            "EXISTS (SELECT 1 FROM member_interests i WHERE i.member_id = m.id"
            f" AND i.interest IN ({_placeholders(len(values))}))"
        )
        parameters.extend(values)
    return SqlFilter(" AND ".join(clauses), tuple(parameters))


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


@dataclass(frozen=True)
class LanguageCounts:
    """The staff preview: recipients per payload language, and how many of them are there
    only as the fallback (their own language has no payload)."""

    per_language: dict[str, int]
    fallback: int

    @property
    def total(self) -> int:
        return sum(self.per_language.values())


async def count_audience(database: Database, audience: Audience) -> int:
    """How many members the audience selects now."""
    condition = audience_filter(audience)
    row = await database.fetch_one(
        f"SELECT count(*) FROM members m WHERE {condition.where}", condition.parameters
    )
    return int(row[0]) if row else 0


async def count_by_language(
    database: Database,
    audience: Audience,
    payload_languages: Iterable[str],
    default_language: str,
) -> LanguageCounts:
    """Recipients per language the delivery would use, with the fallback count."""
    available = set(payload_languages) | {default_language}
    condition = audience_filter(audience)
    rows = await database.fetch_all(
        f"SELECT m.language, count(*) FROM members m WHERE {condition.where} GROUP BY m.language",
        condition.parameters,
    )
    per_language: dict[str, int] = {}
    fallback = 0
    for language, count in rows:
        target = language if language in available else default_language
        if target != language:
            fallback += int(count)
        per_language[target] = per_language.get(target, 0) + int(count)
    return LanguageCounts(per_language, fallback)


@dataclass(frozen=True)
class AudienceBands:
    """The staff preview under the disclosure rule: recipients per payload language (every
    payload language, 0 included), those there only as the fallback, and the total, each a
    band of the exact count (never the count)."""

    per_language: dict[str, Band]
    fallback: Band
    total: Band


async def band_by_language(
    database: Database,
    audience: Audience,
    payload_languages: Iterable[str],
    default_language: str,
    disclosure: Disclosure,
) -> AudienceBands:
    """``count_by_language`` as bands."""
    languages = set(payload_languages)
    counts = await count_by_language(database, audience, languages, default_language)
    per_language = {language: 0 for language in languages | {default_language}}
    per_language.update(counts.per_language)
    return AudienceBands(
        {language: disclosure.band(count) for language, count in sorted(per_language.items())},
        disclosure.band(counts.fallback),
        disclosure.band(counts.total),
    )


async def band_audience(database: Database, audience: Audience, disclosure: Disclosure) -> Band:
    """How many members the audience selects now, as a band."""
    return disclosure.band(await count_audience(database, audience))
