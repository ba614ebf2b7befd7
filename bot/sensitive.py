"""Sensitive topics: subjects the bot must never ask members about (immigration or residence
status, asylum, missing papers, irregular stay ...), listed by the deployment with patterns in
every enabled language, and the matcher that finds them in what staff write.

Why: members may be refugees or irregular migrants, and a poll is a question whose answers are
counted and kept. "Do you currently hold a valid residence permit?" sent to a small consulate
is a list of who has none. So a poll whose question or options touch a listed topic, in any
language, is refused when it is composed (``SensitiveQuestion``); an announcement asks nothing
and is allowed, but carries a warning to its author and its approver.

Matching. A pattern is a plain word or phrase (matched literally, its words separated by any
white space) or, written between slashes (``/visas?/``), a Python regular expression. Either
is matched on word boundaries and case-insensitively, after the text and the pattern are folded
the same way: compatibility forms (full-width letters), accents and other combining marks
(Arabic vowel signs too), invisible format characters (zero-width spaces, soft hyphens,
direction marks) and the Arabic tatweel are dropped; Arabic letter variants are unified
(alef forms, ta marbuta as ha, alef maksura as ya); runs of white space become one space.
HTML tags are dropped from message texts. Every text is matched against the patterns of every
language (members write "residence permit" in Filipino texts too).

Not covered: spelling mistakes, look-alike letters from other scripts, and questions that ask
about a topic without naming it ("When do you need to leave the country?"). The list stops
the common mistake, not a determined author; approval by a second person is the other guard.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Characters dropped besides combining marks and format characters: the Arabic tatweel.
_DROPPED = {"\u0640"}
#: Letter variants written one way before matching.
_UNIFIED = str.maketrans({"ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ٱ": "ا"})
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
REGEX_MARK = "/"


def fold(text: str) -> str:
    """``text`` as matching sees it (see the module docstring); case is kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        c
        for c in decomposed
        if unicodedata.category(c) not in ("Mn", "Me", "Cf") and c not in _DROPPED
    )
    return _SPACE.sub(" ", kept.translate(_UNIFIED)).strip()


def plain_text(html_text: str) -> str:
    """A message's HTML as its reader sees it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def is_regex(pattern: str) -> bool:
    return len(pattern) > 2 and pattern.startswith(REGEX_MARK) and pattern.endswith(REGEX_MARK)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """One pattern, folded and bounded by word edges; raises re.error for a bad regex."""
    if is_regex(pattern):
        body = fold(pattern[1:-1])
    else:
        body = r"\s+".join(re.escape(word) for word in fold(pattern).split(" "))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Topic:
    """A subject polls must never ask about: its name and its patterns per language."""

    id: str
    names: Mapping[str, str]
    patterns: Mapping[str, tuple[str, ...]]
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def build(
        cls, topic_id: str, names: Mapping[str, str], patterns: Mapping[str, Sequence[str]]
    ) -> Topic:
        """A topic with its patterns compiled; raises re.error for a bad regex."""
        compiled = tuple(
            compile_pattern(pattern) for language in patterns for pattern in patterns[language]
        )
        kept = {language: tuple(found) for language, found in patterns.items()}
        return cls(topic_id, dict(names), kept, compiled)

    def name_in(self, language: str) -> str:
        """The topic's name in ``language``, else in English, else its id."""
        return self.names.get(language) or self.names.get("en") or self.id

    def first_match(self, folded: str) -> str | None:
        """The words of ``folded`` text that name this topic, or None."""
        for pattern in self.compiled:
            found = pattern.search(folded)
            if found:
                return found.group(0)
        return None


@dataclass(frozen=True)
class Match:
    """A topic found in one field of what staff wrote (``question.es``, ``text.en``)."""

    topic: Topic
    field: str
    words: str

    def describe(self) -> str:
        """An English sentence for logs and the command line."""
        return f'{self.field} mentions {self.topic.name_in("en")} ("{self.words}")'


class SensitiveQuestion(ValueError):
    """A poll that asks about a sensitive topic: refused. ``matches`` says where and which."""

    def __init__(self, matches: Sequence[Match]) -> None:
        self.matches = tuple(matches)
        found = "; ".join(match.describe() for match in self.matches)
        them = "it" if len(self.topics()) == 1 else "them"
        super().__init__(f"{found}: polls must never ask about {them}")

    def topics(self) -> list[Topic]:
        """Each topic found, once, in order."""
        return list({match.topic.id: match.topic for match in self.matches}.values())


@dataclass(frozen=True)
class SensitiveTopics:
    """The deployment's list of topics and the matcher over it."""

    topics: tuple[Topic, ...] = ()

    def scan(self, texts: Iterable[tuple[str, str]]) -> list[Match]:
        """Every topic found in each ``(field, text)``, at most once per field."""
        matches: list[Match] = []
        for where, text in texts:
            folded = fold(text)
            for topic in self.topics:
                words = topic.first_match(folded)
                if words is not None:
                    matches.append(Match(topic, where, words))
        return matches

    def refuse_poll(
        self, questions: Mapping[str, str], options: Sequence[Mapping[str, str]]
    ) -> None:
        """Raise SensitiveQuestion when a poll's question or an option, in any language,
        touches a topic."""
        matches = self.scan(poll_texts(questions, options))
        if matches:
            raise SensitiveQuestion(matches)

    def in_messages(self, texts: Mapping[str, str]) -> list[Match]:
        """The topics an announcement's texts ({language: HTML}) mention (a warning only)."""
        return self.scan((f"text.{lang}", plain_text(text)) for lang, text in texts.items())


def poll_texts(
    questions: Mapping[str, str], options: Sequence[Mapping[str, str]]
) -> list[tuple[str, str]]:
    """Every text of a poll with the field it is in: ``question.fr``, ``options[2].ar``."""
    found = [(f"question.{language}", text) for language, text in questions.items()]
    for index, texts in enumerate(options, start=1):
        found += [(f"options[{index}].{language}", text) for language, text in texts.items()]
    return found
