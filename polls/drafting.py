"""Poll drafts: what staff ask for, checked against Telegram's limits before anything is stored.

A draft holds the question and options per language (one base language, the others optional:
a language without its own text gets the base text), the mode, single or multiple choice, the
audience and the opening and closing time. ``check_draft`` returns every problem at once, each
naming the field it is in (``question.ar``, ``options[3].fr``, ``closes``) so the staff wizard
and the CLI can say exactly what to fix.

The closing time is either a moment (``closes_at``) or a period (``open_for``) counted from
when the poll is first sent, fixed then (``BroadcastService.sweep``): a poll waiting for
approval loses none of its time. The quick form ``Question? | Yes | No`` makes a segmented,
single-choice draft in the staff member's language that opens as soon as it may (at once, or
once approved) and closes 24 hours after it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from broadcasts.audience import Audience
from broadcasts.payload import (
    MAX_POLL_OPTION,
    MAX_POLL_OPTIONS,
    MAX_POLL_QUESTION,
    MIN_POLL_OPTIONS,
)
from polls.counting import ANONYMOUS, SEGMENTED

MODES = (SEGMENTED, ANONYMOUS)
#: telegram.constants.PollLimit.MAX_OPEN_PERIOD: Telegram closes a poll at most this far ahead.
MAX_OPEN_SECONDS = 2_628_000
QUICK_FORM_OPEN = timedelta(hours=24)
QUICK_FORM_SEPARATOR = "|"


class ProblemKind(StrEnum):
    QUESTION_MISSING = "question_missing"
    QUESTION_TOO_LONG = "question_too_long"
    TOO_FEW_OPTIONS = "too_few_options"
    TOO_MANY_OPTIONS = "too_many_options"
    OPTION_EMPTY = "option_empty"
    OPTION_TOO_LONG = "option_too_long"
    OPTION_REPEATED = "option_repeated"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_MODE = "unknown_mode"
    CLOSES_BEFORE_OPENING = "closes_before_opening"
    CLOSES_TOO_LATE = "closes_too_late"
    OPTION_COUNT_MISMATCH = "option_count_mismatch"
    CLOSES_UNREADABLE = "closes_unreadable"
    AUDIENCE_TOO_SMALL = "audience_too_small"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a draft: where, what, and the limit and actual size if any."""

    field: str
    kind: ProblemKind
    limit: int = 0
    actual: int = 0

    def describe(self) -> str:
        """An English sentence for the command line (staff get translated ones)."""
        return f"{self.field}: {_ENGLISH[self.kind].format(limit=self.limit, actual=self.actual)}"


_ENGLISH = {
    ProblemKind.QUESTION_MISSING: "the question is empty",
    ProblemKind.QUESTION_TOO_LONG: "the question has {actual} characters; at most {limit} fit",
    ProblemKind.TOO_FEW_OPTIONS: "{actual} options given; a poll needs at least {limit}",
    ProblemKind.TOO_MANY_OPTIONS: "{actual} options given; a poll has at most {limit}",
    ProblemKind.OPTION_EMPTY: "the option is empty",
    ProblemKind.OPTION_TOO_LONG: "the option has {actual} characters; at most {limit} fit",
    ProblemKind.OPTION_REPEATED: "the same option is given twice",
    ProblemKind.UNKNOWN_LANGUAGE: "this language is not enabled in the deployment",
    ProblemKind.UNKNOWN_MODE: "expected 'segmented' or 'anonymous'",
    ProblemKind.CLOSES_BEFORE_OPENING: "the poll would close before it opens",
    ProblemKind.CLOSES_TOO_LATE: "Telegram keeps a poll open at most {limit} seconds (30 days)",
    ProblemKind.OPTION_COUNT_MISMATCH: "{actual} options given; the poll has {limit}",
    ProblemKind.CLOSES_UNREADABLE: "expected a date and time as YYYY-MM-DD HH:MM",
    ProblemKind.AUDIENCE_TOO_SMALL: (
        "fewer than {limit} members would receive it; a poll needs at least {limit},"
        " so that no answer can be told apart"
    ),
}


