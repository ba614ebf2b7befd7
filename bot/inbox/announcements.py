"""Questions about an announcement ("Tell me more" under it): which inbox topic fits an
announcement's category, and the line that tells staff which announcement a thread is about.

The one place that maps categories to topics: investment and programme announcements go to the
"investment" topic, every other category to "other".
"""

from __future__ import annotations

import re

from bot.i18n import N_

#: An announcement's category -> the inbox topic a question about it opens under.
TOPIC_BY_CATEGORY = {"investment": "investment", "programme": "investment"}
OTHER_TOPIC = "other"
#: How many words of the announcement staff see in the thread.
FIRST_WORDS = 8
#: The first line of a question asked with "Tell me more" (staff read it in the thread).
ABOUT_LINE = N_("About announcement #%(number)s: %(words)s")
_TAG = re.compile(r"<[^>]+>")


def topic_for(category: str) -> str:
    return TOPIC_BY_CATEGORY.get(category, OTHER_TOPIC)


def first_words(text: str) -> str:
    """The announcement's first words, without markup, "…" when there are more."""
    words = _TAG.sub(" ", text).split()
    shown = " ".join(words[:FIRST_WORDS])
    return shown + "…" if len(words) > FIRST_WORDS else shown
