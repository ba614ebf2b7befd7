"""Which guidance pages a question's words point at, in the member's language, so a member may
find the answer before sending (many questions are answered there already).

A page matches when words of the question (four letters or more, case, accents and Arabic
vowel signs ignored; a leading Arabic article dropped, leaving three letters or more) appear in
its title or body; pages whose title matches come first."""

from __future__ import annotations

import re

from bot.guidance import GuidanceContent
from bot.guidance.content import Topic
from bot.sensitive import fold, plain_text

_WORD = re.compile(r"\w+")
_SHORTEST_WORD = 4
_ARABIC_ARTICLE = "ال"
#: Words too common in questions to point anywhere.
_COMMON = frozenset(
    {"what", "when", "where", "which", "with", "have", "does", "this", "that", "there", "from"}
)
MOST_PAGES = 3


def words_of(text: str) -> set[str]:
    """The matching words of ``text``."""
    found = set()
    for word in _WORD.findall(fold(plain_text(text)).casefold()):
        shortest = _SHORTEST_WORD
        if word.startswith(_ARABIC_ARTICLE) and len(word) > len(_ARABIC_ARTICLE) + 2:
            word, shortest = word[len(_ARABIC_ARTICLE) :], _SHORTEST_WORD - 1
        if len(word) >= shortest and word not in _COMMON and not word.isdigit():
            found.add(word)
    return found


def matching_pages(content: GuidanceContent, question: str) -> list[Topic]:
    """Up to MOST_PAGES guidance topics the question's words point at, best first."""
    asked = words_of(question)
    scored = []
    for index, topic in enumerate(content.topics):
        in_title = len(asked & words_of(topic.title))
        in_body = len(asked & words_of(topic.body))
        if in_title or in_body >= 2:
            scored.append((-in_title, -in_body, index, topic))
    return [entry[-1] for entry in sorted(scored, key=lambda entry: entry[:3])][:MOST_PAGES]
