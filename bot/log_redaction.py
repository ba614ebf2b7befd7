"""Keeps the bot token (and the webhook secret) out of every log line and traceback.

Whoever holds the token is the bot: they can read every member's messages as they arrive and
write to every member. The Bot API puts the token in every URL (``/bot<token>/sendMessage``,
``/file/bot<token>/...``), and URLs end up in log lines and exception messages (HTTP client
errors, python-telegram-bot's ``InvalidToken``). So a filter on the log handlers rewrites each
record before it is written: the message with its arguments, the exception with its
traceback, and the stack. The configured secrets are replaced wherever they appear; any token
inside a Bot API URL is replaced even if it is not the configured one. ``install`` also makes
uncaught exceptions print redacted tracebacks.

Not covered: output written with ``print`` or straight to a stream, and handlers added to
loggers after ``install``.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Iterable
from types import TracebackType

REDACTED = "[redacted]"
# Shorter values would blank ordinary words in every line (settings refuse secrets that short).
MIN_SECRET_LENGTH = 8
# A token in a Bot API path: /bot<bot id>:<secret>/ or /file/bot<bot id>:<secret>/.
TOKEN_IN_URL = re.compile(r"(?<=/bot)\d+:[A-Za-z0-9_-]+")


class Redactor:
    """Replaces the given secrets, and any token in a Bot API URL, with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is replaced whole.
        chosen = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        self.secrets = sorted(chosen, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_IN_URL.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record in place; it never drops a record."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        self._redact_message(record)
        if record.exc_info:
            # Cached as text, which formatters print instead of formatting exc_info again.
            record.exc_text = self.redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def _redact_message(self, record: logging.LogRecord) -> None:
        """Render message and arguments together (an argument's str() may hold the token);
        keep them apart when nothing had to be redacted."""
        try:
            message, fits = record.getMessage(), True
        except Exception:  # arguments that do not fit the format: shown after it, redacted
            message, fits = f"{record.msg} {record.args!r}", False
        redacted = self.redact(message)
        if redacted != message or not fits:
            record.msg, record.args = redacted, None


def install(secrets: Iterable[str]) -> Redactor:
    """Redact ``secrets`` in every record the root logger's handlers write, and in the
    traceback of an exception nobody caught; return the redactor."""
    redact = Redactor(secrets)
    redacting = RedactingFilter(redact)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)

    def print_redacted(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, error, trace))
        sys.stderr.write(redact(text))

    sys.excepthook = print_redacted
    return redact
