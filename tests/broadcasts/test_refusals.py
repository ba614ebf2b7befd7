"""Every refusal of a broadcast request or action reads in the staff member's language, with
its values in place (the chat's alerts and the console's problem lines say the same)."""

from __future__ import annotations

import pytest

from bot.deployment import Deployment
from bot.i18n import Languages
from broadcasts.compose import BroadcastError, BroadcastProblem
from broadcasts.labels import refusal_text
from broadcasts.repository import BroadcastStatus

#: The values each problem is raised with (broadcasts/compose.py).
VALUES: dict[BroadcastProblem, dict[str, object]] = {
    BroadcastProblem.NOT_FOUND: {"id": 1234},
    BroadcastProblem.NOT_PENDING: {"id": 1234},
    BroadcastProblem.FINISHED: {"id": 1234, "status": BroadcastStatus.CANCELLED},
    BroadcastProblem.NOT_PAUSABLE: {"id": 1234, "status": BroadcastStatus.DONE},
    BroadcastProblem.NOT_PAUSED: {"id": 1234},
    BroadcastProblem.TEXT_TOO_LONG: {"language": "ar", "limit": 1024},
}


@pytest.mark.parametrize("problem", list(BroadcastProblem))
def test_each_refusal_is_said_in_every_language_with_its_values(
    deployment: Deployment, problem: BroadcastProblem
) -> None:
    languages = Languages(deployment.languages, deployment.default_language)
    error = BroadcastError("the English reason, for operators", problem, **VALUES.get(problem, {}))
    english = refusal_text(languages.translator("en"), error)
    for language in deployment.languages:
        text = refusal_text(languages.translator(language), error)
        assert "%(" not in text and "English reason" not in text
        if "id" in error.values:
            assert "1234" in text  # a broadcast's number, never grouped like an amount
        if language != "en":
            assert text != english, language
    if problem is BroadcastProblem.FINISHED:
        assert english == "Broadcast #1234 is already cancelled."
