"""How python-telegram-bot errors become delivery outcomes."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from broadcasts import OutcomeKind
from broadcasts.telegram_transport import outcome_of_error


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_retry_after_is_rate_limited_with_its_delay() -> None:
    outcome = outcome_of_error(RetryAfter(7))
    assert (outcome.kind, outcome.retry_after) == (OutcomeKind.RATE_LIMITED, 7.0)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), OutcomeKind.UNREACHABLE),
        (Forbidden("Forbidden: user is deactivated"), OutcomeKind.UNREACHABLE),
        (BadRequest("Chat not found"), OutcomeKind.CHAT_NOT_FOUND),
        (BadRequest("Bad Request: user not found"), OutcomeKind.CHAT_NOT_FOUND),
        (BadRequest("PEER_ID_INVALID"), OutcomeKind.CHAT_NOT_FOUND),
        (BadRequest("Can't parse entities: unclosed tag"), OutcomeKind.FAILED),
        (TimedOut(), OutcomeKind.RETRY),
        (NetworkError("Bad Gateway"), OutcomeKind.RETRY),
        (NetworkError("Internal Server Error (500)"), OutcomeKind.RETRY),
    ],
)
def test_errors_map_to_outcomes(error: Exception, kind: OutcomeKind) -> None:
    outcome = outcome_of_error(error)  # type: ignore[arg-type]
    assert outcome.kind is kind
    assert outcome.error
