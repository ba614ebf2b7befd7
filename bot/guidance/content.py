"""Pre-departure guidance content: loading and checking ``locales/<lang>/guidance/*.toml``.

Every enabled language has one file with the same topics, destination notes and checklist
items as the reference language (English). Loading checks each entry and raises ConfigError
naming the file, the entry and the problem, so incomplete content stops start-up.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale

from bot.errors import ConfigError

GUIDANCE_FILE = Path("guidance") / "predeparture.toml"
REFERENCE_LANGUAGE = "en"

TITLE_MAX = 40
# Floors against stubs. English topics run 650-1000 characters; Arabic script is denser.
TOPIC_BODY_MIN = 450
DESTINATION_BODY_MIN = 300
BODY_MAX = 1500
CHECKLIST_TEXT_MAX = 120
ALLOWED_TAGS = frozenset({"b", "i"})

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TAG_PATTERN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ENTITY_PATTERN = re.compile(r"&(amp|lt|gt|quot);")
_COUNTRY_CODES = frozenset(str(code) for code in Locale("en").territories if str(code).isalpha())


@dataclass(frozen=True)
class Topic:
    """One orientation topic: a button title and a message body (Telegram HTML)."""

    id: str
    title: str
    body: str
    source: str
    last_reviewed: date


@dataclass(frozen=True)
class DestinationNote:
    """Notes on one host country (ISO 3166 alpha-2), shown to members going there."""

    country: str
    title: str
    body: str
    source: str
    last_reviewed: date


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the pre-departure checklist; the id is what a member's tick refers to."""

    id: str
    text: str


@dataclass(frozen=True)
class GuidanceContent:
    """All pre-departure content in one language."""

    language: str
    path: Path
    topics: tuple[Topic, ...]
    destinations: tuple[DestinationNote, ...]
    checklist: tuple[ChecklistItem, ...]

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def destination(self, country: str) -> DestinationNote | None:
        return next((d for d in self.destinations if d.country == country.upper()), None)

    def checklist_item(self, item_id: str) -> ChecklistItem | None:
        return next((c for c in self.checklist if c.id == item_id), None)

    @property
    def checklist_ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.checklist)


def guidance_path(locales_dir: Path, language: str) -> Path:
    """Where the pre-departure content of ``language`` lives."""
    return locales_dir / language / GUIDANCE_FILE


def load_guidance(
    locales_dir: Path, languages: Iterable[str], reference: str = REFERENCE_LANGUAGE
) -> dict[str, GuidanceContent]:
    """Load and check the content of every language against the reference language.

    The reference is always read (it defines which ids must exist); the result holds the
    requested languages, each ordered as the reference is.
    """
    base = load_guidance_file(guidance_path(locales_dir, reference), reference)
    loaded = {}
    for language in languages:
        content = (
            base
            if language == reference
            else load_guidance_file(guidance_path(locales_dir, language), language)
        )
        loaded[language] = _matched_to_reference(content, base)
    return loaded


def load_guidance_file(path: Path, language: str) -> GuidanceContent:
    """Read and check one language's file on its own (no comparison with the reference)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: guidance file missing for language {language!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the guidance file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _Reader(path).content(raw, language)


_Entry = TypeVar("_Entry", Topic, DestinationNote, ChecklistItem)


def _matched_to_reference(content: GuidanceContent, base: GuidanceContent) -> GuidanceContent:
    """Check that ``content`` has exactly the reference's ids; return it in reference order."""
    return GuidanceContent(
        language=content.language,
        path=content.path,
        topics=_same_ids(content, base, "topics", content.topics, base.topics, _topic_key),
        destinations=_same_ids(
            content, base, "destinations", content.destinations, base.destinations, _country_key
        ),
        checklist=_same_ids(
            content, base, "checklist", content.checklist, base.checklist, _checklist_key
        ),
    )


def _topic_key(entry: Topic) -> str:
    return entry.id


def _country_key(entry: DestinationNote) -> str:
    return entry.country


def _checklist_key(entry: ChecklistItem) -> str:
    return entry.id


def _same_ids(
    content: GuidanceContent,
    base: GuidanceContent,
    section: str,
    entries: Sequence[_Entry],
    reference: Sequence[_Entry],
    key: Callable[[_Entry], str],
) -> tuple[_Entry, ...]:
    by_id = {key(entry): entry for entry in entries}
    wanted = [key(entry) for entry in reference]
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise ConfigError(
            f"{content.path}: {section}: {missing[0]!r} is missing (it is in {base.path})"
        )
    extra = sorted(set(by_id) - set(wanted))
    if extra:
        raise ConfigError(
            f"{content.path}: {section}: {extra[0]!r} is not in the reference file {base.path}"
        )
    return tuple(by_id[i] for i in wanted)


