"""What staff type is shown as Telegram shows it, and nothing in it runs in a browser."""

from __future__ import annotations

import pytest

from console.telegram_html import safe_html


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<b>bold</b> <i>it</i> <u>u</u> <s>s</s>", "<b>bold</b> <i>it</i> <u>u</u> <s>s</s>"),
        ("<tg-spoiler>secret</tg-spoiler>", "<tg-spoiler>secret</tg-spoiler>"),
        ("line one\nline two", "line one\nline two"),
        (
            '<a href="https://gov.example/visa">apply</a>',
            '<a href="https://gov.example/visa" rel="noopener noreferrer">apply</a>',
        ),
        ("5 < 6 & 7 > 3", "5 &lt; 6 &amp; 7 &gt; 3"),
    ],
)
def test_telegram_formatting_is_shown_as_telegram_shows_it(typed: str, shown: str) -> None:
    assert safe_html(typed) == shown


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<b onclick="alert(1)">x</b>',
        "<style>body{display:none}</style>",
        '<iframe src="https://evil.example"></iframe>',
        '<svg onload="alert(1)"></svg>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    ],
)
def test_nothing_typed_can_run_in_the_page(attack: str) -> None:
    shown = safe_html(attack).lower()
    for danger in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<img",
                   "<style", "<svg", "data:"):  # fmt: skip
        assert danger not in shown, (attack, shown)
