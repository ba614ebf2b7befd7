"""The bot token and the webhook secret never reach a log line or a traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.log_redaction import REDACTED, RedactingFilter, Redactor

TOKEN = "123456789:AAH-the-secret-part-of-a-real-token-xyz"
OTHER_TOKEN = "987654321:BBH-another-token-nobody-configured-abc"
WEBHOOK_SECRET = "webhook-secret-0123456789"


class RecordingHandler(logging.Handler):
    """Keeps the records it is given, as the handlers added before it left them."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose one handler writes formatted records (tracebacks too) to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor([TOKEN, WEBHOOK_SECRET])))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def test_the_token_in_the_message_and_its_arguments_is_redacted(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log
    logger.warning(f"token {TOKEN} in the message")  # noqa: G004 - what careless code does
    logger.warning("calling %s with %r", f"https://api.telegram.org/bot{TOKEN}/getMe", {TOKEN})
    logger.warning("secret %s", WEBHOOK_SECRET)
    text = stream.getvalue()
    assert TOKEN not in text and "AAH-the-secret" not in text and WEBHOOK_SECRET not in text
    assert f"token {REDACTED} in the message" in text
    assert f"calling https://api.telegram.org/bot{REDACTED}/getMe with {{'{REDACTED}'}}" in text
    assert f"secret {REDACTED}" in text


def test_the_token_in_an_exception_and_its_traceback_is_redacted(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log

    def call_telegram() -> None:
        raise RuntimeError(f"Client error for url 'https://api.telegram.org/bot{TOKEN}/getMe'")

    try:
        try:
            call_telegram()
        except RuntimeError as exc:
            raise ValueError(f"while using {TOKEN}") from exc
    except ValueError:
        logger.exception("request failed")
    text = stream.getvalue()
    assert "Traceback (most recent call last)" in text and "call_telegram" in text
    assert TOKEN not in text and "AAH-the-secret" not in text
    assert f"ValueError: while using {REDACTED}" in text
    assert f"bot{REDACTED}/getMe" in text


def test_any_token_in_a_bot_api_url_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.info("GET http://127.0.0.1:8080/bot%s/getUpdates", OTHER_TOKEN)
    logger.info("GET http://127.0.0.1:8080/file/bot%s/photos/1.jpg", OTHER_TOKEN)
    text = stream.getvalue()
    assert "BBH-another" not in text
    assert f"/bot{REDACTED}/getUpdates" in text and f"/file/bot{REDACTED}/photos/1.jpg" in text


def test_a_record_without_secrets_keeps_its_arguments(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log
    records: list[logging.LogRecord] = []
    logger.addHandler(RecordingHandler(records))
    logger.info("member %s chose %s", 5000001, "es")
    assert stream.getvalue() == "INFO tests.redaction: member 5000001 chose es\n"
    assert records[0].args == (5000001, "es")


def test_short_or_empty_secrets_are_not_redacted_everywhere() -> None:
    redact = Redactor(["", "ab"])
    assert redact("a cab") == "a cab"
