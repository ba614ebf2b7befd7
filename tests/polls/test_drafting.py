"""Poll drafts against Telegram's limits, and the quick form."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from broadcasts.audience import Audience
from polls.drafting import ProblemKind, check_draft, parse_quick_form, quick_draft

NOW = datetime(2025, 6, 1, tzinfo=UTC)
LANGUAGES = ("en", "ar")


def kinds(text: str, room: int = 300) -> list[tuple[str, ProblemKind]]:
    draft = quick_draft(text, "en", Audience(), 1, NOW)
    return [(p.field, p.kind) for p in check_draft(draft, LANGUAGES, NOW, lambda _: room)]


def test_quick_form_splits_question_and_options() -> None:
    assert parse_quick_form(" Open on Saturdays? | Yes |No ") == (
        "Open on Saturdays?",
        ["Yes", "No"],
    )
    draft = quick_draft("Q? | A | B", "ar", Audience(), 7, NOW)
    # It closes a day after it is sent, not after it was written.
    assert (draft.closes_at, draft.open_for) == (None, timedelta(hours=24))
    assert draft.options_in("en") == ("A", "B")  # the base language stands in


def test_a_good_quick_poll_has_no_problem() -> None:
    assert kinds("هل يجب أن تفتح القنصلية يوم السبت؟ | نعم | لا") == []


def test_each_limit_is_named() -> None:
    assert kinds("Q? | A") == [("options", ProblemKind.TOO_FEW_OPTIONS)]
    assert kinds("Q? " + "| A" * 13)[0] == ("options", ProblemKind.TOO_MANY_OPTIONS)
    assert kinds("Q? | A | " + "x" * 101) == [("options[2].en", ProblemKind.OPTION_TOO_LONG)]
    assert kinds("Q? | A | ") == [("options[2].en", ProblemKind.OPTION_EMPTY)]
    assert kinds("Q? | A | a") == [("options[2].en", ProblemKind.OPTION_REPEATED)]
    assert kinds(" | A | B") == [("question.en", ProblemKind.QUESTION_MISSING)]
    assert kinds("x" * 250 + " | A | B", room=220) == [
        ("question.en", ProblemKind.QUESTION_TOO_LONG)
    ]


def test_a_closing_period_is_checked_against_telegram_s_limit() -> None:
    draft = quick_draft("Q? | A | B", "en", Audience(), 1, NOW)
    month = replace(draft, open_for=timedelta(days=31))
    assert [p.kind for p in check_draft(month, LANGUAGES, NOW)] == [ProblemKind.CLOSES_TOO_LATE]
    with pytest.raises(ValueError, match="exactly one"):
        replace(draft, closes_at=NOW + timedelta(days=1))