class _Reader:
    """Checks one entry at a time and knows how to name it in an error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, entry: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {entry}: {problem}")

    def content(self, raw: Mapping[str, Any], language: str) -> GuidanceContent:
        return GuidanceContent(
            language=language,
            path=self.path,
            topics=tuple(self.topic(item, name) for item, name in self.entries(raw, "topics")),
            destinations=tuple(
                self.destination(item, name) for item, name in self.entries(raw, "destinations")
            ),
            checklist=tuple(
                self.checklist_item(item, name) for item, name in self.entries(raw, "checklist")
            ),
        )

    def entries(self, raw: Mapping[str, Any], section: str) -> list[tuple[Mapping[str, Any], str]]:
        """The tables of an array section, each with the name to use in errors."""
        items = raw.get(section)
        if not isinstance(items, list) or not items:
            raise self.fail(section, f"expected at least one [[{section}]] table")
        named: list[tuple[Mapping[str, Any], str]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{section}[{index}]", "expected a table")
            label = item.get("id", item.get("country"))
            named.append(
                (item, f"{section}[{index}] ({label})" if label else f"{section}[{index}]")
            )
        keys = [str(item.get("id", item.get("country"))) for item, _ in named]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise self.fail(section, f"{duplicates[0]!r} appears twice")
        return named

    def topic(self, raw: Mapping[str, Any], entry: str) -> Topic:
        return Topic(
            id=self.identifier(raw, entry),
            title=self.title(raw, entry),
            body=self.body(raw, entry, minimum=TOPIC_BODY_MIN),
            source=self.text(raw, "source", entry),
            last_reviewed=self.reviewed(raw, entry),
        )

    def destination(self, raw: Mapping[str, Any], entry: str) -> DestinationNote:
        return DestinationNote(
            country=self.country(raw, entry),
            title=self.title(raw, entry),
            body=self.body(raw, entry, minimum=DESTINATION_BODY_MIN),
            source=self.text(raw, "source", entry),
            last_reviewed=self.reviewed(raw, entry),
        )

    def checklist_item(self, raw: Mapping[str, Any], entry: str) -> ChecklistItem:
        text = self.text(raw, "text", entry)
        if len(text) > CHECKLIST_TEXT_MAX:
            raise self.fail(
                f"{entry}.text", f"{len(text)} characters, the limit is {CHECKLIST_TEXT_MAX}"
            )
        self.markup(text, f"{entry}.text")
        return ChecklistItem(id=self.identifier(raw, entry), text=text)

    def text(self, raw: Mapping[str, Any], key: str, entry: str) -> str:
        value = raw.get(key)
        if value is None:
            raise self.fail(f"{entry}.{key}", "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{entry}.{key}", "expected a non-empty string")
        return value.strip()

    def identifier(self, raw: Mapping[str, Any], entry: str) -> str:
        value = raw.get("id")
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            raise self.fail(f"{entry}.id", f"{value!r}: use 1-40 lower-case letters, digits, '-'")
        return value

    def country(self, raw: Mapping[str, Any], entry: str) -> str:
        value = raw.get("country")
        if not isinstance(value, str) or value not in _COUNTRY_CODES:
            raise self.fail(
                f"{entry}.country", f"{value!r} is not an upper-case ISO 3166 alpha-2 code"
            )
        return value

    def title(self, raw: Mapping[str, Any], entry: str) -> str:
        title = self.text(raw, "title", entry)
        if len(title) > TITLE_MAX:
            raise self.fail(f"{entry}.title", f"{len(title)} characters, the limit is {TITLE_MAX}")
        if "<" in title or ">" in title:
            raise self.fail(f"{entry}.title", "plain text only (it is a button label)")
        return title

    def body(self, raw: Mapping[str, Any], entry: str, *, minimum: int) -> str:
        body = self.text(raw, "body", entry)
        if len(body) > BODY_MAX:
            raise self.fail(f"{entry}.body", f"{len(body)} characters, the limit is {BODY_MAX}")
        if len(body) < minimum:
            raise self.fail(f"{entry}.body", f"{len(body)} characters, at least {minimum} needed")
        self.markup(body, f"{entry}.body")
        return body

    def markup(self, text: str, field: str) -> None:
        """Allow only <b> and <i> without attributes, properly nested, and escaped & < >."""
        open_tags: list[str] = []
        for match in _TAG_PATTERN.finditer(text):
            closing, tag, attributes = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if tag not in ALLOWED_TAGS or attributes.strip():
                raise self.fail(field, f"tag {match.group(0)!r} is not allowed (only <b>, <i>)")
            if not closing:
                open_tags.append(tag)
            elif not open_tags or open_tags.pop() != tag:
                raise self.fail(field, f"{match.group(0)!r} closes a tag that is not open")
        if open_tags:
            raise self.fail(field, f"<{open_tags[-1]}> is never closed")
        bare = _ENTITY_PATTERN.sub("", _TAG_PATTERN.sub("", text))
        for character in "<>&":
            if character in bare:
                raise self.fail(field, f"a bare {character!r}: write &lt; &gt; or &amp;")

    def reviewed(self, raw: Mapping[str, Any], entry: str) -> date:
        value = raw.get("last_reviewed")
        if value is None:
            raise self.fail(f"{entry}.last_reviewed", "missing")
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.fail(
                f"{entry}.last_reviewed", f"{value!r}: expected a TOML date like 2025-01-31"
            )
        return value
