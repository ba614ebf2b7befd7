"""What the chat shows of broadcasts (handlers/broadcast_view.py): progress as bands under the
disclosure rule, and every language's text packed within Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime

from babel import dates

from bot.i18n import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, RIGHT_TO_LEFT_MARK
from bot.sensitive import plain_text
from bot.services import Services
from broadcasts import Payload
from broadcasts.schedule import Schedule
from handlers.broadcast_view import (
    MESSAGE_LIMIT,
    content_block,
    content_blocks,
    pack,
    progress_text,
    schedule_text,
)
from tests.auxil.broadcasting import send_to_london

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


async def test_progress_of_a_broadcast_to_three_never_shows_their_number(
    services: Services,
) -> None:
    broadcast_id, progress = await send_to_london(services, 3, NOW)
    for language, fewer in (("en", "fewer than 5"), ("fr", "moins de 5")):
        lines = progress_text(services.languages.translator(language), progress, broadcast_id)
        counts = lines.splitlines()[1:5]  # sent, failed, unreachable, pending
        assert fewer in counts[0], counts
        assert all(line.rstrip().endswith((fewer, " 0")) for line in counts), counts


def test_long_texts_in_six_languages_are_packed_within_telegrams_limit(
    services: Services,
) -> None:
    tr = services.languages.translator("en")
    long = [Payload(code, text=f"<b>{code}</b> " + "word " * 700) for code in ("en", "ar", "fr")]
    short = [Payload(code, text=f"Short {code}") for code in ("es", "fil", "pt")]
    blocks = content_blocks(tr, [*long, *short])
    messages = pack(["facts", *blocks])
    assert len(messages) <= 1 + len(blocks) - 2  # the short ones share messages
    assert all(len(plain_text(message)) < MESSAGE_LIMIT for message in messages)
    for payload in [*long, *short]:
        assert sum(payload.text in message for message in messages) == 1  # never split


def test_a_text_at_telegrams_limit_is_split_from_its_heading(services: Services) -> None:
    tr = services.languages.translator("en")
    full = Payload("en", text="x" * 4096)
    heading, body = content_blocks(tr, [full])
    assert "English" in heading and body == full.text
    assert pack([heading, body]) == [heading, body]


def test_each_language_of_a_preview_is_laid_out_in_its_own_direction(
    services: Services,
) -> None:
    """A client lays a message out in one direction: Arabic never shares a message with the
    left-to-right texts (it would be laid out left to right, or they right to left, their
    "Saturdays?" read "?Saturdays"), and each Arabic message starts with a right-to-left mark."""
    arabic, english = "يوم الجوازات السبت", "Open on Saturdays?"
    payloads = [
        Payload("en", text=english),
        Payload("ar", text=arabic),
        Payload("fr", text="Ouvert"),
    ]
    for reader in ("en", "ar"):
        tr = services.languages.translator(reader)
        facts = tr.direction(tr.gettext("<b>Preview</b>"))
        messages = pack([facts, *content_blocks(tr, payloads)])
        for message in messages:
            if arabic in message:
                assert english not in message and "Ouvert" not in message, (reader, messages)
                assert message.startswith(RIGHT_TO_LEFT_MARK), (reader, message)
            elif english in message or "Ouvert" in message:
                assert not message.startswith(RIGHT_TO_LEFT_MARK), (reader, message)
        assert len(messages) == 2  # the reader's direction first, then the other


def test_a_schedule_is_written_by_babel_in_the_readers_language(services: Services) -> None:
    """ "2027-03-28 10:00" inside Arabic reads with date and time swapped: the date is babel's,
    and each value an isolate."""
    typed = datetime(2027, 3, 28, 10, 0)
    ar = services.languages.translator("ar")
    text = schedule_text(ar, Schedule.at(typed, "Europe/London"))
    assert "2027-03-28" not in text
    assert ar.isolate(dates.format_datetime(typed, "short", locale="ar")) in text
    assert ar.isolate("Europe/London") in text
    en = services.languages.translator("en")
    assert schedule_text(en, Schedule.at(typed, "Europe/London")) == (
        "3/28/27, 10:00\u202fAM (Europe/London)"
    )


def test_an_english_question_in_an_arabic_poll_keeps_its_question_mark(
    services: Services,
) -> None:
    """An Arabic poll may carry the author's English question: in the Arabic block it is an
    isolate, so it reads "Open on Saturdays?", not "?Open on Saturdays"."""
    tr = services.languages.translator("en")
    poll = Payload("ar", poll_question="Open on Saturdays?", poll_options=("Yes", "نعم"))
    _heading, body = content_block(tr, poll)
    assert f"{FIRST_STRONG_ISOLATE}Open on Saturdays?{POP_DIRECTIONAL_ISOLATE}" in body
    assert f"{FIRST_STRONG_ISOLATE}Yes{POP_DIRECTIONAL_ISOLATE}" in body
    assert body.startswith(RIGHT_TO_LEFT_MARK)