class DraftError(ValueError):
    """A draft that cannot be sent; ``problems`` says everything wrong with it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.describe() for problem in self.problems))


@dataclass(frozen=True)
class PollDraft:
    """A poll as staff describe it. ``options`` holds one {language: text} per option. It
    closes at ``closes_at``, or ``open_for`` after it is first sent (one of the two)."""

    base_language: str
    questions: Mapping[str, str]
    options: Sequence[Mapping[str, str]]
    closes_at: datetime | None
    mode: str = SEGMENTED
    allows_multiple: bool = False
    audience: Audience = field(default_factory=Audience)
    opens_at: datetime | None = None
    share_results: bool = False
    created_by: int | None = None
    open_for: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.closes_at is None) == (self.open_for is None):
            raise ValueError("a poll closes at a moment or after a period: exactly one of them")

    @property
    def languages(self) -> set[str]:
        """Every language the draft has some text in."""
        found = set(self.questions)
        for texts in self.options:
            found |= set(texts)
        return found

    def question_in(self, language: str) -> str:
        return self.questions.get(language) or self.questions.get(self.base_language, "")

    def options_in(self, language: str) -> tuple[str, ...]:
        return tuple(
            texts.get(language) or texts.get(self.base_language, "") for texts in self.options
        )


def parse_quick_form(text: str) -> tuple[str, list[str]]:
    """Split ``Question? | Yes | No`` into the question and its options."""
    question, *options = (part.strip() for part in text.split(QUICK_FORM_SEPARATOR))
    return question, options


def quick_draft(
    text: str, language: str, audience: Audience, author: int | None, now: datetime
) -> PollDraft:
    """The quick form's draft: segmented, single choice, open now, closing 24 hours after it
    is sent."""
    question, options = parse_quick_form(text)
    return PollDraft(
        base_language=language,
        questions={language: question},
        options=[{language: option} for option in options],
        closes_at=None,
        open_for=QUICK_FORM_OPEN,
        audience=audience,
        opens_at=now,
        created_by=author,
    )


def check_draft(
    draft: PollDraft,
    enabled_languages: Sequence[str],
    now: datetime,
    question_room: Callable[[str], int] = lambda language: MAX_POLL_QUESTION,
) -> list[Problem]:
    """Every problem with the draft. ``question_room(language)`` is how many characters the
    question may have in that language (less than 300 when a notice precedes it)."""
    problems: list[Problem] = []
    if draft.mode not in MODES:
        problems.append(Problem("mode", ProblemKind.UNKNOWN_MODE))
    for language in sorted(draft.languages | {draft.base_language}):
        if language not in enabled_languages:
            problems.append(Problem(f"language.{language}", ProblemKind.UNKNOWN_LANGUAGE))
    problems += _question_problems(draft, enabled_languages, question_room)
    problems += _option_problems(draft)
    problems += _time_problems(draft, now)
    return problems


def _question_problems(
    draft: PollDraft, enabled_languages: Sequence[str], question_room: Callable[[str], int]
) -> list[Problem]:
    problems: list[Problem] = []
    if not draft.question_in(draft.base_language).strip():
        return [Problem(f"question.{draft.base_language}", ProblemKind.QUESTION_MISSING)]
    for language in enabled_languages:
        question = draft.question_in(language)
        room = question_room(language)
        if len(question) > room:
            own = language if language in draft.questions else draft.base_language
            problems.append(
                Problem(f"question.{own}", ProblemKind.QUESTION_TOO_LONG, room, len(question))
            )
    return _unique(problems)


def _option_problems(draft: PollDraft) -> list[Problem]:
    count = len(draft.options)
    if count < MIN_POLL_OPTIONS:
        return [Problem("options", ProblemKind.TOO_FEW_OPTIONS, MIN_POLL_OPTIONS, count)]
    if count > MAX_POLL_OPTIONS:
        return [Problem("options", ProblemKind.TOO_MANY_OPTIONS, MAX_POLL_OPTIONS, count)]
    problems: list[Problem] = []
    for language in sorted(draft.languages | {draft.base_language}):
        texts = draft.options_in(language)
        for index, text in enumerate(texts, start=1):
            own = language if language in draft.options[index - 1] else draft.base_language
            where = f"options[{index}].{own}"
            if not text.strip():
                problems.append(Problem(where, ProblemKind.OPTION_EMPTY))
            elif len(text) > MAX_POLL_OPTION:
                problems.append(
                    Problem(where, ProblemKind.OPTION_TOO_LONG, MAX_POLL_OPTION, len(text))
                )
            elif text.strip().casefold() in (t.strip().casefold() for t in texts[: index - 1]):
                problems.append(Problem(where, ProblemKind.OPTION_REPEATED))
    return _unique(problems)


def _time_problems(draft: PollDraft, now: datetime) -> list[Problem]:
    if draft.closes_at is None:
        assert draft.open_for is not None
        if draft.open_for <= timedelta():
            return [Problem("closes", ProblemKind.CLOSES_BEFORE_OPENING)]
        if draft.open_for.total_seconds() > MAX_OPEN_SECONDS:
            return [Problem("closes", ProblemKind.CLOSES_TOO_LATE, MAX_OPEN_SECONDS)]
        return []
    opens = draft.opens_at or now
    if draft.closes_at <= opens:
        return [Problem("closes", ProblemKind.CLOSES_BEFORE_OPENING)]
    if (draft.closes_at - max(opens, now)).total_seconds() > MAX_OPEN_SECONDS:
        return [Problem("closes", ProblemKind.CLOSES_TOO_LATE, MAX_OPEN_SECONDS)]
    return []


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems in order, each once (a base-language text reused by others is one problem)."""
    return list(dict.fromkeys(problems))
