"""The deployment file (TOML): who runs the bot, for which country, through which consulates,
and the sensitive topics polls must never ask about (``[sensitive]``, see bot/sensitive.py).

Loading checks every field and raises ConfigError with the file, the field and the problem,
so a bad file stops start-up with one message.

Names members read (the government's, each region's and consulate's) come in every language:
``name`` is the default and ``names = { fr = "...", ar = "..." }`` gives each language's, so a
member's chat never mixes languages. A name missing for an enabled language falls back to the
default name; the member is told nothing, the operator is warned once in the log at start.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

from bot.errors import ConfigError
from bot.sensitive import SensitiveTopics, Topic, compile_pattern

logger = logging.getLogger(__name__)

APPROVAL_RULES = ("none", "two-person")
#: How many fields a warning about missing names lists before it says "and N more".
_NAMED_FIELDS_SHOWN = 5
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_COUNTRY_CODES = frozenset(str(code) for code in Locale("en").territories if str(code).isalpha())
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class OpeningHours:
    """Public opening hours for a run of weekdays (0 = Monday)."""

    first_day: int
    last_day: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Consulate:
    """An embassy or consulate and the countries it serves."""

    id: str
    name: str
    names: Mapping[str, str]
    city: str
    country: str
    jurisdiction: tuple[str, ...]
    timezone: str
    address: str
    phone: str
    emergency_phone: str
    opening_hours: tuple[OpeningHours, ...]

    def name_in(self, language: str) -> str:
        """The consulate's name in ``language``, or its default name."""
        return self.names.get(language, self.name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Region:
    """A region of origin in the home country."""

    id: str
    name: str
    names: Mapping[str, str]

    def name_in(self, language: str) -> str:
        return self.names.get(language, self.name)


@dataclass(frozen=True)
class Policies:
    """Rules the government sets for its deployment."""

    poll_min_cell_size: int
    approval: str
    # Retention (bot/retention.py): days an outbox row outlives its delivery, and the audit log.
    outbox_days: int = 30
    audit_days: int = 5 * 365
    # The inbox (bot/inbox/): days a closed thread is kept, questions a member may ask a day,
    # and the opening days within which an answer is promised.
    inbox_days: int = 90
    questions_per_day: int = 5
    answer_days: int = 2
    # Days answers to an announcement, and contacts shared for it, outlive the announcement.
    responses_days: int = 180


@dataclass(frozen=True)
class InboxTopic:
    """A topic members ask about (``[[inbox.topics]]``); ``emergency`` shows the 24-hour line."""

    id: str
    name: str
    names: Mapping[str, str]
    emergency: bool = False

    def name_in(self, language: str) -> str:
        return self.names.get(language, self.name)


@dataclass(frozen=True)
class SavedReply:
    """A ready answer staff may send (``[[inbox.replies]]``): a label and a text per language."""

    id: str
    name: str
    names: Mapping[str, str]
    texts: Mapping[str, str]

    def name_in(self, language: str) -> str:
        return self.names.get(language, self.name)


@dataclass(frozen=True)
class Deployment:
    """A whole deployment: government, home country, consulates, languages and policies."""

    path: Path
    sample: bool
    government: str
    government_names: Mapping[str, str]
    home_country: str
    currency: str
    regions: tuple[Region, ...]
    consulates: tuple[Consulate, ...]
    languages: tuple[str, ...]
    default_language: str
    policies: Policies
    sensitive: SensitiveTopics
    inbox_topics: tuple[InboxTopic, ...] = ()
    saved_replies: tuple[SavedReply, ...] = ()

    def inbox_topic(self, topic_id: str) -> InboxTopic | None:
        return next((t for t in self.inbox_topics if t.id == topic_id), None)

    def saved_reply(self, reply_id: str) -> SavedReply | None:
        return next((r for r in self.saved_replies if r.id == reply_id), None)

    def government_in(self, language: str) -> str:
        """The government's name in ``language``, or its default name."""
        return self.government_names.get(language, self.government)

    def consulate(self, consulate_id: str) -> Consulate | None:
        return next((c for c in self.consulates if c.id == consulate_id), None)

    def consulates_serving(self, country: str) -> tuple[Consulate, ...]:
        """The consulates whose jurisdiction includes ``country`` (ISO 3166 alpha-2)."""
        return tuple(c for c in self.consulates if country in c.jurisdiction)

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def shared_zone(self, consulate_ids: frozenset[str]) -> ZoneInfo | None:
        """The time zone staff of these consulates (every consulate when empty) read times
        in: the one their consulates share; None when they span several, and each time is
        then written in its own consulate's zone."""
        zones = {
            consulate.timezone
            for consulate in self.consulates
            if not consulate_ids or consulate.id in consulate_ids
        }
        return ZoneInfo(zones.pop()) if len(zones) == 1 else None

    @property
    def home_zone(self) -> str:
        """The home country's time zone (IANA name; UTC if tzdata lists none), where members
        preparing to leave or returned home are."""
        return _country_zones().get(self.home_country, "UTC")


@functools.cache
def _country_zones() -> dict[str, str]:
    """The first IANA zone listed for each country in tzdata's zone.tab."""
    table = resources.files("tzdata") / "zoneinfo" / "zone.tab"
    zones: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            country, _, name = line.split("\t")[:3]
            zones.setdefault(country, name)
    return zones


def load_deployment(path: Path) -> Deployment:
    """Read and check a deployment file; raise ConfigError naming the field at fault."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: deployment file not found (set BOT_DEPLOYMENT)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the deployment file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _Reader(path).deployment(raw)


class _Reader:
    """Checks one field at a time and knows how to name it in an error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Every field with names members read, and the languages it gives them in.
        self.named: dict[str, frozenset[str]] = {}

    def fail(self, field: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {field}: {problem}")

    def table(self, raw: Mapping[str, Any], field: str) -> Mapping[str, Any]:
        value = raw.get(field.rsplit(".", 1)[-1])
        if not isinstance(value, dict):
            raise self.fail(field, "missing table")
        return value

    def text(self, raw: Mapping[str, Any], key: str, field: str, *, optional: bool = False) -> str:
        value = raw.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{field}.{key}", "expected a non-empty string")
        return value.strip()

    def country(self, value: object, field: str) -> str:
        if not isinstance(value, str) or value.upper() not in _COUNTRY_CODES:
            raise self.fail(field, f"{value!r} is not an ISO 3166 alpha-2 country code")
        return value.upper()

    def names(self, raw: Mapping[str, Any], field: str) -> Mapping[str, str]:
        names = raw.get("names", {})
        if not isinstance(names, dict) or not all(
            isinstance(v, str) and v.strip() for v in names.values()
        ):
            raise self.fail(f"{field}.names", "expected a table of language = name")
        return {str(k): str(v).strip() for k, v in names.items()}

    def shown_names(self, raw: Mapping[str, Any], field: str) -> Mapping[str, str]:
        """The names members read, per language; remembered to warn about missing ones."""
        names = self.names(raw, field)
        for language in names:
            try:
                Locale.parse(language, sep="-")
            except (ValueError, UnknownLocaleError):
                raise self.fail(
                    f"{field}.names.{language}", f"{language!r} is not a known language"
                ) from None
        self.named[f"{field}.names"] = frozenset(names)
        return names

    def warn_of_missing_names(self, enabled: tuple[str, ...], default: str) -> None:
        """One log line per enabled language some names are missing in (never for the
        default language, whose name is the default one)."""
        for language in enabled:
            missing = [f for f, given in self.named.items() if language not in given]
            if language == default or not missing:
                continue
            fields = ", ".join(missing[:_NAMED_FIELDS_SHOWN])
            if len(missing) > _NAMED_FIELDS_SHOWN:
                fields += f" and {len(missing) - _NAMED_FIELDS_SHOWN} more"
            logger.warning(
                "%s: %s: no name in %s; members reading %s see the default name",
                self.path,
                fields,
                language,
                language,
            )

    def deployment(self, raw: Mapping[str, Any]) -> Deployment:
        government = self.table(raw, "government")
        languages = self.table(raw, "languages")
        policies = self.table(raw, "policies")
        enabled = self.languages(languages)
        default = self.default_language(languages, enabled)
        deployment = Deployment(
            path=self.path,
            sample=bool(raw.get("sample", False)),
            government=self.text(government, "name", "government"),
            government_names=self.shown_names(government, "government"),
            home_country=self.country(government.get("home_country"), "government.home_country"),
            currency=self.currency(government.get("currency")),
            regions=self.regions(raw.get("regions", [])),
            consulates=self.consulates(raw.get("consulates")),
            languages=enabled,
            default_language=default,
            policies=self.policies(policies),
            sensitive=self.sensitive(raw.get("sensitive"), enabled),
            inbox_topics=self.inbox_topics(raw.get("inbox", {})),
            saved_replies=self.saved_replies(raw.get("inbox", {}), enabled),
        )
        self.warn_of_missing_names(enabled, default)
        return deployment

    def currency(self, value: object) -> str:
        if not isinstance(value, str) or value.upper() not in list_currencies():
            raise self.fail("government.currency", f"{value!r} is not an ISO 4217 currency code")
        return value.upper()

    def languages(self, raw: Mapping[str, Any]) -> tuple[str, ...]:
        enabled = raw.get("enabled")
        if not isinstance(enabled, list) or not enabled:
            raise self.fail("languages.enabled", "expected a non-empty list of language codes")
        for code in enabled:
            try:
                Locale.parse(str(code), sep="-")
            except (ValueError, UnknownLocaleError):
                raise self.fail("languages.enabled", f"{code!r} is not a known locale") from None
        if len(set(enabled)) != len(enabled):
            raise self.fail("languages.enabled", "a language is listed twice")
        return tuple(str(code) for code in enabled)

    def default_language(self, raw: Mapping[str, Any], enabled: tuple[str, ...]) -> str:
        default = raw.get("default")
        if default not in enabled:
            raise self.fail("languages.default", f"{default!r} is not in languages.enabled")
        return str(default)

    def policies(self, raw: Mapping[str, Any]) -> Policies:
        k = raw.get("poll_min_cell_size", 5)
        if not isinstance(k, int) or isinstance(k, bool) or not 2 <= k <= 1000:
            raise self.fail("policies.poll_min_cell_size", f"{k!r}: expected a whole number 2-1000")
        approval = raw.get("approval", "two-person")
        if approval not in APPROVAL_RULES:
            raise self.fail("policies.approval", f"{approval!r}: expected one of {APPROVAL_RULES}")
        outbox_days = self.days(raw, "outbox_days", 30, 1)
        audit_days = self.days(raw, "audit_days", 5 * 365, 30)
        return Policies(
            k,
            str(approval),
            outbox_days,
            audit_days,
            inbox_days=self.days(raw, "inbox_days", 90, 1),
            questions_per_day=self.days(raw, "questions_per_day", 5, 1),
            answer_days=self.days(raw, "answer_days", 2, 1),
            responses_days=self.days(raw, "responses_days", 180, 1),
        )

    def inbox_entries(self, raw: object, key: str) -> list[tuple[Mapping[str, Any], str]]:
        """The tables of ``[[inbox.<key>]]`` with the field name of each."""
        if not isinstance(raw, dict):
            raise self.fail("inbox", "expected a table")
        entries = raw.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self.fail(f"inbox.{key}", f"expected an array of tables ([[inbox.{key}]])")
        return [(entry, f"inbox.{key}[{index}]") for index, entry in enumerate(entries)]

    def inbox_topics(self, raw: object) -> tuple[InboxTopic, ...]:
        topics = tuple(
            InboxTopic(
                id=self.identifier(entry, field),
                name=self.text(entry, "name", field),
                names=self.shown_names(entry, field),
                emergency=bool(entry.get("emergency", False)),
            )
            for entry, field in self.inbox_entries(raw, "topics")
        )
        self.unique([t.id for t in topics], "inbox.topics")
        return topics

    def saved_replies(self, raw: object, enabled: tuple[str, ...]) -> tuple[SavedReply, ...]:
        replies = []
        for entry, field in self.inbox_entries(raw, "replies"):
            texts = entry.get("texts")
            if not isinstance(texts, dict) or set(texts) != set(enabled):
                raise self.fail(f"{field}.texts", "expected a text in every enabled language")
            replies.append(
                SavedReply(
                    id=self.identifier(entry, field),
                    name=self.text(entry, "name", field),
                    names=self.shown_names(entry, field),
                    texts={str(k): self.text(texts, k, f"{field}.texts") for k in texts},
                )
            )
        self.unique([r.id for r in replies], "inbox.replies")
        return tuple(replies)

    def days(self, raw: Mapping[str, Any], name: str, default: int, least: int) -> int:
        value = raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= 36500:
            raise self.fail(f"policies.{name}", f"{value!r}: expected days, {least}-36500")
        return value

    def sensitive(self, raw: object, enabled: tuple[str, ...]) -> SensitiveTopics:
        """``[sensitive]``: required, so that a deployment without the list is a choice
        (``topics = []``), never an omission."""
        if not isinstance(raw, dict):
            raise self.fail(
                "sensitive", "missing table: list the topics polls must never ask about"
            )
        topics = raw.get("topics")
        if not isinstance(topics, list):
            raise self.fail(
                "sensitive.topics", "expected an array of tables ([[sensitive.topics]])"
            )
        found = tuple(
            self.topic(item, f"sensitive.topics[{index}]", enabled)
            for index, item in enumerate(topics)
        )
        self.unique([t.id for t in found], "sensitive.topics")
        return SensitiveTopics(found)

    def topic(self, raw: object, field: str, enabled: tuple[str, ...]) -> Topic:
        if not isinstance(raw, dict):
            raise self.fail(field, "expected a table")
        names = self.names(raw, field)
        patterns = raw.get("patterns")
        if not isinstance(patterns, dict):
            raise self.fail(f"{field}.patterns", "expected a table of language = [pattern, ...]")
        for language in enabled:
            if language not in names:
                raise self.fail(f"{field}.names.{language}", "missing: every enabled language")
            listed = patterns.get(language)
            if not isinstance(listed, list) or not listed:
                raise self.fail(f"{field}.patterns.{language}", "missing: every enabled language")
        checked = {
            str(language): [
                self.pattern(value, f"{field}.patterns.{language}[{i}]")
                for i, value in enumerate(values if isinstance(values, list) else [values])
            ]
            for language, values in patterns.items()
        }
        return Topic.build(self.identifier(raw, field), names, checked)

    def pattern(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not value.strip(" /"):
            raise self.fail(field, "expected a word, a phrase or a /regular expression/")
        try:
            compile_pattern(value)
        except re.error as exc:
            raise self.fail(field, f"not a valid regular expression: {exc}") from None
        return value

    def regions(self, raw: object) -> tuple[Region, ...]:
        if not isinstance(raw, list):
            raise self.fail("regions", "expected an array of tables ([[regions]])")
        regions = []
        for index, item in enumerate(raw):
            field = f"regions[{index}]"
            if not isinstance(item, dict):
                raise self.fail(field, "expected a table")
            regions.append(
                Region(
                    id=self.identifier(item, field),
                    name=self.text(item, "name", field),
                    names=self.shown_names(item, field),
                )
            )
        self.unique([r.id for r in regions], "regions")
        return tuple(regions)

    def identifier(self, raw: Mapping[str, Any], field: str) -> str:
        value = raw.get("id")
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            raise self.fail(f"{field}.id", f"{value!r}: use 1-32 lower-case letters, digits, '-'")
        return value

    def unique(self, ids: list[str], field: str) -> None:
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise self.fail(field, f"id {duplicates[0]!r} is used twice")

    def consulates(self, raw: object) -> tuple[Consulate, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("consulates", "expected at least one [[consulates]] table")
        consulates = []
        for index, item in enumerate(raw):
            field = f"consulates[{index}]"
            if not isinstance(item, dict):
                raise self.fail(field, "expected a table")
            consulates.append(self.consulate(item, field))
        self.unique([c.id for c in consulates], "consulates")
        return tuple(consulates)

    def consulate(self, raw: Mapping[str, Any], field: str) -> Consulate:
        jurisdiction = raw.get("jurisdiction")
        if not isinstance(jurisdiction, list) or not jurisdiction:
            raise self.fail(f"{field}.jurisdiction", "expected a non-empty list of country codes")
        return Consulate(
            id=self.identifier(raw, field),
            name=self.text(raw, "name", field),
            names=self.shown_names(raw, field),
            city=self.text(raw, "city", field),
            country=self.country(raw.get("country"), f"{field}.country"),
            jurisdiction=tuple(
                self.country(code, f"{field}.jurisdiction[{i}]")
                for i, code in enumerate(jurisdiction)
            ),
            timezone=self.timezone(raw.get("timezone"), f"{field}.timezone"),
            address=self.text(raw, "address", field),
            phone=self.text(raw, "phone", field),
            emergency_phone=self.text(raw, "emergency_phone", field),
            opening_hours=self.opening_hours(raw.get("opening_hours"), f"{field}.opening_hours"),
        )

    def timezone(self, value: object, field: str) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(field, f"{value!r} is not an IANA time zone") from None
        return str(value)

    def opening_hours(self, raw: object, field: str) -> tuple[OpeningHours, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(
                field, 'expected a list like [{days = "mon-fri", hours = "09:00-17:00"}]'
            )
        return tuple(self.opening_span(item, f"{field}[{i}]") for i, item in enumerate(raw))

    def opening_span(self, raw: object, field: str) -> OpeningHours:
        if not isinstance(raw, dict):
            raise self.fail(field, "expected a table with days and hours")
        days, hours = str(raw.get("days", "")), str(raw.get("hours", ""))
        first, _, last = days.partition("-")
        if first not in WEEKDAYS or (last or first) not in WEEKDAYS:
            raise self.fail(f"{field}.days", f"{days!r}: expected e.g. 'mon-fri' or 'sat'")
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", hours)
        if not match:
            raise self.fail(f"{field}.hours", f"{hours!r}: expected e.g. '09:00-17:00'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError:
            raise self.fail(f"{field}.hours", f"{hours!r}: not a time of day") from None
        if closes <= opens:
            raise self.fail(f"{field}.hours", f"{hours!r}: closes before it opens")
        return OpeningHours(WEEKDAYS.index(first), WEEKDAYS.index(last or first), opens, closes)
