"""What the chat shows of broadcasts (handlers/broadcast_view.py): progress as bands under the
disclosure rule, and every language's text packed within Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sensitive import plain_text
from bot.services import Services
from broadcasts import Payload
from handlers.broadcast_view import MESSAGE_LIMIT, content_blocks, pack, progress_text
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
