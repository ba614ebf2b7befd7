"""Text formatting as Telegram applies it: HTML and MarkdownV2 parsing, command entities.

Parsing turns the text the bot sent into Telegram's plain text plus ``entities`` (offsets
in UTF-16 code units), or raises :class:`EntityParseError` with Telegram's reason.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


class EntityParseError(ValueError):
    """The text cannot be parsed with its parse_mode; the message is Telegram's reason."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[Entity] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        chars = sum(len(item) + 1 for item in lines[: line - 1]) + column
        return len(self.source[:chars].encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_TAGS or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        if tag == "a" and not attributes.get("href"):
            raise EntityParseError(f"Can't find href attribute at byte offset {self._offset()}")
        self.stack.append((tag, self.length, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise EntityParseError(
                f'Unexpected end tag at byte offset {self._offset()}: "</{tag}>"'
            )
        open_tag, start, attributes = self.stack.pop()
        if open_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
        length = self.length - start
        if length <= 0:
            return
        entity: Entity = {"type": _HTML_TAGS[tag], "offset": start, "length": length}
        if tag == "a":
            entity["url"] = attributes.get("href")
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or "0"
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][2]["language"] = language
            return
        elif tag == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def finish(self) -> tuple[str, list[Entity]]:
        self.close()
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML parse mode: known tags only, balanced, entities computed."""
    parser = _TelegramHTML(text)
    parser.feed(text)
    return parser.finish()


_MD_SPECIAL = set("_*[]()~`>#+-=|{}.!")
_MD_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Telegram's MarkdownV2: reserved characters must be escaped; markers become entities."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    open_markers: list[tuple[str, int]] = []
    i = 0
    n = len(text)

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            emit(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of Pre entity at byte offset {i}")
            body = text[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            start = length
            emit(re.sub(r"\\(.)", r"\1", body))
            entity: Entity = {"type": "pre", "offset": start, "length": length - start}
            if language:
                entity["language"] = language
            entities.append(entity)
            i = end + 3
            continue
        if char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise EntityParseError(f"Can't find end of Code entity at byte offset {i}")
            start = length
            emit(re.sub(r"\\(.)", r"\1", text[i + 1 : end]))
            entities.append({"type": "code", "offset": start, "length": length - start})
            i = end + 1
            continue
        marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") else char
        if marker in _MD_MARKERS:
            if open_markers and open_markers[-1][0] == marker:
                _, start = open_markers.pop()
                if length > start:
                    entities.append(
                        {"type": _MD_MARKERS[marker], "offset": start, "length": length - start}
                    )
            else:
                open_markers.append((marker, length))
            i += len(marker)
            continue
        if char == "[":
            open_markers.append(("[", length))
            i += 1
            continue
        if char == "]" and open_markers and open_markers[-1][0] == "[":
            _, start = open_markers.pop()
            match = re.match(r"\]\(((?:[^)\\]|\\.)*)\)", text[i:])
            if not match:
                raise EntityParseError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            url = re.sub(r"\\(.)", r"\1", match.group(1))
            entities.append(
                {"type": "text_link", "offset": start, "length": length - start, "url": url}
            )
            i += match.end()
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if char in _MD_SPECIAL:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1
    if open_markers:
        kind = open_markers[-1][0]
        name = {"[": "TextUrl"}.get(kind, _MD_MARKERS.get(kind, kind).capitalize())
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {n}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (HTML, MarkdownV2, Markdown or none) to ``text``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        plain = re.sub(r"[*_`]", "", text)
        return plain, []
    if mode:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode}")
    return text, []


def command_entities(text: str) -> list[Entity]:
    """``bot_command`` entities for every ``/command`` or ``/command@bot`` in ``text``."""
    entities: list[Entity] = []
    for match in _COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities
