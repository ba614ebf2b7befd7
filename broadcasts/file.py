"""The announcement file read by ``python main.py broadcast create FILE.toml``.

    category = "consular"          # consular, emergency, investment, programme, event,
                                   # youth_culture, other
    [audience]                     # every list optional; none at all means everyone
    consulates = ["london"]        # also countries, member_types, languages, interests,
                                   # occupation_groups, regions
    [schedule]
    kind = "at"                    # now | at | local_time | recurring
    at = "2027-03-28 10:00"        # local date and time (not for "now")
    consulate = "london"           # whose time zone (at, recurring)
    past_zones = "next_day"        # local_time, where that time has already passed:
                                   # next_day | skip (needed only then; never sent late)
    recurrence = "weekly"          # daily | weekly | monthly (recurring only)
    [text]                         # HTML, one entry per language; the default one is needed
    en = "..."
    [media]                        # optional: photo = "name" or document = "name"
    photo = "poster.jpg"           # a file in the media folder (BOT_MEDIA_DIR), by name
    [[buttons]]                    # optional URL buttons, text per language
    url = "https://example.org"
    text = { en = "Read more" }

Errors raise ConfigError naming the file, the field and the problem. A media name is a file
inside the media folder (``poster.jpg``, ``2027/leaflet.pdf``); an absolute path, ``..``, a
symbolic link or a missing file is refused (see broadcasts/media.py), so an announcement can
never upload a file from elsewhere on the machine.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.deployment import Deployment
from bot.errors import ConfigError
from broadcasts.audience import Audience
from broadcasts.compose import Category
from broadcasts.media import MediaRefused, check_media
from broadcasts.payload import Button, Media, MediaKind, Payload
from broadcasts.schedule import PastZones, Recurrence, Schedule, ScheduleKind

LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class AnnouncementFile:
    """What an announcement file asks for (the author comes from the command line)."""

    category: Category
    payloads: list[Payload]
    audience: Audience
    schedule: Schedule


def load_announcement(path: Path, deployment: Deployment, media_dir: Path) -> AnnouncementFile:
    """Read and check ``path``, its media in ``media_dir``; raise ConfigError naming the file,
    field and problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _Reader(path, deployment, media_dir).announcement(raw)


