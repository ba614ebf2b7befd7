"""An announcement's text as Telegram shows it, made safe to show in a web page.

Announcements are written in Telegram's HTML (b, i, u, s, a, code, pre, blockquote,
tg-spoiler and their synonyms). The console shows them as a phone would, so it renders the
same tags, and only those: every other tag is dropped with its attributes (its text kept, as
Telegram would refuse or show it literally), an ``a`` keeps only an http(s) or tg: ``href``,
and all text is escaped. Nothing a staff member types can run in another's browser.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

#: Telegram's tags, and the web tag each is shown as.
TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "span",
    "a": "a",
}
SAFE_SCHEMES = ("http://", "https://", "tg://")


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = TAGS.get(tag)
        if shown is None:
            return
        attributes = ""
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(SAFE_SCHEMES):
                attributes = f' href="{html.escape(href)}" rel="noopener noreferrer"'
        elif tag == "tg-spoiler":
            attributes = ' class="spoiler"'
        self.parts.append(f"<{shown}{attributes}>")
        self.open.append(shown)

    def handle_endtag(self, tag: str) -> None:
        shown = TAGS.get(tag)
        if shown is not None and shown in self.open:
            while self.open:
                closing = self.open.pop()
                self.parts.append(f"</{closing}>")
                if closing == shown:
                    break

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.parts.extend(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.parts).replace("\n", "<br>")


def safe_html(telegram_html: str) -> str:
    """Telegram HTML as safe web HTML (see the module docstring)."""
    sanitizer = _Sanitizer()
    sanitizer.feed(telegram_html)
    sanitizer.close()
    return sanitizer.result()
