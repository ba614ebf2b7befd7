"""An announcement's text as Telegram shows it, made safe to show in a web page.

Announcements are written in Telegram's HTML (b, i, u, s, a, code, pre, blockquote,
tg-spoiler and their synonyms). The console shows them as a phone would: those tags, and only
those, survive (nh3, the ammonia sanitizer); every other tag is dropped with its attributes, its
text kept (a script's or style's is dropped too), an ``a`` keeps only an http(s) or tg:
``href``. Line breaks are kept by the bubble's CSS (``white-space: pre-wrap``). Nothing a staff
member types can run in another's browser.
"""

from __future__ import annotations

import nh3

TELEGRAM_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "code", "pre", "blockquote", "tg-spoiler", "a",
    }
)  # fmt: skip
LINK_SCHEMES = frozenset({"http", "https", "tg"})


def safe_html(telegram_html: str) -> str:
    """Telegram HTML as safe web HTML (see the module docstring)."""
    return nh3.clean(
        telegram_html,
        tags=set(TELEGRAM_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
    )
