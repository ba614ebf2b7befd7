"""The rules behind the /poll staff wizard: a poll built step by step, each step checked.

``PollSketch`` is the poll so far: mode, single or multiple choice, the question and options
per language (the staff member's language first, translations after), the audience filters
and the closing time. It is plain data (``to_data``/``from_data``) so the wizard can keep it
in the persistent conversation between steps. Every check returns ``Problem``s from
``polls.drafting``, each naming its field, so the wizard says exactly what to fix; the
finished sketch becomes a ``PollDraft`` that ``PollService.create`` checks once more.

No telegram import here: the handler (``handlers/polls/wizard.py``) only translates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from broadcasts.audience import Audience
from broadcasts.payload import MAX_POLL_OPTION, MAX_POLL_OPTIONS, MIN_POLL_OPTIONS
from polls.counting import ANONYMOUS, SEGMENTED
from polls.drafting import (
    MAX_OPEN_SECONDS,
    MODES,
    PollDraft,
    Problem,
    ProblemKind,
)

#: The closing-time buttons: how long the poll stays open.
CLOSING_CHOICES = {
    "24h": timedelta(hours=24),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
}
CLOSING_FORMAT = "%Y-%m-%d %H:%M"

__all__ = [
    "ANONYMOUS",
    "CLOSING_CHOICES",
    "CLOSING_FORMAT",
    "MODES",
    "SEGMENTED",
    "PollSketch",
    "check_question",
    "parse_closing",
    "split_options",
]


def split_options(text: str) -> list[str]:
    """A message's options: one per line, blank lines ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_question(language: str, text: str, room: int) -> list[Problem]:
    """The question in ``language``: not empty and at most ``room`` characters."""
    where = f"question.{language}"
    if not text.strip():
        return [Problem(where, ProblemKind.QUESTION_MISSING)]
    if len(text) > room:
        return [Problem(where, ProblemKind.QUESTION_TOO_LONG, room, len(text))]
    return []


def parse_closing(text: str, zone: str, now: datetime) -> datetime | Problem:
    """A typed closing time (``YYYY-MM-DD HH:MM`` in ``zone``), or the problem with it."""
    try:
        local = datetime.strptime(text.strip(), CLOSING_FORMAT)
    except ValueError:
        return Problem("closes", ProblemKind.CLOSES_UNREADABLE)
    closes = local.replace(tzinfo=ZoneInfo(zone))
    if closes <= now:
        return Problem("closes", ProblemKind.CLOSES_BEFORE_OPENING)
    if (closes - now).total_seconds() > MAX_OPEN_SECONDS:
        return Problem("closes", ProblemKind.CLOSES_TOO_LATE, MAX_OPEN_SECONDS)
    return closes


@dataclass
class PollSketch:
    """A poll as far as the wizard has got. ``options`` holds a list of texts per language;
    every translation must end with as many options as the base language."""

    base_language: str
    mode: str = SEGMENTED
    allows_multiple: bool = False
    questions: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    consulates: list[str] = field(default_factory=list)
    member_types: list[str] = field(default_factory=list)
    closes_at: datetime | None = None

    # --- storing between steps ---------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        return {
            "base_language": self.base_language,
            "mode": self.mode,
            "allows_multiple": self.allows_multiple,
            "questions": dict(self.questions),
            "options": {language: list(texts) for language, texts in self.options.items()},
            "consulates": list(self.consulates),
            "member_types": list(self.member_types),
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PollSketch:
        closes = data.get("closes_at")
        return cls(
            base_language=str(data["base_language"]),
            mode=str(data.get("mode", SEGMENTED)),
            allows_multiple=bool(data.get("allows_multiple", False)),
            questions=dict(data.get("questions", {})),
            options={k: list(v) for k, v in dict(data.get("options", {})).items()},
            consulates=list(data.get("consulates", [])),
            member_types=list(data.get("member_types", [])),
            closes_at=datetime.fromisoformat(closes) if closes else None,
        )

    # --- the steps ---------------------------------------------------------------------------
    @property
    def option_count(self) -> int:
        """How many options the poll has (the base language's)."""
        return len(self.options.get(self.base_language, []))

    @property
    def translations(self) -> list[str]:
        """Languages other than the base one with a question and all their options."""
        return [
            language
            for language in self.questions
            if language != self.base_language
            and len(self.options.get(language, [])) == self.option_count
        ]

    def is_complete(self, language: str) -> bool:
        if language == self.base_language:
            return self.option_count >= MIN_POLL_OPTIONS
        return language in self.translations

    def may_finish_options(self, language: str) -> bool:
        """Whether "Done" may end the options in ``language`` (base language only)."""
        return language == self.base_language and self.option_count >= MIN_POLL_OPTIONS

    def set_question(self, language: str, text: str, room: int) -> list[Problem]:
        """Keep the question unless it has a problem; starts that language's options anew."""
        problems = check_question(language, text, room)
        if not problems:
            self.questions[language] = text.strip()
            self.options[language] = []
        return problems

    def add_options(self, language: str, texts: Sequence[str]) -> list[Problem]:
        """Add options in ``language``; nothing is added when any of them has a problem.

        The base language takes up to 12 options; a translation exactly as many as the base
        language, so more than that is refused as a mismatch."""
        have = self.options.setdefault(language, [])
        problems: list[Problem] = []
        total = len(have) + len(texts)
        if language == self.base_language:
            if total > MAX_POLL_OPTIONS:
                problems.append(
                    Problem("options", ProblemKind.TOO_MANY_OPTIONS, MAX_POLL_OPTIONS, total)
                )
        elif total > self.option_count:
            problems.append(
                Problem(
                    f"options.{language}",
                    ProblemKind.OPTION_COUNT_MISMATCH,
                    self.option_count,
                    total,
                )
            )
        seen = [text.casefold() for text in have]
        for index, text in enumerate(texts, start=len(have) + 1):
            where = f"options[{index}].{language}"
            if not text:
                problems.append(Problem(where, ProblemKind.OPTION_EMPTY))
            elif len(text) > MAX_POLL_OPTION:
                problems.append(
                    Problem(where, ProblemKind.OPTION_TOO_LONG, MAX_POLL_OPTION, len(text))
                )
            elif text.casefold() in seen:
                problems.append(Problem(where, ProblemKind.OPTION_REPEATED))
            seen.append(text.casefold())
        if not problems:
            have.extend(texts)
        return problems

    def drop_language(self, language: str) -> None:
        """Forget a language's texts (an unfinished translation, or going back)."""
        self.questions.pop(language, None)
        self.options.pop(language, None)

    def restart_options(self) -> None:
        """Start the base language's options again; translations no longer match them."""
        for language in list(self.questions):
            if language != self.base_language:
                self.drop_language(language)
        self.options[self.base_language] = []

    def audience(self, remit: Sequence[str]) -> Audience:
        """The chosen consulates (none chosen: the staff member's remit) and member types."""
        return Audience.of(consulates=self.consulates or remit, member_types=self.member_types)

    def draft(self, remit: Sequence[str], author: int | None, now: datetime) -> PollDraft:
        """The finished poll, opening now. Unfinished translations are left out."""
        languages = [self.base_language, *self.translations]
        count = self.option_count
        return PollDraft(
            base_language=self.base_language,
            questions={language: self.questions[language] for language in languages},
            options=[
                {language: self.options[language][index] for language in languages}
                for index in range(count)
            ],
            closes_at=self.closes_at or now + CLOSING_CHOICES["24h"],
            mode=self.mode,
            allows_multiple=self.allows_multiple,
            audience=self.audience(remit),
            opens_at=now,
            created_by=author,
        )
