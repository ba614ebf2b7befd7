"""Poll files (TOML) for ``python main.py poll create FILE.toml``.

    mode = "segmented"            # or "anonymous"
    multiple = false              # several answers allowed
    base_language = "en"          # the language every other falls back to
    share_results = true          # participants receive the results when it closes
    opens = 2025-06-01T09:00:00Z  # optional: now
    closes = 2025-06-03T09:00:00Z

    [question]
    en = "Should the consulate open on Saturdays?"
    ar = "هل يجب أن تفتح القنصلية يوم السبت؟"

    [options]
    en = ["Yes", "No"]
    ar = ["نعم", "لا"]

    [audience]                    # the announcement filters; none: everyone
    consulates = ["dubai"]

Every error names the file, the field and the problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broadcasts.audience import Audience
from polls.counting import SEGMENTED
from polls.drafting import PollDraft

AUDIENCE_FILTERS = tuple(f.name for f in fields(Audience))


class PollFileError(ValueError):
    """A poll file that cannot be read: ``file: field: problem``."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")


def load_poll_file(path: Path, author: int | None = None) -> PollDraft:
    """Read a poll file into a draft (its limits are checked by PollService.check)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PollFileError(path, "file", error.strerror or "cannot be read") from error
    except tomllib.TOMLDecodeError as error:
        raise PollFileError(path, "file", f"not valid TOML ({error})") from error
    reader = _Reader(path, raw)
    questions = reader.texts("question")
    base = reader.string("base_language", next(iter(questions), "en"))
    return PollDraft(
        base_language=base,
        questions=questions,
        options=reader.options(),
        closes_at=reader.moment("closes", required=True) or datetime.now(UTC),
        mode=reader.string("mode", SEGMENTED),
        allows_multiple=reader.boolean("multiple"),
        audience=reader.audience(),
        opens_at=reader.moment("opens", required=False),
        share_results=reader.boolean("share_results"),
        created_by=author,
    )


class _Reader:
    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw

    def fail(self, field: str, problem: str) -> PollFileError:
        return PollFileError(self.path, field, problem)

    def string(self, field: str, default: str) -> str:
        value = self.raw.get(field, default)
        if not isinstance(value, str):
            raise self.fail(field, f"{value!r}: expected text")
        return value

    def boolean(self, field: str) -> bool:
        value = self.raw.get(field, False)
        if not isinstance(value, bool):
            raise self.fail(field, f"{value!r}: expected true or false")
        return value

    def texts(self, field: str) -> dict[str, str]:
        table = self.raw.get(field)
        if not isinstance(table, dict) or not table:
            raise self.fail(field, "expected a table of language = text")
        for language, text in table.items():
            if not isinstance(text, str):
                raise self.fail(f"{field}.{language}", f"{text!r}: expected text")
        return dict(table)

    def options(self) -> list[dict[str, str]]:
        table = self.raw.get("options")
        if not isinstance(table, dict) or not table:
            raise self.fail("options", "expected a table of language = [option, ...]")
        counts = set()
        for language, texts in table.items():
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise self.fail(f"options.{language}", "expected a list of texts")
            counts.add(len(texts))
        if len(counts) != 1:
            raise self.fail("options", "every language needs the same number of options")
        count = counts.pop()
        return [{language: texts[i] for language, texts in table.items()} for i in range(count)]

    def moment(self, field: str, *, required: bool) -> datetime | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                raise self.fail(field, "missing: when the poll closes (e.g. 2025-06-03T09:00:00Z)")
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise self.fail(field, f"{value!r}: expected a date and time with its offset")
        return value.astimezone(UTC)

    def audience(self) -> Audience:
        table = self.raw.get("audience", {})
        if not isinstance(table, dict):
            raise self.fail("audience", "expected a table of filters")
        for name, values in table.items():
            if name not in AUDIENCE_FILTERS:
                raise self.fail(f"audience.{name}", f"unknown filter; use {AUDIENCE_FILTERS}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.fail(f"audience.{name}", "expected a list of texts")
        return Audience.of(**table)