class _Reader:
    def __init__(self, path: Path, deployment: Deployment, media_dir: Path) -> None:
        self.path = path
        self.deployment = deployment
        self.media_dir = media_dir

    def fail(self, field: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {field}: {problem}")

    def announcement(self, raw: Mapping[str, Any]) -> AnnouncementFile:
        known = {"category", "audience", "schedule", "text", "media", "buttons"}
        for key in raw:
            if key not in known:
                raise self.fail(key, f"unknown field; expected one of {', '.join(sorted(known))}")
        texts = self.texts(raw)
        media = self.media(raw.get("media"))
        buttons = self.buttons(raw.get("buttons", []), set(texts))
        payloads = [
            Payload(language, text=text, media=media, buttons=buttons.get(language, ()))
            for language, text in sorted(texts.items())
        ]
        for payload in payloads:
            try:
                payload.check()
            except ValueError as exc:
                raise self.fail(f"text.{payload.language}", str(exc)) from None
        return AnnouncementFile(
            self.category(raw.get("category")),
            payloads,
            self.audience(raw.get("audience", {})),
            self.schedule(raw.get("schedule")),
        )

    def category(self, value: object) -> Category:
        choices = ", ".join(c.value for c in Category)
        if not isinstance(value, str):
            raise self.fail("category", f"missing; expected one of {choices}")
        try:
            return Category(value)
        except ValueError:
            raise self.fail("category", f"{value!r} is not one of {choices}") from None

    def texts(self, raw: Mapping[str, Any]) -> dict[str, str]:
        table = raw.get("text")
        if not isinstance(table, dict) or not table:
            raise self.fail("text", 'missing; give the text per language, e.g. en = "..."')
        texts: dict[str, str] = {}
        for language, text in table.items():
            if language not in self.deployment.languages:
                raise self.fail(f"text.{language}", "language not enabled in the deployment")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"text.{language}", "expected non-empty text")
            texts[language] = text.strip()
        default = self.deployment.default_language
        if default not in texts:
            raise self.fail("text", f"the default language {default!r} is missing")
        return texts

    def media(self, raw: object) -> Media | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or len(raw) != 1:
            raise self.fail("media", 'expected exactly one of photo = "file" or document = "file"')
        ((kind, value),) = raw.items()
        if kind not in ("photo", "document"):
            raise self.fail(f"media.{kind}", "expected photo or document")
        if not isinstance(value, str):
            raise self.fail(f"media.{kind}", "expected a file name")
        try:
            check_media(self.media_dir, value)
        except MediaRefused as refused:
            raise self.fail(f"media.{kind}", str(refused)) from None
        return Media(MediaKind(kind), path=value)

    def buttons(self, raw: object, languages: set[str]) -> dict[str, tuple[Button, ...]]:
        if not isinstance(raw, list):
            raise self.fail("buttons", "expected [[buttons]] tables")
        per_language: dict[str, list[Button]] = {language: [] for language in languages}
        default = self.deployment.default_language
        for index, button in enumerate(raw):
            field = f"buttons[{index}]"
            if not isinstance(button, dict):
                raise self.fail(field, "expected a table with url and text")
            url = button.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise self.fail(f"{field}.url", "expected an http:// or https:// address")
            text = button.get("text")
            if not isinstance(text, dict) or not isinstance(text.get(default), str):
                raise self.fail(f"{field}.text", f"expected a text per language, with {default}")
            for language in languages:
                label = text.get(language, text[default])
                if not isinstance(label, str) or not label.strip():
                    raise self.fail(f"{field}.text.{language}", "expected non-empty text")
                per_language[language].append(Button(label.strip(), url))
        return {language: tuple(found) for language, found in per_language.items()}

    def audience(self, raw: object) -> Audience:
        if not isinstance(raw, dict):
            raise self.fail("audience", "expected a table")
        names = {f.name for f in fields(Audience)}
        filters: dict[str, list[str]] = {}
        for key, values in raw.items():
            if key not in names:
                raise self.fail(f"audience.{key}", f"unknown filter; expected {', '.join(names)}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.fail(f"audience.{key}", "expected a list of strings")
            filters[key] = values
        known = {c.id for c in self.deployment.consulates}
        for consulate in filters.get("consulates", []):
            if consulate not in known:
                raise self.fail("audience.consulates", f"{consulate!r} is not in the deployment")
        return Audience.of(**filters)

    def schedule(self, raw: object) -> Schedule:
        if raw is None:
            return Schedule.now()
        if not isinstance(raw, dict):
            raise self.fail("schedule", "expected a table")
        try:
            kind = ScheduleKind(raw.get("kind", "now"))
        except ValueError:
            choices = ", ".join(k.value for k in ScheduleKind)
            raise self.fail("schedule.kind", f"expected one of {choices}") from None
        if kind is ScheduleKind.NOW:
            return Schedule.now()
        local = self.local_time(raw.get("at"))
        if kind is ScheduleKind.LOCAL_TIME:
            return Schedule.local_time(local, self.past_zones(raw.get("past_zones")))
        zone = self.zone(raw.get("consulate"))
        if kind is ScheduleKind.AT:
            return Schedule.at(local, zone)
        try:
            recurrence = Recurrence(str(raw.get("recurrence")))
        except ValueError:
            raise self.fail("schedule.recurrence", "expected daily, weekly or monthly") from None
        return Schedule.recurring(recurrence, local, zone)

    def past_zones(self, value: object) -> PastZones | None:
        if value is None:
            return None
        try:
            return PastZones(str(value))
        except ValueError:
            raise self.fail("schedule.past_zones", "expected next_day or skip") from None

    def local_time(self, value: object) -> datetime:
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, str):
            for pattern in LOCAL_FORMATS:
                try:
                    return datetime.strptime(value, pattern)
                except ValueError:
                    continue
        raise self.fail("schedule.at", 'expected a local date and time, "YYYY-MM-DD HH:MM"')

    def zone(self, consulate_id: object) -> str:
        consulate = (
            self.deployment.consulate(consulate_id) if isinstance(consulate_id, str) else None
        )
        if consulate is None:
            ids = ", ".join(c.id for c in self.deployment.consulates)
            raise self.fail("schedule.consulate", f"expected one of {ids} (its time zone is used)")
        return consulate.timezone
